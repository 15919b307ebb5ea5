//! argon2id password hashing with OWASP's parameters (19 MiB, 2 passes, 1 lane), run off the
//! async threads because one hash takes tens of milliseconds, and only a few at a time.
//!
//! Each turn hashes in a memory block kept for the next turn, so the hashes' memory is
//! allocated once per turn and never again: allocating and freeing 19 MiB per hash let glibc's
//! heap grow to 700 MiB under 400 concurrent sign-ins, though only two ran at once.

use crate::ServiceError;
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

fn params() -> Params {
    Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters")
}

fn salt() -> SaltString {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    SaltString::encode_b64(&bytes).expect("16 bytes make a valid salt")
}

fn internal(what: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(format!("password hashing: {what}").into())
}

/// How long a hash waits for its turn before the request is refused as busy.
pub const HASH_WAIT: Duration = Duration::from_secs(2);

/// Runs argon2 at most `at_once` at a time (each takes 19 MiB and a core for tens of
/// milliseconds); a hash that cannot start within `HASH_WAIT` answers `ServiceError::Busy`.
#[derive(Clone, Debug)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    /// Memory for the turns: at most one block per permit, reused.
    memory: Arc<Mutex<Vec<Vec<Block>>>>,
}

/// A turn: the permit and the memory to hash in, given back when dropped.
struct Turn {
    _permit: OwnedSemaphorePermit,
    blocks: Vec<Block>,
    memory: Arc<Mutex<Vec<Vec<Block>>>>,
}

impl Drop for Turn {
    fn drop(&mut self) {
        let blocks = std::mem::take(&mut self.blocks);
        self.memory
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(blocks);
    }
}

impl Turn {
    /// Hashes `password` with `salt` under `argon2`, in this turn's memory (grown once if a
    /// stored hash asks for more than ours).
    fn hash_into(
        &mut self,
        argon2: &Argon2<'_>,
        password: &[u8],
        salt: &[u8],
        out: &mut [u8],
    ) -> Result<(), ServiceError> {
        let needed = argon2.params().block_count();
        if self.blocks.len() < needed {
            self.blocks = vec![Block::default(); needed];
        }
        argon2
            .hash_password_into_with_memory(password, salt, out, &mut self.blocks)
            .map_err(internal)
    }

    /// A new PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`).
    fn hash(&mut self, password: &[u8]) -> Result<String, ServiceError> {
        let params = params();
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
        let salt = salt();
        let mut salt_bytes = [0u8; 64];
        let salt_bytes = salt.decode_b64(&mut salt_bytes).map_err(internal)?;
        let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
        self.hash_into(&argon2, password, salt_bytes, &mut out)?;
        let phc = PasswordHash {
            algorithm: argon2::ARGON2ID_IDENT,
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&params).map_err(internal)?,
            salt: Some(salt.as_salt()),
            hash: Some(Output::new(&out).map_err(internal)?),
        };
        Ok(phc.to_string())
    }

    /// Whether `password` gives the stored PHC string's hash (compared in constant time).
    fn verify(&mut self, password: &[u8], stored: &str) -> Result<bool, ServiceError> {
        let parsed = PasswordHash::new(stored).map_err(internal)?;
        let algorithm = Algorithm::try_from(parsed.algorithm).map_err(internal)?;
        let version = parsed
            .version
            .map(Version::try_from)
            .transpose()
            .map_err(internal)?
            .unwrap_or_default();
        let params = Params::try_from(&parsed).map_err(internal)?;
        let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
            return Err(internal("a stored hash without salt or hash"));
        };
        let mut salt_bytes = [0u8; 64];
        let salt_bytes = salt.decode_b64(&mut salt_bytes).map_err(internal)?;
        let mut out = vec![0u8; expected.len()];
        let argon2 = Argon2::new(algorithm, version, params);
        self.hash_into(&argon2, password, salt_bytes, &mut out)?;
        // `Output`'s equality is constant-time.
        Ok(Output::new(&out).map_err(internal)? == expected)
    }
}

impl Hasher {
    pub fn new(at_once: usize) -> Hasher {
        Hasher {
            permits: Arc::new(Semaphore::new(at_once.max(1))),
            memory: Arc::default(),
        }
    }

    /// As many at once as the machine has cores.
    pub fn per_core() -> Hasher {
        Hasher::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    }

    async fn turn(&self) -> Result<Turn, ServiceError> {
        let permit =
            match tokio::time::timeout(HASH_WAIT, self.permits.clone().acquire_owned()).await {
                Ok(Ok(permit)) => permit,
                Ok(Err(closed)) => return Err(ServiceError::Internal(Box::new(closed))),
                Err(_) => {
                    tracing::warn!("password hashing busy: request refused");
                    return Err(ServiceError::Busy);
                }
            };
        let blocks = self
            .memory
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop()
            .unwrap_or_else(|| vec![Block::default(); params().block_count()]);
        Ok(Turn {
            _permit: permit,
            blocks,
            memory: self.memory.clone(),
        })
    }

    pub async fn hash(&self, password: String) -> Result<String, ServiceError> {
        let mut turn = self.turn().await?;
        tokio::task::spawn_blocking(move || turn.hash(password.as_bytes()))
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
        let mut turn = self.turn().await?;
        tokio::task::spawn_blocking(move || {
            let known = stored.is_some();
            let stored = match stored {
                Some(stored) => stored,
                None => dummy_hash(&mut turn)?.to_string(),
            };
            let matches = turn.verify(password.as_bytes(), &stored)?;
            Ok(known && matches)
        })
        .await
        .map_err(|e| ServiceError::Internal(Box::new(e)))?
    }
}

fn dummy_hash(turn: &mut Turn) -> Result<&'static str, ServiceError> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(dummy) = DUMMY.get() {
        return Ok(dummy);
    }
    let made = turn.hash(b"portcullis-dummy-password")?;
    Ok(DUMMY.get_or_init(|| made))
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
        // A hash made by the argon2 crate's own API (and other parameters) verifies too.
        use argon2::password_hash::PasswordHasher;
        let theirs = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8 * 1024, 3, 1, None).unwrap(),
        )
        .hash_password(b"another password", &salt())
        .unwrap()
        .to_string();
        assert!(
            verify("another password", Some(theirs.clone()))
                .await
                .unwrap()
        );
        assert!(!verify("another passwore", Some(theirs)).await.unwrap());
        // The memory of the turns is kept for the next ones, never more blocks than permits.
        assert!(hasher.memory.lock().unwrap().len() <= 2);
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
