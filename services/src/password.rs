//! argon2id password hashing with OWASP's parameters (19 MiB, 2 passes, 1 lane), run off the
//! async threads because one hash takes tens of milliseconds, and only a few at a time.

use crate::ServiceError;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn salt() -> SaltString {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    SaltString::encode_b64(&bytes).expect("16 bytes make a valid salt")
}

/// How long a hash waits for its turn before the request is refused as busy.
pub const HASH_WAIT: Duration = Duration::from_secs(2);

/// Runs argon2 at most `at_once` at a time (each takes 19 MiB and a core for tens of
/// milliseconds); a hash that cannot start within `HASH_WAIT` answers `ServiceError::Busy`.
#[derive(Clone, Debug)]
pub struct Hasher {
    permits: Arc<Semaphore>,
}

impl Hasher {
    pub fn new(at_once: usize) -> Hasher {
        Hasher {
            permits: Arc::new(Semaphore::new(at_once.max(1))),
        }
    }

    /// As many at once as the machine has cores.
    pub fn per_core() -> Hasher {
        Hasher::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    }

    async fn turn(&self) -> Result<OwnedSemaphorePermit, ServiceError> {
        match tokio::time::timeout(HASH_WAIT, self.permits.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(closed)) => Err(ServiceError::Internal(Box::new(closed))),
            Err(_) => {
                tracing::warn!("password hashing busy: request refused");
                Err(ServiceError::Busy)
            }
        }
    }

    pub async fn hash(&self, password: String) -> Result<String, ServiceError> {
        let permit = self.turn().await?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            argon2()
                .hash_password(password.as_bytes(), &salt())
                .map(|h| h.to_string())
                .map_err(|e| ServiceError::Internal(e.to_string().into()))
        })
        .await
        .map_err(|e| ServiceError::Internal(Box::new(e)))?
    }

    /// Verifies `password` against a stored hash. With no stored hash (unknown email) it
    /// verifies against a fixed dummy hash, so that both cases take the same time, and answers
    /// false.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, ServiceError> {
        let permit = self.turn().await?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let known = stored.is_some();
            let stored = stored.unwrap_or_else(|| dummy_hash().to_string());
            let parsed = PasswordHash::new(&stored)
                .map_err(|e| ServiceError::Internal(e.to_string().into()))?;
            let matches = argon2()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok();
            Ok(known && matches)
        })
        .await
        .map_err(|e| ServiceError::Internal(Box::new(e)))?
    }
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        argon2()
            .hash_password(b"portcullis-dummy-password", &salt())
            .expect("hashing a constant works")
            .to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let hasher = Hasher::new(2);
        let stored = hasher.hash("correct horse battery".into()).await.unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(!stored.contains("horse"));
        let verify =
            |password: &str, stored: Option<String>| hasher.verify(password.to_string(), stored);
        assert!(
            verify("correct horse battery", Some(stored.clone()))
                .await
                .unwrap()
        );
        assert!(!verify("wrong horse battery", Some(stored)).await.unwrap());
        assert!(!verify("anything at all", None).await.unwrap());
    }

    #[tokio::test(start_paused = true)]
    async fn a_hash_that_cannot_start_in_time_is_refused_as_busy() {
        let hasher = Hasher::new(2);
        let first = hasher.turn().await.unwrap();
        let _second = hasher.turn().await.unwrap();
        // Both turns taken: the next one waits HASH_WAIT (paused time moves on) and is refused.
        let refused = hasher.verify("correct horse battery".into(), None).await;
        assert!(matches!(refused, Err(ServiceError::Busy)), "{refused:?}");
        // A turn given back lets the next hash run.
        drop(first);
        assert!(
            !hasher
                .verify("correct horse battery".into(), None)
                .await
                .unwrap()
        );
    }
}
