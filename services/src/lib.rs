//! What the console can do, with every rule checked: accounts, sessions, members and invites.
//!
//! Server functions and CLI commands call these; nothing here knows about HTTP or Leptos.
//! Time comes in as `now` (Unix seconds) so tests can move it.

mod accounts;
mod credentials;
mod error;
mod gate_cache;
pub mod keys;
mod members;
pub mod password;
mod principal;
pub mod public_api;
pub mod secrets;
mod tokens;

pub use accounts::{NewAccount, SignIn, SignedIn};
pub use credentials::{ApiClientForm, RestrictedTokenForm, api_client_view, restricted_token_view};
pub use error::ServiceError;
pub use gate_cache::{ClientEntry, TokenEntry};
pub use keys::SigningAlg;
pub use principal::{AdminPrincipal, ClientManager, CredentialViewer, Principal, TokenManager};
pub use tokens::{
    ACCESS_TOKEN_SECONDS, AccessClaims, BearerError, Caller, Introspection, IssuedToken,
    OAuthError, TokenSettings,
};

use std::sync::Arc;
use store::Store;

/// Failed sign-ins allowed per email address within the window, and per client address.
pub const MAX_FAILURES_PER_EMAIL: i64 = 5;
pub const MAX_FAILURES_PER_ADDRESS: i64 = 50;
pub const THROTTLE_WINDOW_SECONDS: i64 = 15 * 60;

#[derive(Clone)]
pub struct Services {
    store: Store,
    open_signup: bool,
    tokens: Arc<tokens::TokenState>,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services")
            .field("store", &self.store)
            .field("open_signup", &self.open_signup)
            .field("tokens", &self.tokens.settings)
            .finish()
    }
}

impl Services {
    /// Services with the default token settings (issuer `http://127.0.0.1:3000`).
    pub fn new(store: Store, open_signup: bool) -> Self {
        Self::with_token_settings(
            store,
            open_signup,
            TokenSettings::for_issuer("http://127.0.0.1:3000"),
        )
    }

    pub fn with_token_settings(store: Store, open_signup: bool, settings: TokenSettings) -> Self {
        Services {
            store,
            open_signup,
            tokens: Arc::new(tokens::TokenState::new(settings)),
        }
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
