//! The Portcullis domain: types, validation and permission rules that both the browser and the
//! server use. Nothing here knows about HTTP, Leptos or a database.

pub mod audit;
pub mod ids;
pub use ids::{ClientId, CredentialId, OrgId};
pub mod credentials;
pub mod models;
pub mod role;
pub mod secret;
pub mod validation;

pub use role::{Permissions, Role};
pub use secret::Secret;
pub use validation::{Email, FieldError, OrgName, Password, PersonName};

/// How long an invite link stays valid.
pub const INVITE_TTL_SECONDS: i64 = 7 * 24 * 60 * 60;
/// A console session ends this long after its last request...
pub const SESSION_IDLE_SECONDS: i64 = 30 * 60;
/// ...and this long after sign-in, whatever happens.
pub const SESSION_MAX_SECONDS: i64 = 12 * 60 * 60;
