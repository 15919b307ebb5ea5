//! The authorization server's rules: client authentication, access tokens (RFC 9068 JWTs),
//! bearer authentication for `/api/v1`, introspection (RFC 7662) and revocation (RFC 7009).
//! Nothing here speaks HTTP; `server::oauth` and `server::api` map the outcomes to responses.
//!
//! - `lookup`: the gate's credentials, from the cache or the database;
//! - `issue`: client authentication and issuing access tokens;
//! - `bearer`: verifying JWTs and finding the caller behind a bearer value;
//! - `introspect`: RFC 7662 introspection and RFC 7009 revocation.

mod bearer;
mod introspect;
mod issue;
mod lookup;

pub use introspect::Introspection;

use crate::follower::FollowerHealth;
use crate::gate_cache::GateCache;
use crate::keys::{KeyRing, SigningAlg};
use crate::{ServiceError, Services};
use domain::credentials::ScopeCatalog;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex, RwLock};

/// Access tokens live 60 minutes (never past their client's expiry).
pub const ACCESS_TOKEN_SECONDS: i64 = 60 * 60;

/// Longer bearer values are refused before any parsing.
const MAX_TOKEN_BYTES: usize = 4096;

/// Where tokens come from and whom they are for.
#[derive(Clone, Debug)]
pub struct TokenSettings {
    pub issuer: String,
    pub audience: String,
    pub alg: SigningAlg,
    /// The scopes tokens may carry: Portcullis's own and the operator's.
    pub scopes: ScopeCatalog,
    /// The operator's API these tokens open, when the operator described one.
    pub api_name: Option<String>,
    /// The application types an API Client may have: `custom` and the operator's.
    pub application_types: domain::credentials::ApplicationTypes,
    /// Seals private signing keys at rest (`PORTCULLIS_KEY_ENCRYPTION_KEY`).
    pub key_encryption: Option<crate::KeyEncryptionKey>,
}

impl TokenSettings {
    /// The defaults of PRODUCT.md §1 for an issuer: audience = issuer + `/api`, ES256.
    pub fn for_issuer(issuer: &str) -> Self {
        let issuer = issuer.trim_end_matches('/').to_string();
        TokenSettings {
            audience: format!("{issuer}/api"),
            issuer,
            alg: SigningAlg::Es256,
            scopes: ScopeCatalog::default(),
            api_name: None,
            application_types: Default::default(),
            key_encryption: None,
        }
    }
}

/// The claims of an access token (RFC 9068 §2.2, plus `org`): owned when read from a token,
/// borrowed (`AccessClaims<&str>`) when a token is signed, so that issuing copies none of them.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessClaims<S = String> {
    pub iss: S,
    pub sub: S,
    pub client_id: S,
    pub aud: S,
    pub iat: i64,
    pub exp: i64,
    pub jti: S,
    pub scope: S,
    pub org: S,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedToken {
    pub access_token: domain::Secret,
    pub expires_in: i64,
    pub scope: String,
}

/// Why the token endpoint refused (RFC 6749 §5.2).
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("client authentication failed")]
    InvalidClient,
    #[error("{0}")]
    InvalidScope(String),
    #[error(transparent)]
    Service(#[from] ServiceError),
}

/// Why a bearer value opens nothing.
#[derive(Debug, thiserror::Error)]
pub enum BearerError {
    #[error("the access token is invalid, expired or revoked")]
    InvalidToken,
    #[error(transparent)]
    Service(#[from] ServiceError),
}

/// The token state an instance keeps: settings, keys and the gate's cache.
pub(crate) struct TokenState {
    pub settings: TokenSettings,
    pub cache: GateCache,
    pub health: FollowerHealth,
    keys: RwLock<Option<Arc<KeyRing>>>,
    pub(crate) keys_loading: tokio::sync::Mutex<()>,
    pub(crate) last_key_reload_ms: Mutex<Option<i64>>,
}

impl TokenState {
    pub fn new(settings: TokenSettings) -> Self {
        TokenState {
            settings,
            cache: GateCache::default(),
            health: FollowerHealth::default(),
            keys: RwLock::new(None),
            keys_loading: tokio::sync::Mutex::new(()),
            last_key_reload_ms: Mutex::new(None),
        }
    }

    pub(crate) fn current_keys(&self) -> Option<Arc<KeyRing>> {
        self.keys.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub(crate) fn set_keys(&self, ring: Option<Arc<KeyRing>>) {
        *self.keys.write().unwrap_or_else(|p| p.into_inner()) = ring;
    }
}

impl Services {
    pub fn token_settings(&self) -> &TokenSettings {
        &self.tokens.settings
    }

    /// Every scope this instance knows.
    pub fn scope_catalog(&self) -> &ScopeCatalog {
        &self.tokens.settings.scopes
    }

    /// Drops a credential from this instance's cache at once (the change log tells the others).
    pub(crate) fn forget_client(&self, client_id: &str) {
        self.tokens.cache.forget_client(client_id);
    }

    pub(crate) fn forget_token_id(&self, id: &str) {
        self.tokens.cache.forget_token_id(id);
    }

    pub(crate) fn forget_organization(&self, organization_id: &str) {
        self.tokens.cache.forget_organization(organization_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::credentials::space_separated;

    #[test]
    fn default_audience_is_the_issuer_plus_api() {
        let s = TokenSettings::for_issuer("https://auth.example.com/");
        assert_eq!(s.issuer, "https://auth.example.com");
        assert_eq!(s.audience, "https://auth.example.com/api");
        assert_eq!(s.alg, SigningAlg::Es256);
    }

    #[test]
    fn scope_claims_are_written_space_separated() {
        let scopes = domain::credentials::Scopes::from_stored("credentials:write credentials:read");
        assert_eq!(
            space_separated(&scopes),
            "credentials:read credentials:write"
        );
    }
}
