//! API Clients and Restricted Access Tokens: their formats, their fields and the rules for
//! them (PRODUCT.md §4). One place for every check, used by the console and the public API.

mod app_types;
mod dates;
mod format;
#[cfg(test)]
mod fuzz;
mod ips;
mod limits;
mod logo;
mod origins;
mod scopes;
mod spec;

pub use app_types::{ApplicationType, ApplicationTypes, CUSTOM as CUSTOM_APPLICATION_TYPE};
pub use dates::{ExpirationDate, date_of, form_date_of, unix_of_date};
pub use format::{
    CLIENT_ID_PREFIX, CLIENT_ID_RANDOM_LEN, CLIENT_SECRET_PREFIX, CredentialFormatError,
    RANDOM_LEN, RESTRICTED_TOKEN_PREFIX, SecretKind, checksum, client_id_from_random, is_client_id,
    last_four, parse_secret, secret_from_random,
};
pub use ips::{AllowedIps, IpRule};
pub use limits::{Limit, Limits, MAX_REQUESTS, Quota, QuotaUnit, RateLimit, RateUnit, Unit};
pub use logo::{
    LOGO_FIELD, LogoFormat, MAX_LOGO_BYTES, MAX_LOGO_SIDE, check_logo_file, not_an_image,
    too_large, too_wide,
};
pub use origins::{AllowedOrigin, AllowedOrigins};
pub use scopes::{
    MAX_SCOPE_NAME, Scope, ScopeCatalog, ScopeInfo, Scopes, check_operator_scope_name,
    space_separated,
};
pub use spec::{
    ApiClientForm, ApiClientSpec, Expiry, LimitsForm, RestrictedTokenForm, RestrictedTokenSpec,
};

use crate::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The most credentials of each kind an organization can hold.
pub const MAX_CREDENTIALS_PER_KIND: i64 = 5_000;

/// A credential's name: 1 to 70 characters after trimming; need not be unique.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialName(String);

