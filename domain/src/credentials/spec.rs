//! What to create or change, however it was asked: the console's form and `/api/v1`'s JSON both
//! parse into an `ApiClientSpec` or a `RestrictedTokenSpec`, and one service method takes it.
//! Each field is `None` to keep the current value (on creation: the default) or `Some` to set
//! one; the form sets every field, the JSON the fields it names. What needs the current record
//! or the clock (a kept past expiry, an application type the operator has since removed) is
//! decided when the service applies the spec.

use super::dates::DAY;
use super::{
    AllowedIps, AllowedOrigins, CredentialName, Description, ExpirationDate, Quota, RateLimit,
    ScopeCatalog, Scopes, form_date_of, unix_of_date,
};
use crate::FieldError;

/// A requested expiry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expiry {
    Never,
    /// An exact moment (the JSON's RFC 3339 `expires_at`).
    At(i64),
    /// The end of a day (the form's `YYYY-MM-DD`): Unix seconds of the next midnight, UTC.
    EndOfDay(i64),
}

impl Expiry {
    /// The form's date: empty is never.
    pub fn from_form_date(input: &str) -> Result<Expiry, FieldError> {
        let input = input.trim();
        if input.is_empty() {
            return Ok(Expiry::Never);
        }
        unix_of_date(input)
            .map(|start| Expiry::EndOfDay(start + DAY))
            .ok_or_else(|| {
                FieldError::new(
                    ExpirationDate::FIELD,
                    format!("not a date (YYYY-MM-DD): {input}"),
                )
            })
    }

    /// The expiry to store: a new one must be in the future, while an unchanged one stays even
    /// when it has passed (so an expired credential can still be renamed).
    pub fn resolve(self, current: Option<i64>, now: i64) -> Result<Option<i64>, FieldError> {
        let (at, unchanged) = match self {
            Expiry::Never => return Ok(None),
            Expiry::At(at) => (at, current == Some(at)),
            Expiry::EndOfDay(at) => (
                at,
                current.is_some_and(|c| form_date_of(c) == form_date_of(at)),
            ),
        };
        if unchanged {
            Ok(current)
        } else {
            Ok(ExpirationDate::at(at, now)?.unix())
        }
    }
}

/// An API Client to create, or the changes to one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApiClientSpec {
    pub name: Option<CredentialName>,
    pub description: Option<Description>,
    pub allowed_origins: Option<AllowedOrigins>,
    pub scopes: Option<Scopes>,
    /// Checked against the operator's types when applied (a removed type may stay).
    pub application_type: Option<String>,
    pub expires_at: Option<Expiry>,
    pub rate_limit: Option<Option<RateLimit>>,
    pub quota: Option<Option<Quota>>,
}

/// A Restricted Access Token to create, or the changes to one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RestrictedTokenSpec {
    pub name: Option<CredentialName>,
    pub allowed_ips: Option<AllowedIps>,
    pub expires_at: Option<Expiry>,
    pub rate_limit: Option<Option<RateLimit>>,
    pub quota: Option<Option<Quota>>,
}

/// The **Rate limit** and **Quota** inputs as typed: a number and a unit each; an empty number
/// is no limit.
#[derive(Clone, Debug, Default)]
pub struct LimitsForm {
    pub rate_limit_requests: String,
    pub rate_limit_per: String,
    pub quota_requests: String,
    pub quota_per: String,
}

impl LimitsForm {
    /// Both limits as set by the form (an empty number clears one).
    fn parse(&self) -> Result<(Option<RateLimit>, Option<Quota>), FieldError> {
        Ok((
            RateLimit::parse_form(&self.rate_limit_requests, &self.rate_limit_per)?,
            Quota::parse_form(&self.quota_requests, &self.quota_per)?,
        ))
    }
}

/// The API Client form as typed: lists comma-separated, scopes space-separated, the date as
/// `YYYY-MM-DD` or empty.
#[derive(Clone, Debug, Default)]
pub struct ApiClientForm {
    pub name: String,
    pub description: String,
    pub allowed_origins: String,
    pub scopes: String,
    pub expiration_date: String,
    pub limits: LimitsForm,
    /// `custom` or an operator's type id; empty keeps the current one (`custom` when new).
    pub application_type: String,
}

