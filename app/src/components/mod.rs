//! Small pieces the pages share.

pub mod clipboard;
pub mod dialog;
pub mod field;
