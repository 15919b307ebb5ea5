//! Client authentication for the token, introspection and revocation endpoints, and issuing
//! access tokens (RFC 9068 JWTs).

use super::{ACCESS_TOKEN_SECONDS, AccessClaims, IssuedToken, OAuthError};
use crate::gate_cache::ClientEntry;
use crate::{ServiceError, Services, secrets};
use domain::credentials::{Scope, is_client_id, space_separated};
use serde::Serialize;
use std::sync::Arc;

#[derive(Serialize)]
struct JwtHeader<'a> {
    alg: &'static str,
    typ: &'static str,
    kid: &'a str,
}

impl Services {
    /// Client authentication for the token, introspection and revocation endpoints. Every
    /// failure is the same `invalid_client`: unknown, wrong secret, disabled, expired, deleted,
    /// or an organization without API access.
    pub async fn authenticate_client(
        &self,
        client_id: &str,
        client_secret: &str,
        now: i64,
    ) -> Result<Arc<ClientEntry>, OAuthError> {
        // The secret's own format is not checked: a wrong one cannot match its digest, and
        // the lookup below is by the id whatever the secret.
        if !is_client_id(client_id) {
            return Err(OAuthError::InvalidClient);
        }
        self.tokens.health.check()?;
        let Some(client) = self.gate_client(client_id, now).await? else {
            return Err(OAuthError::InvalidClient);
        };
        let digest = secrets::digest_bytes(client_secret);
        // The current secret, or the one a rotation kept, until its end (to the second).
        let version = if secrets::constant_time_eq(digest, client.secret_digest) {
            client.secret_version
        } else if let Some((previous, ends_at)) = &client.previous_secret
            && secrets::constant_time_eq(digest, previous)
            && *ends_at > now
        {
            client.secret_version - 1
        } else {
            return Err(OAuthError::InvalidClient);
        };
        if !client.is_usable(now) {
            return Err(OAuthError::InvalidClient);
        }
        self.usage_recorder()
            .record_secret(&client.id, version, now);
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
        let jti = secrets::new_id();
        let claims = AccessClaims::<&str> {
            iss: &settings.issuer,
            sub: &client.client_id,
            client_id: &client.client_id,
            aud: &settings.audience,
            iat: now,
            exp,
            jti: &jti,
            scope: &scope,
            org: &client.organization_id,
        };
        let header = JwtHeader {
            alg: key.alg.as_str(),
            typ: "at+jwt",
            kid: &key.kid,
        };
        let access_token = key.sign_jwt(&header, &claims)?;
        Ok(IssuedToken {
            access_token: access_token.into(),
            expires_in: exp - now,
            scope,
        })
    }
}
