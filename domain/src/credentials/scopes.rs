//! Scopes: Portcullis's own (`credentials:read`, `credentials:write`, `audit:read`) and the operator's
//! (PRODUCT.md §8), which the `ScopeCatalog` of an instance names.

use crate::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// One scope. The operator's are `Api`, by name; they sort after Portcullis's own.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    CredentialsRead,
    CredentialsWrite,
    /// Reading the organization's audit log (PRODUCT.md §9).
    AuditRead,
    Api(Arc<str>),
}

/// Longest scope name accepted.
pub const MAX_SCOPE_NAME: usize = 64;

impl Scope {
    pub const BUILT_IN: [Scope; 3] = [
        Scope::CredentialsRead,
        Scope::CredentialsWrite,
        Scope::AuditRead,
    ];

    pub fn as_str(&self) -> &str {
        match self {
            Scope::CredentialsRead => "credentials:read",
            Scope::CredentialsWrite => "credentials:write",
            Scope::AuditRead => "audit:read",
            Scope::Api(name) => name,
        }
    }

    /// Portcullis's own scope of this name.
    pub fn built_in(name: &str) -> Option<Scope> {
        Scope::BUILT_IN.into_iter().find(|s| s.as_str() == name)
    }

    /// The scope a well-formed name stands for, known or not (a stored client may keep a scope
    /// the operator has since removed; it opens nothing, since no route needs it).
    pub fn from_name(name: &str) -> Option<Scope> {
        Scope::built_in(name).or_else(|| {
            (check_operator_scope_name(name).is_ok()).then(|| Scope::Api(Arc::from(name)))
        })
    }
}

/// Why a name cannot be an operator's scope: the rule of PRODUCT.md §8 (letters, digits and
/// `: . _ -`, at most 64 characters, not `credentials:*` or `audit:*`).
pub fn check_operator_scope_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a scope name cannot be empty".into());
    }
    if name.len() > MAX_SCOPE_NAME {
        return Err(format!(
            "a scope name has at most {MAX_SCOPE_NAME} characters"
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, ':' | '.' | '_' | '-')))
    {
        return Err(format!(
            "a scope name may hold only letters, digits and : . _ - (not {c:?})"
        ));
    }
    if name.starts_with("credentials:") || name.starts_with("audit:") {
        return Err("scopes named credentials:* and audit:* belong to Portcullis".into());
    }
    Ok(())
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Scope {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Scope::from_name(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("not a scope name: {name}")))
    }
}

/// A scope as the console and the metadata show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeInfo {
    pub name: String,
    pub description: String,
    /// Ticked by default on the Add API Client form.
    pub default: bool,
}

/// Every scope an instance knows: its own, then the operator's, in the order configured.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeCatalog {
    scopes: Vec<ScopeInfo>,
}

impl Default for ScopeCatalog {
    fn default() -> Self {
        ScopeCatalog::with_operator_scopes(Vec::new())
    }
}

impl ScopeCatalog {
    /// Portcullis's own scopes followed by `operator` (already checked by the config's rules).
    pub fn with_operator_scopes(operator: Vec<ScopeInfo>) -> Self {
        let mut scopes = vec![
            ScopeInfo {
                name: "credentials:read".into(),
                description: "List API Clients and Restricted Access Tokens".into(),
                default: true,
            },
            ScopeInfo {
                name: "credentials:write".into(),
                description: "Create, update and delete them".into(),
                default: false,
            },
            ScopeInfo {
                name: "audit:read".into(),
                description: "Read the organization's audit log".into(),
                default: false,
            },
        ];
        scopes.extend(operator);
        ScopeCatalog { scopes }
    }

    pub fn all(&self) -> &[ScopeInfo] {
        &self.scopes
    }

    /// A known scope of this name.
    pub fn parse(&self, name: &str) -> Option<Scope> {
        self.scopes
            .iter()
            .any(|s| s.name == name)
            .then(|| Scope::from_name(name))
            .flatten()
    }

