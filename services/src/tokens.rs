//! The authorization server's rules: client authentication, access tokens (RFC 9068 JWTs),
//! bearer authentication for `/api/v1`, introspection (RFC 7662) and revocation (RFC 7009).
//! Nothing here speaks HTTP; `server::oauth` and `server::api` map the outcomes to responses.

use crate::caller::Caller;
use crate::follower::FollowerHealth;
use crate::gate_cache::{ClientEntry, GateCache, TokenEntry};
use crate::keys::{KeyRing, SigningAlg};
use crate::{ServiceError, Services, secrets};
use domain::credentials::{
    Scope, ScopeCatalog, SecretKind, is_client_id, parse_secret, space_separated,
};
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
        }
    }
}

/// The claims of an access token (RFC 9068 §2.2, plus `org`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessClaims {
    pub iss: String,
    pub sub: String,
    pub client_id: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    pub scope: String,
    pub org: String,
}

#[derive(Serialize)]
struct JwtHeader<'a> {
    alg: &'static str,
    typ: &'static str,
    kid: &'a str,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedToken {
    pub access_token: String,
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

/// The introspection answer (RFC 7662 §2.2): `{"active": false}` or the token's details.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Introspection {
    pub active: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_ips: Option<Vec<String>>,
}

impl Services {
    pub fn token_settings(&self) -> &TokenSettings {
        &self.tokens.settings
    }

    /// Every scope this instance knows.
    pub fn scope_catalog(&self) -> &ScopeCatalog {
        &self.tokens.settings.scopes
    }

    /// The API Client for a Client ID, from the cache or the database.
    pub async fn gate_client(
        &self,
        client_id: &str,
        now: i64,
    ) -> Result<Option<Arc<ClientEntry>>, ServiceError> {
        let cache = &self.tokens.cache;
        if let Some(found) = cache.client(client_id, now) {
            return Ok(found);
        }
        let generation = cache.generation();
        let entry = self
            .store()
            .gate_client(client_id)
            .await?
            .map(|record| Arc::new(ClientEntry::from(record)));
        cache.put_client(client_id.to_string(), entry.clone(), generation, now);
        Ok(entry)
    }

    async fn gate_token(
        &self,
        digest: &str,
        now: i64,
    ) -> Result<Option<Arc<TokenEntry>>, ServiceError> {
        let cache = &self.tokens.cache;
        if let Some(found) = cache.token(digest, now) {
            return Ok(found);
        }
        let generation = cache.generation();
        let entry = self
            .store()
            .gate_token(digest)
            .await?
            .and_then(TokenEntry::from_record)
            .map(Arc::new);
        cache.put_token(digest.to_string(), entry.clone(), generation, now);
        Ok(entry)
    }

    /// Client authentication for the token, introspection and revocation endpoints. Every
    /// failure is the same `invalid_client`: unknown, wrong secret, disabled, expired, deleted,
    /// or an organization without API access.
    pub async fn authenticate_client(
        &self,
        client_id: &str,
        client_secret: &str,
        now: i64,
    ) -> Result<Arc<ClientEntry>, OAuthError> {
        if !is_client_id(client_id) || parse_secret(client_secret) != Ok(SecretKind::ClientSecret) {
            return Err(OAuthError::InvalidClient);
        }
        self.tokens.health.check()?;
        let Some(client) = self.gate_client(client_id, now).await? else {
            return Err(OAuthError::InvalidClient);
        };
        let digest = secrets::digest(client_secret);
        if !secrets::constant_time_eq(&digest, &client.secret_digest) || !client.is_usable(now) {
            return Err(OAuthError::InvalidClient);
        }
        Ok(client)
    }

