//! A secret as a type: client secrets, tokens, session and invite tokens, passwords. Its
//! `Debug` prints nothing of it, so no `{:?}` and no `tracing` field can leak it; the value is
//! reached only through `expose`, where it is used. It serializes as a plain string, which
//! only the shown-once answers (`CreatedApiClient`, `CreatedRestrictedToken`, the token
//! endpoint's answer) do.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

#[derive(Clone, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself: for hashing, comparing, a cookie or a shown-once answer.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn into_exposed(self) -> String {
        self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(redacted)")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Secret {
        Secret(value)
    }
}

/// Equal in time that depends only on the lengths, not on where the values differ.
impl PartialEq for Secret {
    fn eq(&self, other: &Secret) -> bool {
        let (a, b) = (self.0.as_bytes(), other.0.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

impl Eq for Secret {}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Secret, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_prints_nothing_of_it_and_serde_round_trips() {
        let secret = Secret::new("pcs_live_abcdef");
        assert_eq!(format!("{secret:?}"), "Secret(redacted)");
        assert_eq!(format!("{:?}", Some(&secret)), "Some(Secret(redacted))");
        assert_eq!(secret.expose(), "pcs_live_abcdef");
        let json = serde_json::to_string(&secret).unwrap();
        assert_eq!(json, "\"pcs_live_abcdef\"");
        let back: Secret = serde_json::from_str(&json).unwrap();
        assert_eq!(back.expose(), "pcs_live_abcdef");
        assert_eq!(secret, Secret::new("pcs_live_abcdef"));
        assert_ne!(secret, Secret::new("pcs_live_abcdeg"));
        assert_ne!(secret, Secret::new("pcs_live_abcde"));
    }
}
