//! What the console can do, with every rule checked: accounts, sessions, members and invites.
//!
//! Server functions and CLI commands call these; nothing here knows about HTTP or Leptos.
//! Time comes from the one `Clock` a `Services` is built with (`services.now()`), and rules take
//! it as a `now` parameter (Unix seconds), so tests move it instead of waiting.

mod accounts;
pub mod audit;
mod caller;
pub mod clock;
mod credentials;
mod error;
pub mod follower;
mod gate_cache;
pub mod key_wrap;
pub mod keys;
mod lifecycle;
pub mod limiter;
pub mod logos;
mod members;
pub mod pages;
pub mod password;
mod principal;
pub mod secrets;
mod sessions;
mod signing;
pub mod throttle;
mod tokens;
pub mod usage;

pub use accounts::{NewAccount, SignIn};
pub use audit::{Actor, AuditReader};
pub use caller::Caller;
pub use clock::{Clock, ManualClock, SharedClock, SystemClock};
pub use credentials::{api_client_view, restricted_token_view};
pub use error::ServiceError;
pub use follower::Follower;
pub use gate_cache::{ClientEntry, Derived, TokenEntry};
pub use key_wrap::KeyEncryptionKey;
pub use keys::SigningAlg;
pub use principal::{AdminPrincipal, ClientManager, CredentialViewer, Principal, TokenManager};
pub use sessions::{PasswordChange, SignedIn};
pub use tokens::{
    ACCESS_TOKEN_SECONDS, AccessClaims, BearerError, Introspection, IssuedToken, OAuthError,
    TokenSettings,
};

use std::sync::Arc;
use store::Store;

#[derive(Clone)]
pub struct Services {
    store: Store,
    open_signup: bool,
    clock: SharedClock,
    tokens: Arc<tokens::TokenState>,
    hasher: password::Hasher,
    limiter: Arc<limiter::Limiter>,
    usage: Arc<usage::UsageRecorder>,
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
    /// The services over `store`: sign-up open or not, tokens issued as `tokens` says, time
    /// from `clock`. The server and the CLI build them through `server::Application`.
    pub fn new(store: Store, open_signup: bool, tokens: TokenSettings, clock: SharedClock) -> Self {
        Services {
            store,
            open_signup,
            clock,
            tokens: Arc::new(tokens::TokenState::new(tokens)),
            hasher: password::Hasher::per_core(),
            limiter: Arc::default(),
            usage: Arc::default(),
        }
    }

    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    /// The current time in Unix seconds, by this instance's clock.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// Password hashing, a few at a time.
    pub fn hasher(&self) -> &password::Hasher {
        &self.hasher
    }

    /// The gate's counts of usage, not yet written.
    pub fn usage_recorder(&self) -> &usage::UsageRecorder {
        &self.usage
    }

    /// The gate's counts of rate limits and quotas.
    pub fn limiter(&self) -> &limiter::Limiter {
        &self.limiter
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn open_signup(&self) -> bool {
        self.open_signup
    }
}
