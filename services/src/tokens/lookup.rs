//! The gate's credentials, from this instance's cache or the database (a miss is cached too,
//! under the cache's generation, so a change that lands meanwhile is not overwritten).

use crate::gate_cache::{ClientEntry, TokenEntry};
use crate::{ServiceError, Services, secrets};
use domain::ClientId;
use domain::credentials::{SecretKind, parse_secret};
use std::sync::Arc;

impl Services {
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
            .gate_client(ClientId::new(client_id))
            .await?
            .map(|record| Arc::new(ClientEntry::from(record)));
        cache.put_client(client_id.to_string(), entry.clone(), generation, now);
        Ok(entry)
    }

    /// The Restricted Access Token behind a bearer value, from the cache or the database.
    /// Only a value not cached is checked for the token format (its checksum) before the
    /// database is asked: one that is cached was checked when it was read.
    pub(super) async fn gate_token(
        &self,
        token: &str,
        now: i64,
    ) -> Result<Option<Arc<TokenEntry>>, ServiceError> {
        let digest = secrets::digest_bytes(token);
        let cache = &self.tokens.cache;
        if let Some(found) = cache.token(&digest, now) {
            return Ok(found);
        }
        if parse_secret(token) != Ok(SecretKind::RestrictedToken) {
            return Ok(None);
        }
        let generation = cache.generation();
        let entry = self
            .store()
            .gate_token(&secrets::hex(&digest))
            .await?
            .and_then(TokenEntry::from_record)
            .map(Arc::new);
        cache.put_token(digest, entry.clone(), generation, now);
        Ok(entry)
    }

    /// Whether an access token's `jti` was revoked (the revocation list is loaded once).
    pub(super) async fn is_revoked(&self, jti: &str, now: i64) -> Result<bool, ServiceError> {
        let cache = &self.tokens.cache;
        if !cache.revoked_loaded() {
            cache.load_revoked(self.store().revoked_access_tokens(now).await?);
        }
        Ok(cache.is_revoked(jti))
    }
}
