//! What the console can do, with every rule checked: accounts, sessions, members and invites.
//!
//! Server functions and CLI commands call these; nothing here knows about HTTP or Leptos.
//! Time comes in as `now` (Unix seconds) so tests can move it.

mod accounts;
mod credentials;
mod error;
mod members;
pub mod password;
mod principal;
pub mod secrets;

pub use accounts::{NewAccount, SignIn, SignedIn};
pub use credentials::{ApiClientForm, RestrictedTokenForm, api_client_view, restricted_token_view};
pub use error::ServiceError;
pub use principal::{AdminPrincipal, ClientManager, CredentialViewer, Principal, TokenManager};

use store::Store;

/// Failed sign-ins allowed per email address within the window, and per client address.
pub const MAX_FAILURES_PER_EMAIL: i64 = 5;
pub const MAX_FAILURES_PER_ADDRESS: i64 = 50;
pub const THROTTLE_WINDOW_SECONDS: i64 = 15 * 60;

#[derive(Clone, Debug)]
pub struct Services {
    store: Store,
    open_signup: bool,
}

impl Services {
    pub fn new(store: Store, open_signup: bool) -> Self {
        Services { store, open_signup }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn open_signup(&self) -> bool {
        self.open_signup
    }
}

/// The current time in Unix seconds, for callers at the edge (handlers, CLI).
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}