    /// Issues an access token to an authenticated client, narrowed to `requested` scopes (a
    /// space-separated subset of the client's) when given.
    pub async fn issue_access_token(
        &self,
        client: &ClientEntry,
        requested: Option<&str>,
        now: i64,
    ) -> Result<IssuedToken, OAuthError> {
        let scopes: Vec<Scope> = match requested.map(str::trim).filter(|s| !s.is_empty()) {
            None => client.scopes.clone(),
            Some(requested) => {
                let mut chosen = Vec::new();
                for name in requested.split(' ').filter(|s| !s.is_empty()) {
                    match Scope::from_name(name) {
                        Some(scope) if client.scopes.contains(&scope) => {
                            if !chosen.contains(&scope) {
                                chosen.push(scope);
                            }
                        }
                        _ => {
                            return Err(OAuthError::InvalidScope(format!(
                                "this client may not ask for the scope {name:?}"
                            )));
                        }
                    }
                }
                chosen.sort();
                chosen
            }
        };
        if scopes.is_empty() {
            return Err(OAuthError::InvalidScope("this client has no scopes".into()));
        }
        let ring = self.keyring().await?;
        let key = ring
            .signing_key()
            .ok_or_else(|| ServiceError::Internal("no signing key".into()))?;
        let exp = client.expires_at.map_or(now + ACCESS_TOKEN_SECONDS, |at| {
            at.min(now + ACCESS_TOKEN_SECONDS)
        });
        let settings = &self.tokens.settings;
        let scope = space_separated(&scopes);
        let claims = AccessClaims {
            iss: settings.issuer.clone(),
            sub: client.client_id.clone(),
            client_id: client.client_id.clone(),
            aud: settings.audience.clone(),
            iat: now,
            exp,
            jti: secrets::new_id(),
            scope: scope.clone(),
            org: client.organization_id.clone(),
        };
        let header = JwtHeader {
            alg: key.alg.as_str(),
            typ: "at+jwt",
            kid: &key.kid,
        };
        let access_token = key.sign_jwt(&header, &claims)?;
        Ok(IssuedToken {
            access_token,
            expires_in: exp - now,
            scope,
        })
    }

