//! Application types (PRODUCT.md §10): what kind of integration an API Client is for. `custom`
//! is built in; the operator may add their own (`[[api.application_types]]`), each with a
//! label and an optional guide.

use crate::FieldError;
use serde::{Deserialize, Serialize};

/// One application type an API Client may have.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationType {
    pub id: String,
    pub label: String,
    pub guide_url: Option<String>,
}

/// The application types of this instance: `custom`, then the operator's in their order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationTypes {
    operator: Vec<ApplicationType>,
}

pub const CUSTOM: &str = "custom";

impl ApplicationTypes {
    /// With the operator's types (checked when their file was read).
    pub fn new(operator: Vec<ApplicationType>) -> Self {
        ApplicationTypes { operator }
    }

    /// Every type, `custom` first.
    pub fn all(&self) -> Vec<ApplicationType> {
        let custom = ApplicationType {
            id: CUSTOM.into(),
            label: "Custom".into(),
            guide_url: None,
        };
        std::iter::once(custom)
            .chain(self.operator.iter().cloned())
            .collect()
    }

    pub fn find(&self, id: &str) -> Option<ApplicationType> {
        self.all().into_iter().find(|t| t.id == id)
    }

    /// The label to show for `id` (the id itself for a type the operator has since removed).
    pub fn label_of(&self, id: &str) -> String {
        self.find(id).map_or_else(|| id.to_string(), |t| t.label)
    }

    /// Parses a chosen type: empty is `custom`; a type no longer configured is kept only when
    /// it is the client's `current` one.
    pub fn parse(&self, input: &str, current: Option<&str>) -> Result<String, FieldError> {
        let id = input.trim();
        if id.is_empty() {
            return Ok(current.unwrap_or(CUSTOM).to_string());
        }
        if self.find(id).is_some() || current == Some(id) {
            return Ok(id.to_string());
        }
        let known: Vec<String> = self.all().into_iter().map(|t| t.id).collect();
        let shown: String = id.chars().take(64).collect();
        Err(FieldError::new(
            "application_type",
            format!(
                "Unknown application type {:?}; this instance has {}",
                shown,
                known.join(", ")
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types() -> ApplicationTypes {
        ApplicationTypes::new(vec![ApplicationType {
            id: "active-directory".into(),
            label: "Active Directory".into(),
            guide_url: Some("https://example.com/ad".into()),
        }])
    }

    #[test]
    fn custom_is_built_in_and_unknown_types_are_named() {
        let t = types();
        assert_eq!(t.parse("", None).unwrap(), "custom");
        assert_eq!(
            t.parse(" active-directory ", None).unwrap(),
            "active-directory"
        );
        let err = t.parse("ldap", None).unwrap_err();
        assert_eq!(err.field, "application_type");
        assert!(
            err.message.contains("\"ldap\"") && err.message.contains("custom, active-directory")
        );
        // A type the operator removed stays on the clients that have it, and only on them.
        assert_eq!(t.parse("ldap", Some("ldap")).unwrap(), "ldap");
        assert_eq!(t.parse("", Some("ldap")).unwrap(), "ldap");
        assert_eq!(t.label_of("ldap"), "ldap");
        assert_eq!(t.label_of("custom"), "Custom");
        assert_eq!(ApplicationTypes::default().all().len(), 1);
    }
}
