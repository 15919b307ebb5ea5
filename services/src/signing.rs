//! The signing keys an instance uses: loaded once into a `KeyRing`, created on first start,
//! rotated (`portcullis keys rotate`) and withdrawn (`portcullis keys revoke KID`). Every
//! change is in the change log, so every instance reloads its ring (and re-checks the JWTs it
//! had verified) on its next read of it.

use crate::audit::{Actor, Changes, Target, event};
use crate::key_wrap::KeyEncryptionKey;
use crate::keys::{KeyRing, SigningKey};
use crate::tokens::ACCESS_TOKEN_SECONDS;
use crate::{ServiceError, Services, secrets};
use domain::audit::AuditAction;
use std::sync::Arc;

const SIGNING_KEY: &str = "signing_key";

/// Another instance's new key is looked for at most this often (Unix milliseconds).
const KEY_RELOAD_EVERY_MS: i64 = 1_000;

impl Services {
    /// The keys, loaded on first use; a first start (or a changed `PORTCULLIS_SIGNING_ALG`)
    /// creates the key to sign with.
    pub async fn keyring(&self) -> Result<Arc<KeyRing>, ServiceError> {
        if let Some(ring) = self.tokens.current_keys() {
            return Ok(ring);
        }
        let _loading = self.tokens.keys_loading.lock().await;
        if let Some(ring) = self.tokens.current_keys() {
            return Ok(ring);
        }
        let now = self.now();
        let alg = self.tokens.settings.alg;
        let mut ring = self.load_keyring(now).await?;
        if ring.signing_key().is_none() {
            // First start, or the first start with another PORTCULLIS_SIGNING_ALG. Keys of the
            // other algorithm stay in use (instances still configured for it may be running)
            // until an operator's `keys rotate` retires them.
            self.add_signing_key(now, false, None).await?;
            ring = self.load_keyring(now).await?;
        }
        let ring = Arc::new(ring);
        if ring.signing_key().is_some_and(|k| k.alg == alg) {
            self.tokens.set_keys(Some(ring.clone()));
        }
        Ok(ring)
    }

    async fn load_keyring(&self, now: i64) -> Result<KeyRing, ServiceError> {
        let records = self
            .store()
            .signing_keys(now - ACCESS_TOKEN_SECONDS)
            .await?;
        KeyRing::from_records(&records, self.tokens.settings.alg, self.key_encryption())
    }

    /// Starts signing with a new key of the configured algorithm and retires every other key
    /// (`portcullis keys rotate`). Returns the new key's id.
    pub async fn rotate_signing_key(
        &self,
        actor: Actor<'_>,
        now: i64,
    ) -> Result<String, ServiceError> {
        self.add_signing_key(now, true, Some(actor)).await
    }

    async fn add_signing_key(
        &self,
        now: i64,
        retire_all: bool,
        actor: Option<Actor<'_>>,
    ) -> Result<String, ServiceError> {
        let kid = secrets::random_base62(22);
        let record = SigningKey::generate(
            self.tokens.settings.alg,
            kid.clone(),
            now,
            self.key_encryption(),
        )?;
        let audit = actor.map(|actor| {
            event(
                actor,
                None,
                AuditAction::SigningKeyRotated,
                Target {
                    kind: SIGNING_KEY,
                    id: &kid,
                    name: &kid,
                },
                Changes::new().set("alg", self.tokens.settings.alg.to_string()),
                now,
            )
        });
        self.store()
            .rotate_signing_key(&record, retire_all, audit.as_ref())
            .await?;
        self.tokens.set_keys(None);
        tracing::info!(kid, alg = %self.tokens.settings.alg, "new signing key");
        Ok(kid)
    }

    /// The key that seals private keys at rest, when the operator set one.
    fn key_encryption(&self) -> Option<&KeyEncryptionKey> {
        self.tokens.settings.key_encryption.as_ref()
    }

    /// Forgets the loaded keys so the next use reads them again.
    pub fn reload_keys(&self) {
        self.tokens.set_keys(None);
    }

    /// The signing keys changed (here or elsewhere): read them again, and check every JWT
    /// against them again (one signed by a withdrawn key must not pass from memory).
    pub(crate) fn keys_changed(&self) {
        self.reload_keys();
        self.tokens.cache.forget_verified();
    }

    /// Reloads the keys when a token names a key this instance does not know (another
    /// instance rotated), at most once a second.
    pub(crate) async fn keyring_knowing(&self, kid: &str) -> Result<Arc<KeyRing>, ServiceError> {
        let ring = self.keyring().await?;
        if ring.get(kid).is_some() {
            return Ok(ring);
        }
        let now_ms = self.clock().now_ms();
        let due = {
            let mut last = self
                .tokens
                .last_key_reload_ms
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            let due = last.is_none_or(|at| (now_ms - at).abs() >= KEY_RELOAD_EVERY_MS);
            if due {
                *last = Some(now_ms);
            }
            due
        };
        if !due {
            return Ok(ring);
        }
        self.reload_keys();
        self.keyring().await
    }

    /// Withdraws the key `kid` at once (a stolen key, PRODUCT.md §5): it leaves the JWKS and
    /// every token it signed is refused, here and, through the change log, on every instance.
    /// When it was signing, a new key of its algorithm is made first, in the same transaction.
    /// Answers the new key's id, if one was made.
    pub async fn revoke_signing_key(
        &self,
        actor: Actor<'_>,
        kid: &str,
        now: i64,
    ) -> Result<Option<String>, ServiceError> {
        let Some(stolen) = self.store().signing_key(kid).await? else {
            return Err(ServiceError::NotFound);
        };
        let replacement = match stolen.retired_at {
            Some(_) => None,
            None => {
                let alg = stolen
                    .alg
                    .parse()
                    .map_err(|e: String| ServiceError::Internal(e.into()))?;
                Some(SigningKey::generate(
                    alg,
                    secrets::random_base62(22),
                    now,
                    self.key_encryption(),
                )?)
            }
        };
        let audit = event(
            actor,
            None,
            AuditAction::SigningKeyRevoked,
            Target {
                kind: SIGNING_KEY,
                id: kid,
                name: kid,
            },
            Changes::new().set(
                "replaced_by",
                replacement.as_ref().map(|key| key.kid.as_str()),
            ),
            now,
        );
        self.store()
            .revoke_signing_key(kid, replacement.as_ref(), &audit)
            .await?;
        self.keys_changed();
        tracing::warn!(kid, "signing key revoked");
        Ok(replacement.map(|key| key.kid))
    }
}