impl CredentialName {
    pub const MAX_CHARS: usize = 70;

    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let value = value.trim();
        if value.is_empty() {
            return Err(FieldError::new("name", "Name is required"));
        }
        if value.chars().count() > Self::MAX_CHARS {
            return Err(FieldError::new(
                "name",
                format!("Name must be at most {} characters", Self::MAX_CHARS),
            ));
        }
        if value.chars().any(char::is_control) {
            return Err(FieldError::new(
                "name",
                "Name must not contain control characters",
            ));
        }
        Ok(CredentialName(value.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An API Client's description: up to 500 characters; empty means none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Description(Option<String>);

impl Description {
    pub const MAX_CHARS: usize = 500;

    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let value = value.trim();
        if value.chars().count() > Self::MAX_CHARS {
            return Err(FieldError::new(
                "description",
                format!("Description must be at most {} characters", Self::MAX_CHARS),
            ));
        }
        if value
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
        {
            return Err(FieldError::new(
                "description",
                "Description must not contain control characters",
            ));
        }
        Ok(Description((!value.is_empty()).then(|| value.to_string())))
    }

    pub fn as_option(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

/// What the tables show in the Status column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CredentialStatus {
    Active,
    Disabled,
    Expired,
}

impl CredentialStatus {
    pub fn of(disabled: bool, expires_at: Option<i64>, now: i64) -> Self {
        if disabled {
            CredentialStatus::Disabled
        } else if expires_at.is_some_and(|at| at <= now) {
            CredentialStatus::Expired
        } else {
            CredentialStatus::Active
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CredentialStatus::Active => "active",
            CredentialStatus::Disabled => "disabled",
            CredentialStatus::Expired => "expired",
        }
    }
}

/// A Restricted Access Token's status (PRODUCT.md §10): revoked is for good, and wins over
/// expired.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenStatus {
    Active,
    Revoked,
    Expired,
}

impl TokenStatus {
    pub fn of(revoked: bool, expires_at: Option<i64>, now: i64) -> Self {
        if revoked {
            TokenStatus::Revoked
        } else if expires_at.is_some_and(|at| at <= now) {
            TokenStatus::Expired
        } else {
            TokenStatus::Active
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TokenStatus::Active => "active",
            TokenStatus::Revoked => "revoked",
            TokenStatus::Expired => "expired",
        }
    }
}

/// How long a rotation keeps the old secret (or token) working: the choices of **Keep the old
/// secret working for** (PRODUCT.md §10). The API takes any number of seconds up to a week.
pub const KEEP_OLD_CHOICES: [(i64, &str); 4] = [
    (0, "Do not keep"),
    (3_600, "1 hour"),
    (86_400, "24 hours"),
    (604_800, "7 days"),
];
pub const MAX_KEEP_OLD_SECONDS: i64 = 604_800;

/// Parses `keep_old_for_seconds`: 0 to a week.
pub fn parse_keep_old(input: &str) -> Result<i64, FieldError> {
    let refused = || {
        FieldError::new(
            "keep_old_for_seconds",
            "Keep the old secret for 0 to 604800 seconds (7 days)",
        )
    };
    let seconds: i64 = input.trim().parse().map_err(|_| refused())?;
    if (0..=MAX_KEEP_OLD_SECONDS).contains(&seconds) {
        Ok(seconds)
    } else {
        Err(refused())
    }
}

impl fmt::Display for CredentialStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Splits a comma-separated (or line-separated) list as typed into a form.
pub fn split_list(input: &str) -> impl Iterator<Item = &str> {
    input
        .split([',', '\n', '\r'])
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_old_is_zero_to_a_week_of_seconds() {
        assert_eq!(parse_keep_old("0"), Ok(0));
        assert_eq!(parse_keep_old(" 86400 "), Ok(86_400));
        assert_eq!(parse_keep_old("604800"), Ok(604_800));
        for bad in ["-1", "604801", "1h", "", "1e3", "99999999999999999999"] {
            let err = parse_keep_old(bad).unwrap_err();
            assert_eq!(err.field, "keep_old_for_seconds", "{bad}");
        }
        assert!(
            KEEP_OLD_CHOICES
                .iter()
                .all(|(s, _)| parse_keep_old(&s.to_string()).is_ok())
        );
    }

    #[test]
    fn a_revoked_token_stays_revoked_when_it_expires() {
        assert_eq!(TokenStatus::of(false, None, 10), TokenStatus::Active);
        assert_eq!(TokenStatus::of(false, Some(10), 10), TokenStatus::Expired);
        assert_eq!(TokenStatus::of(true, Some(10), 20), TokenStatus::Revoked);
        assert_eq!(TokenStatus::of(false, Some(11), 10).as_str(), "active");
    }

    #[test]
    fn names_are_1_to_70_characters() {
        assert_eq!(
            CredentialName::parse("  CRM Sync ").unwrap().as_str(),
            "CRM Sync"
        );
        assert!(CredentialName::parse("").is_err());
        assert!(CredentialName::parse("   ").is_err());
        assert!(CredentialName::parse(&"é".repeat(70)).is_ok());
        let long = CredentialName::parse(&"a".repeat(71)).unwrap_err();
        assert_eq!(long.field, "name");
        assert!(CredentialName::parse("tab\there").is_err());
    }

    #[test]
    fn descriptions_are_optional_and_bounded() {
        assert_eq!(Description::parse("  ").unwrap().as_option(), None);
        assert_eq!(
            Description::parse(" ETL ").unwrap().as_option(),
            Some("ETL")
        );
        assert!(Description::parse(&"a".repeat(500)).is_ok());
        assert_eq!(
            Description::parse(&"a".repeat(501)).unwrap_err().field,
            "description"
        );
        assert!(Description::parse("line one\nline two").is_ok());
    }

    #[test]
    fn status_follows_disabled_then_expiry() {
        assert_eq!(
            CredentialStatus::of(false, None, 100),
            CredentialStatus::Active
        );
        assert_eq!(
            CredentialStatus::of(false, Some(101), 100),
            CredentialStatus::Active
        );
        assert_eq!(
            CredentialStatus::of(false, Some(100), 100),
            CredentialStatus::Expired
        );
        assert_eq!(
            CredentialStatus::of(true, Some(50), 100),
            CredentialStatus::Disabled
        );
        assert_eq!(CredentialStatus::Expired.to_string(), "expired");
    }

    #[test]
    fn lists_split_on_commas_and_lines() {
        let items: Vec<_> = split_list(" a, b ,,\n c\r\n").collect();
        assert_eq!(items, ["a", "b", "c"]);
    }
}