    /// What a new API Client gets unless its creator chooses: the scopes marked `default`.
    pub fn defaults(&self) -> Scopes {
        // Never empty: `credentials:read` is always a default.
        let mut scopes: Vec<Scope> = self
            .scopes
            .iter()
            .filter(|s| s.default)
            .filter_map(|s| Scope::from_name(&s.name))
            .collect();
        scopes.sort();
        Scopes(scopes)
    }

    /// Scope names separated by spaces or commas (OAuth's `scope` uses spaces), each known here.
    pub fn parse_scopes(&self, input: &str) -> Result<Scopes, FieldError> {
        self.parse_entries(input.split([' ', ',']))
    }

    pub fn parse_entries<'a>(
        &self,
        entries: impl IntoIterator<Item = &'a str>,
    ) -> Result<Scopes, FieldError> {
        let mut scopes = Vec::new();
        for entry in entries.into_iter().map(str::trim).filter(|e| !e.is_empty()) {
            let scope = self
                .parse(entry)
                .ok_or_else(|| FieldError::new(Scopes::FIELD, format!("unknown scope: {entry}")))?;
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        if scopes.is_empty() {
            return Err(FieldError::new(Scopes::FIELD, "Choose at least one scope"));
        }
        scopes.sort();
        Ok(Scopes(scopes))
    }
}

/// A non-empty set of scopes, in canonical order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scopes(Vec<Scope>);

impl Scopes {
    pub const FIELD: &'static str = "scopes";

    /// The well-formed names of a stored list, known or not (see `Scope::from_name`).
    pub fn from_stored(stored: &str) -> Vec<Scope> {
        let mut scopes: Vec<Scope> = stored.split(' ').filter_map(Scope::from_name).collect();
        scopes.sort();
        scopes.dedup();
        scopes
    }

    pub fn contains(&self, scope: &Scope) -> bool {
        self.0.contains(scope)
    }

    pub fn as_slice(&self) -> &[Scope] {
        &self.0
    }

    /// Space-separated, as OAuth writes scopes and as they are stored.
    pub fn to_space_separated(&self) -> String {
        space_separated(&self.0)
    }
}

/// `scopes` as OAuth writes them: names separated by one space.
pub fn space_separated(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(Scope::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> ScopeCatalog {
        ScopeCatalog::with_operator_scopes(vec![ScopeInfo {
            name: "orders:read".into(),
            description: "Read orders".into(),
            default: true,
        }])
    }

    #[test]
    fn scopes_parse_dedupe_and_sort() {
        let catalog = ScopeCatalog::default();
        let s = catalog
            .parse_scopes("credentials:write credentials:read,credentials:write")
            .unwrap();
        assert_eq!(s.to_space_separated(), "credentials:read credentials:write");
        assert!(s.contains(&Scope::CredentialsWrite));
        assert_eq!(
            catalog.parse_scopes("").unwrap_err().message,
            "Choose at least one scope"
        );
        assert_eq!(
            catalog.parse_scopes("admin").unwrap_err().message,
            "unknown scope: admin"
        );
        assert_eq!(catalog.defaults().to_space_separated(), "credentials:read");
    }

    #[test]
    fn operator_scopes_are_known_only_where_configured() {
        let with = catalog();
        let s = with.parse_scopes("orders:read credentials:read").unwrap();
        assert_eq!(s.to_space_separated(), "credentials:read orders:read");
        assert_eq!(
            with.defaults().to_space_separated(),
            "credentials:read orders:read"
        );
        assert!(ScopeCatalog::default().parse("orders:read").is_none());
    }

    #[test]
    fn operator_scope_names_follow_the_rule() {
        assert!(check_operator_scope_name("orders:read").is_ok());
        assert!(check_operator_scope_name("a.b_c-d:1").is_ok());
        for bad in ["", "credentials:admin", "orders read", "ö", &"x".repeat(65)] {
            assert!(check_operator_scope_name(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Scopes::from_stored("orders:read credentials:read bad name"),
            vec![
                Scope::CredentialsRead,
                Scope::Api("bad".into()),
                Scope::Api("name".into()),
                Scope::Api("orders:read".into())
            ]
        );
    }
}
