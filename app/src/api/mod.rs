//! Server functions: thin. Each one finds the principal, lets the service layer authorize and
//! validate, and maps the error. All are POSTs under `/rpc`, guarded by the anti-forgery check.

pub mod account;
pub mod audit;
pub mod auth;
pub mod credentials;
pub mod members;
pub mod notice;
