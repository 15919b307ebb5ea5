pub mod account;
pub mod auth;
pub mod console;
pub mod not_found;
pub mod settings;
