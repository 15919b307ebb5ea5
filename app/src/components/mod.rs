//! Small pieces the pages share.

pub mod clipboard;
pub mod copy;
pub mod dialog;
pub mod field;
pub mod focus;
pub mod menu;
pub mod modal;
pub mod rpc_form;
pub mod slide_over;
