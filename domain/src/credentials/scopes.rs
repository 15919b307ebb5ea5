//! Scopes of v1: `credentials:read` and `credentials:write`.

use crate::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Scope {
    #[serde(rename = "credentials:read")]
    CredentialsRead,
    #[serde(rename = "credentials:write")]
    CredentialsWrite,
}

impl Scope {
    pub const ALL: [Scope; 2] = [Scope::CredentialsRead, Scope::CredentialsWrite];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::CredentialsRead => "credentials:read",
            Scope::CredentialsWrite => "credentials:write",
        }
    }

    pub fn parse(value: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == value)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A non-empty set of scopes, in canonical order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scopes(Vec<Scope>);

impl Scopes {
    pub const FIELD: &'static str = "scopes";

    /// What a new API Client gets unless the form chooses more.
    pub fn default_for_new_client() -> Scopes {
        Scopes(vec![Scope::CredentialsRead])
    }

    /// Parses scope names separated by spaces or commas (OAuth's `scope` uses spaces).
    pub fn parse(input: &str) -> Result<Scopes, FieldError> {
        Self::parse_entries(input.split([' ', ',']))
    }

    pub fn parse_entries<'a>(
        entries: impl IntoIterator<Item = &'a str>,
    ) -> Result<Scopes, FieldError> {
        let mut scopes = Vec::new();
        for entry in entries.into_iter().map(str::trim).filter(|e| !e.is_empty()) {
            let scope = Scope::parse(entry)
                .ok_or_else(|| FieldError::new(Self::FIELD, format!("unknown scope: {entry}")))?;
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        if scopes.is_empty() {
            return Err(FieldError::new(Self::FIELD, "Choose at least one scope"));
        }
        scopes.sort();
        Ok(Scopes(scopes))
    }

    pub fn contains(&self, scope: Scope) -> bool {
        self.0.contains(&scope)
    }

    pub fn as_slice(&self) -> &[Scope] {
        &self.0
    }

    /// Space-separated, as OAuth writes scopes and as they are stored.
    pub fn to_space_separated(&self) -> String {
        self.0
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_dedupe_and_sort() {
        let s = Scopes::parse("credentials:write credentials:read,credentials:write").unwrap();
        assert_eq!(s.to_space_separated(), "credentials:read credentials:write");
        assert!(s.contains(Scope::CredentialsWrite));
        assert_eq!(
            Scopes::parse("").unwrap_err().message,
            "Choose at least one scope"
        );
        assert_eq!(
            Scopes::parse("admin").unwrap_err().message,
            "unknown scope: admin"
        );
        assert_eq!(
            Scopes::default_for_new_client().to_space_separated(),
            "credentials:read"
        );
    }
}
