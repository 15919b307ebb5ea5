//! Signing keys at rest (PRODUCT.md §5): with `PORTCULLIS_KEY_ENCRYPTION_KEY` set, every private
//! key is stored sealed with AES-256-GCM (aws-lc-rs, a random nonce per seal) and the key id as
//! associated data, so a sealed key moved to another row does not open. Without the variable
//! keys are stored as they always were (PKCS#8 DER in base64); the first start with it seals
//! them, and a start without it refuses keys that are sealed.

use crate::{ServiceError, Services};
use aws_lc_rs::aead::{AES_256_GCM, Aad, NONCE_LEN, Nonce, RandomizedNonceKey};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use std::fmt;
use std::sync::Arc;

/// Marks a sealed key in the `private_der` column: `enc1:` + base64(nonce ‖ ciphertext ‖ tag).
const SEALED_PREFIX: &str = "enc1:";

/// The operator's key-encryption key. Its `Debug` prints nothing of it.
#[derive(Clone)]
pub struct KeyEncryptionKey(Arc<RandomizedNonceKey>);

impl fmt::Debug for KeyEncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyEncryptionKey(redacted)")
    }
}

impl KeyEncryptionKey {
    /// Parses `PORTCULLIS_KEY_ENCRYPTION_KEY`: 32 bytes in base64 (standard or URL-safe).
    pub fn from_base64(value: &str) -> Result<KeyEncryptionKey, String> {
        let value = value.trim();
        let bytes = STANDARD
            .decode(value)
            .or_else(|_| URL_SAFE.decode(value))
            .or_else(|_| URL_SAFE_NO_PAD.decode(value))
            .map_err(|_| {
                "PORTCULLIS_KEY_ENCRYPTION_KEY is not base64; make one with \
                 `openssl rand -base64 32`"
                    .to_string()
            })?;
        if bytes.len() != 32 {
            return Err(format!(
                "PORTCULLIS_KEY_ENCRYPTION_KEY must be 32 bytes in base64, not {} bytes; make one \
                 with `openssl rand -base64 32`",
                bytes.len()
            ));
        }
        let key = RandomizedNonceKey::new(&AES_256_GCM, &bytes)
            .map_err(|_| "PORTCULLIS_KEY_ENCRYPTION_KEY is not a usable AES-256 key".to_string())?;
        Ok(KeyEncryptionKey(Arc::new(key)))
    }

    /// Seals the DER of key `kid` into what the database stores.
    pub(crate) fn seal(&self, kid: &str, der: &[u8]) -> Result<String, ServiceError> {
        let mut sealed = der.to_vec();
        let nonce = self
            .0
            .seal_in_place_append_tag(Aad::from(kid.as_bytes()), &mut sealed)
            .map_err(|_| ServiceError::Internal("sealing a signing key failed".into()))?;
        let mut out = nonce.as_ref().to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!("{SEALED_PREFIX}{}", STANDARD.encode(out)))
    }

    /// Opens what `seal` made for `kid`; an error when it was sealed with another key or for
    /// another kid, or was changed.
    fn open(&self, kid: &str, body: &str) -> Result<Vec<u8>, ServiceError> {
        let wrong = || {
            ServiceError::Internal(
                format!(
                    "signing key {kid} does not open with PORTCULLIS_KEY_ENCRYPTION_KEY: it was \
                     sealed with another key, or changed"
                )
                .into(),
            )
        };
        let mut bytes = STANDARD.decode(body).map_err(|_| wrong())?;
        if bytes.len() < NONCE_LEN {
            return Err(wrong());
        }
        let mut sealed = bytes.split_off(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(&bytes).map_err(|_| wrong())?;
        let der = self
            .0
            .open_in_place(nonce, Aad::from(kid.as_bytes()), &mut sealed)
            .map_err(|_| wrong())?;
        Ok(der.to_vec())
    }
}

pub(crate) fn is_sealed(stored: &str) -> bool {
    stored.starts_with(SEALED_PREFIX)
}

/// What to store for a new key's DER: sealed with `kek`, or base64 without one.
pub(crate) fn store_form(
    kek: Option<&KeyEncryptionKey>,
    kid: &str,
    der: &[u8],
) -> Result<String, ServiceError> {
    match kek {
        Some(kek) => kek.seal(kid, der),
        None => Ok(STANDARD.encode(der)),
    }
}