    /// Checks a JWT's form, key, algorithm, signature, issuer, audience and expiry. A token seen
    /// before is not verified again until it expires; revocation is checked by the callers.
    pub async fn verify_access_token(
        &self,
        token: &str,
        now: i64,
    ) -> Result<Arc<AccessClaims>, BearerError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(BearerError::InvalidToken);
        }
        let fingerprint = secrets::digest_bytes(token);
        let cache = &self.tokens.cache;
        if let Some(claims) = cache.verified(&fingerprint, now) {
            return Ok(claims);
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| BearerError::InvalidToken)?;
        let typ_ok = header.typ.as_deref().is_some_and(|t| {
            t.eq_ignore_ascii_case("at+jwt") || t.eq_ignore_ascii_case("application/at+jwt")
        });
        let Some(kid) = header.kid.as_deref().filter(|_| typ_ok) else {
            return Err(BearerError::InvalidToken);
        };
        let ring = self.keyring_knowing(kid).await?;
        let Some(key) = ring.get(kid) else {
            return Err(BearerError::InvalidToken);
        };
        // The algorithm is the key's, whatever the header says (`none` and HMAC included).
        if header.alg != key.alg.jwt_algorithm() {
            return Err(BearerError::InvalidToken);
        }
        let settings = &self.tokens.settings;
        let mut validation = jsonwebtoken::Validation::new(key.alg.jwt_algorithm());
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_exp = false; // checked below against `now`
        validation.leeway = 0;
        let data = jsonwebtoken::decode::<AccessClaims>(token, key.decoding_key(), &validation)
            .map_err(|_| BearerError::InvalidToken)?;
        let claims = data.claims;
        if claims.exp <= now || claims.sub != claims.client_id {
            return Err(BearerError::InvalidToken);
        }
        let claims = Arc::new(claims);
        cache.put_verified(fingerprint, claims.clone(), now);
        Ok(claims)
    }

    async fn is_revoked(&self, jti: &str, now: i64) -> Result<bool, ServiceError> {
        let cache = &self.tokens.cache;
        if !cache.revoked_loaded() {
            cache.load_revoked(self.store().revoked_access_tokens(now).await?);
        }
        Ok(cache.is_revoked(jti))
    }

    /// The caller behind a bearer value: a JWT of a usable API Client, or a usable Restricted
    /// Access Token. Everything else is `InvalidToken`.
    pub async fn authenticate_bearer(&self, token: &str, now: i64) -> Result<Caller, BearerError> {
        self.tokens.health.check()?;
        if token.starts_with(SecretKind::RestrictedToken.prefix()) {
            if parse_secret(token) != Ok(SecretKind::RestrictedToken) {
                return Err(BearerError::InvalidToken);
            }
            return match self.gate_token(&secrets::digest(token), now).await? {
                Some(entry) if entry.is_usable(now) => Ok(Caller::RestrictedToken { token: entry }),
                _ => Err(BearerError::InvalidToken),
            };
        }
        let claims = self.verify_access_token(token, now).await?;
        if self.is_revoked(&claims.jti, now).await? {
            return Err(BearerError::InvalidToken);
        }
        let client = match self.gate_client(&claims.client_id, now).await? {
            Some(client) if client.is_usable(now) && client.organization_id == claims.org => client,
            _ => return Err(BearerError::InvalidToken),
        };
        // The client's scopes that the token carries: no parsing, in canonical order.
        let scopes = client
            .scopes
            .iter()
            .filter(|s| claims.scope.split(' ').any(|name| name == s.as_str()))
            .cloned()
            .collect();
        Ok(Caller::ApiClient {
            client,
            claims,
            scopes,
        })
    }

    /// RFC 7662: what `caller` may learn about `token`. Tokens of other organizations, and
    /// anything not currently valid, are `{"active": false}`.
    pub async fn introspect(
        &self,
        caller: &ClientEntry,
        token: &str,
        now: i64,
    ) -> Result<Introspection, ServiceError> {
        let inactive = Introspection::default();
        let issuer = &self.tokens.settings.issuer;
        match self.authenticate_bearer(token, now).await {
            Err(BearerError::Service(e)) => Err(e),
            Err(BearerError::InvalidToken) => Ok(inactive),
            Ok(found) if found.organization_id() != caller.organization_id => Ok(inactive),
            Ok(Caller::ApiClient { claims, scopes, .. }) => Ok(Introspection {
                active: true,
                credential_type: Some("api_client"),
                client_id: Some(claims.client_id.clone()),
                sub: Some(claims.sub.clone()),
                scope: Some(space_separated(&scopes)),
                exp: Some(claims.exp),
                iat: Some(claims.iat),
                iss: Some(claims.iss.clone()),
                aud: Some(claims.aud.clone()),
                jti: Some(claims.jti.clone()),
                token_type: Some("Bearer"),
                allowed_ips: None,
            }),
            Ok(Caller::RestrictedToken { token }) => Ok(Introspection {
                active: true,
                credential_type: Some("restricted_access_token"),
                sub: Some(token.id.clone()),
                exp: token.expires_at,
                iat: Some(token.created_at),
                iss: Some(issuer.clone()),
                aud: Some(self.tokens.settings.audience.clone()),
                jti: Some(token.id.clone()),
                token_type: Some("Bearer"),
                allowed_ips: Some(token.allowed_ips.to_strings()),
                ..inactive
            }),
        }
    }

    /// RFC 7009: revokes `token` if it is a valid access token issued to `caller`; anything
    /// else (unknown, expired, another client's, a Restricted Access Token) changes nothing,
    /// and the caller learns nothing either way.
    pub async fn revoke(
        &self,
        caller: &ClientEntry,
        token: &str,
        now: i64,
    ) -> Result<(), ServiceError> {
        let claims = match self.verify_access_token(token, now).await {
            Ok(claims) => claims,
            Err(BearerError::InvalidToken) => return Ok(()),
            Err(BearerError::Service(e)) => return Err(e),
        };
        if claims.client_id != caller.client_id {
            return Ok(());
        }
        self.store()
            .revoke_access_token(&claims.jti, &claims.client_id, claims.exp, now)
            .await?;
        self.tokens
            .cache
            .put_revoked(claims.jti.clone(), claims.exp);
        tracing::info!(client_id = %claims.client_id, jti = %claims.jti, "access token revoked");
        Ok(())
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
