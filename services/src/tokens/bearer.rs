//! Bearer authentication: verifying JWTs, and the caller behind a bearer value.

use super::{AccessClaims, BearerError, MAX_TOKEN_BYTES};
use crate::caller::Caller;
use crate::{Services, secrets};
use domain::credentials::SecretKind;
use std::sync::Arc;

impl Services {
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

    /// The caller behind a bearer value: a JWT of a usable API Client, or a usable Restricted
    /// Access Token. Everything else is `InvalidToken`.
    pub async fn authenticate_bearer(&self, token: &str, now: i64) -> Result<Caller, BearerError> {
        self.tokens.health.check()?;
        if token.starts_with(SecretKind::RestrictedToken.prefix()) {
            return match self.gate_token(token, now).await? {
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
}