#[derive(Clone, Debug, Default)]
pub struct RestrictedTokenForm {
    pub name: String,
    pub allowed_ips: String,
    pub expiration_date: String,
    pub limits: LimitsForm,
}

impl ApiClientSpec {
    /// The form sets every field (an empty application type keeps the current one).
    pub fn from_form(form: &ApiClientForm, catalog: &ScopeCatalog) -> Result<Self, FieldError> {
        let application_type = form.application_type.trim();
        let name = CredentialName::parse(&form.name)?;
        let description = Description::parse(&form.description)?;
        let allowed_origins = AllowedOrigins::parse_list(&form.allowed_origins)?;
        let scopes = catalog.parse_scopes(&form.scopes)?;
        let expires_at = Expiry::from_form_date(&form.expiration_date)?;
        let (rate_limit, quota) = form.limits.parse()?;
        Ok(ApiClientSpec {
            name: Some(name),
            description: Some(description),
            allowed_origins: Some(allowed_origins),
            scopes: Some(scopes),
            application_type: (!application_type.is_empty()).then(|| application_type.to_string()),
            expires_at: Some(expires_at),
            rate_limit: Some(rate_limit),
            quota: Some(quota),
        })
    }
}

impl RestrictedTokenSpec {
    pub fn from_form(form: &RestrictedTokenForm) -> Result<Self, FieldError> {
        let name = CredentialName::parse(&form.name)?;
        let allowed_ips = AllowedIps::parse_list(&form.allowed_ips)?;
        let expires_at = Expiry::from_form_date(&form.expiration_date)?;
        let (rate_limit, quota) = form.limits.parse()?;
        Ok(RestrictedTokenSpec {
            name: Some(name),
            allowed_ips: Some(allowed_ips),
            expires_at: Some(expires_at),
            rate_limit: Some(rate_limit),
            quota: Some(quota),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_expiry_must_be_ahead_and_an_unchanged_one_may_have_passed() {
        let now = 100 * DAY;
        assert_eq!(Expiry::Never.resolve(Some(5), now), Ok(None));
        assert_eq!(Expiry::At(now + 1).resolve(None, now), Ok(Some(now + 1)));
        assert_eq!(
            Expiry::At(now - 1).resolve(None, now).unwrap_err().field,
            "expires_at"
        );
        assert_eq!(
            Expiry::At(now - 1).resolve(Some(now - 1), now),
            Ok(Some(now - 1))
        );
        // The form shows a stored moment as its last day; sending that day back keeps it.
        let stored = 50 * DAY + 3_600;
        let same_day = Expiry::from_form_date(&form_date_of(stored)).unwrap();
        assert_eq!(same_day.resolve(Some(stored), now), Ok(Some(stored)));
        assert!(same_day.resolve(None, now).is_err());
    }

    #[test]
    fn the_form_date_is_checked_for_shape_and_empty_is_never() {
        assert_eq!(Expiry::from_form_date(" "), Ok(Expiry::Never));
        assert_eq!(
            Expiry::from_form_date("1970-01-02"),
            Ok(Expiry::EndOfDay(2 * DAY))
        );
        let err = Expiry::from_form_date("2026-02-30").unwrap_err();
        assert!(err.message.contains("2026-02-30"), "{}", err.message);
    }

    #[test]
    fn the_form_sets_every_field_but_an_empty_type() {
        let form = ApiClientForm {
            name: " Billing ".into(),
            scopes: "credentials:read".into(),
            ..Default::default()
        };
        let spec = ApiClientSpec::from_form(&form, &ScopeCatalog::default()).unwrap();
        assert_eq!(spec.name.unwrap().as_str(), "Billing");
        assert_eq!(spec.application_type, None);
        assert_eq!(spec.expires_at, Some(Expiry::Never));
        assert_eq!(spec.rate_limit, Some(None));
        let err = RestrictedTokenSpec::from_form(&RestrictedTokenForm {
            name: "Kiosk".into(),
            allowed_ips: "10.0.0.1, 300.1.1.1".into(),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(err.field, "allowed_ips");
    }
}