/// The DER of a stored key, opening it with `kek` when it is sealed.
pub(crate) fn der_of(
    kek: Option<&KeyEncryptionKey>,
    kid: &str,
    stored: &str,
) -> Result<Vec<u8>, ServiceError> {
    match (stored.strip_prefix(SEALED_PREFIX), kek) {
        (Some(body), Some(kek)) => kek.open(kid, body),
        (Some(_), None) => Err(ServiceError::Internal(
            format!(
                "signing key {kid} is encrypted: set PORTCULLIS_KEY_ENCRYPTION_KEY to the key it \
                 was encrypted with"
            )
            .into(),
        )),
        (None, _) => STANDARD
            .decode(stored)
            .map_err(|_| ServiceError::Internal(format!("signing key {kid}: bad base64").into())),
    }
}

impl Services {
    /// Run at start, before any key is used. With a key-encryption key: every stored key must
    /// open with it, and plaintext keys are sealed now (answers how many). Without one: a
    /// sealed key is an error that names the variable, so the instance does not start.
    pub async fn protect_signing_keys(&self) -> Result<usize, ServiceError> {
        let kek = self.tokens.settings.key_encryption.as_ref();
        let mut sealed_now = 0;
        for (kid, stored) in self.store().stored_private_keys().await? {
            let der = der_of(kek, &kid, &stored)?;
            if let Some(kek) = kek
                && !is_sealed(&stored)
            {
                let sealed = kek.seal(&kid, &der)?;
                if self
                    .store()
                    .replace_private_key(&kid, &stored, &sealed)
                    .await?
                {
                    sealed_now += 1;
                }
            }
        }
        if sealed_now > 0 {
            self.store().scrub_signing_keys().await?;
            tracing::info!(keys = sealed_now, "signing keys encrypted at rest");
        }
        Ok(sealed_now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kek(byte: u8) -> KeyEncryptionKey {
        KeyEncryptionKey::from_base64(&STANDARD.encode([byte; 32])).unwrap()
    }

    #[test]
    fn a_sealed_key_opens_only_with_its_key_and_kid() {
        let der = b"not really DER, but bytes all the same".to_vec();
        let stored = store_form(Some(&kek(1)), "kid-1", &der).unwrap();
        assert!(is_sealed(&stored));
        assert!(!stored.contains(&STANDARD.encode(&der)));
        assert_eq!(der_of(Some(&kek(1)), "kid-1", &stored).unwrap(), der);
        assert!(
            der_of(Some(&kek(2)), "kid-1", &stored).is_err(),
            "another key"
        );
        assert!(
            der_of(Some(&kek(1)), "kid-2", &stored).is_err(),
            "another kid"
        );
        let err = match der_of(None, "kid-1", &stored).unwrap_err() {
            ServiceError::Internal(source) => source.to_string(),
            other => panic!("{other:?}"),
        };
        assert!(err.contains("PORTCULLIS_KEY_ENCRYPTION_KEY"), "{err}");
        // Two seals of one key differ (a fresh nonce each time).
        assert_ne!(stored, store_form(Some(&kek(1)), "kid-1", &der).unwrap());
        // A changed byte does not open.
        let mut changed = stored.clone().into_bytes();
        let last = changed.len() - 3;
        changed[last] = if changed[last] == b'A' { b'B' } else { b'A' };
        let changed = String::from_utf8(changed).unwrap();
        assert!(der_of(Some(&kek(1)), "kid-1", &changed).is_err());
        // Plaintext keys read with or without a key.
        let plain = store_form(None, "kid-1", &der).unwrap();
        assert_eq!(der_of(None, "kid-1", &plain).unwrap(), der);
        assert_eq!(der_of(Some(&kek(1)), "kid-1", &plain).unwrap(), der);
    }

    #[test]
    fn the_variable_must_be_32_bytes_of_base64_and_never_prints() {
        assert!(KeyEncryptionKey::from_base64(&STANDARD.encode([7u8; 32])).is_ok());
        assert!(KeyEncryptionKey::from_base64(&URL_SAFE_NO_PAD.encode([7u8; 32])).is_ok());
        let short = KeyEncryptionKey::from_base64(&STANDARD.encode([7u8; 16])).unwrap_err();
        assert!(
            short.contains("32 bytes") && short.contains("not 16"),
            "{short}"
        );
        assert!(KeyEncryptionKey::from_base64("not base64 at all!").is_err());
        assert_eq!(format!("{:?}", kek(9)), "KeyEncryptionKey(redacted)");
    }
}
