//! The public API's JSON (PRODUCT.md §6): what `/api/v1` accepts and answers for API Clients and
//! Restricted Access Tokens, with their OpenAPI schemas. The JSON parses into the same specs as
//! the console's forms (`domain::credentials::ApiClientSpec`, `RestrictedTokenSpec`), with the
//! same rules; only the shapes differ (JSON arrays instead of comma-separated text, RFC 3339
//! instead of a date, `null` to clear).

use domain::FieldError;
use domain::credentials::{
    AllowedIps, AllowedOrigins, ApiClientSpec, CredentialName, Description, ExpirationDate, Expiry,
    Quota, RateLimit, RestrictedTokenSpec, Scope, ScopeCatalog,
};
use domain::models::{ApiClientView, RestrictedTokenView};
use serde::{Deserialize, Deserializer, Serialize};
use services::Caller;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::ToSchema;

/// Unix seconds as RFC 3339 (UTC).
pub fn rfc3339(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

fn parse_rfc3339(value: &str) -> Result<i64, FieldError> {
    OffsetDateTime::parse(value.trim(), &Rfc3339)
        .map(OffsetDateTime::unix_timestamp)
        .map_err(|_| {
            FieldError::new(
                ExpirationDate::FIELD,
                format!("not an RFC 3339 timestamp: {value}"),
            )
        })
}

/// Tells a field that is absent (`None`) from one that is `null` (`Some(None)`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// `POST` / `PATCH /api/v1/api-clients`: on `PATCH`, absent fields keep their values.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[schema(example = json!({
    "name": "Nightly export",
    "description": "Reads credentials for the audit report",
    "allowed_origins": ["https://app.example.com"],
    "scopes": ["credentials:read"],
    "expires_at": null
}))]
pub struct ApiClientInput {
    /// 1 to 70 characters, trimmed. Required on `POST`.
    #[serde(default)]
    pub name: Option<String>,
    /// Up to 500 characters; `null` or empty clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    /// Origins (`https://host[:port]`) whose browsers may call the API with this client's
    /// tokens; up to 50. None: browsers are refused.
    #[serde(default)]
    pub allowed_origins: Option<Vec<String>>,
    /// `credentials:read` and/or `credentials:write`; a new client gets `credentials:read`.
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
    /// RFC 3339 moment in the future, or `null` for never.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Option<String>>,
    /// `{"requests": N, "per": "second"|"minute"|"hour"}`, or `null` for none.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<RateLimitSchema>)]
    pub rate_limit: Option<Option<serde_json::Value>>,
    /// `{"requests": N, "per": "day"|"month"}` (a month is 30 days), or `null` for none.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<QuotaSchema>)]
    pub quota: Option<Option<serde_json::Value>>,
    /// `custom` (the default) or an `id` of the operator's application types.
    #[serde(default)]
    pub application_type: Option<String>,
}

/// A rate limit: at most `requests` per `per`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct RateLimitSchema {
    /// 1 to 1,000,000,000.
    requests: u64,
    /// `second`, `minute` or `hour`.
    per: String,
}

/// A quota: at most `requests` per `per`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct QuotaSchema {
    /// 1 to 1,000,000,000.
    requests: u64,
    /// `day` or `month` (30 days).
    per: String,
}

/// A `rate_limit` or `quota` field: absent keeps, `null` clears, an object sets.
fn limit<T>(
    field: &Option<Option<serde_json::Value>>,
    parse: fn(&serde_json::Value) -> Result<Option<T>, FieldError>,
) -> Result<Option<Option<T>>, FieldError> {
    field
        .as_ref()
        .map(|value| parse(value.as_ref().unwrap_or(&serde_json::Value::Null)))
        .transpose()
}

/// `POST` / `PATCH /api/v1/restricted-access-tokens`.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[schema(example = json!({"name": "Kiosk", "allowed_ips": ["203.0.113.0/24"], "expires_at": null}))]
pub struct RestrictedTokenInput {
    /// 1 to 70 characters, trimmed. Required on `POST`.
    #[serde(default)]
    pub name: Option<String>,
    /// IPv4/IPv6 addresses or CIDR ranges, 1 to 100. Required on `POST`.
    #[serde(default)]
    pub allowed_ips: Option<Vec<String>>,
    /// RFC 3339 moment in the future, or `null` for never.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Option<String>>,
    /// `{"requests": N, "per": "second"|"minute"|"hour"}`, or `null` for none.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<RateLimitSchema>)]
    pub rate_limit: Option<Option<serde_json::Value>>,
    /// `{"requests": N, "per": "day"|"month"}`, or `null` for none.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<QuotaSchema>)]
    pub quota: Option<Option<serde_json::Value>>,
}

/// An `expires_at` field: absent keeps, `null` is never, a timestamp sets.
fn expiry(field: &Option<Option<String>>) -> Result<Option<Expiry>, FieldError> {
    field
        .as_ref()
        .map(|value| match value {
            None => Ok(Expiry::Never),
            Some(at) => parse_rfc3339(at).map(Expiry::At),
        })
        .transpose()
}

impl ApiClientInput {
    /// What this JSON asks for; the fields it leaves out are `None` (kept on `PATCH`).
    pub fn spec(&self, catalog: &ScopeCatalog) -> Result<ApiClientSpec, FieldError> {
        Ok(ApiClientSpec {
            name: self
                .name
                .as_deref()
                .map(CredentialName::parse)
                .transpose()?,
            description: self
                .description
                .as_ref()
                .map(|value| Description::parse(value.as_deref().unwrap_or_default()))
                .transpose()?,
            allowed_origins: self
                .allowed_origins
                .as_ref()
                .map(|list| AllowedOrigins::parse_entries(list.iter().map(String::as_str)))
                .transpose()?,
            scopes: self
                .scopes
                .as_ref()
                .map(|list| catalog.parse_entries(list.iter().map(String::as_str)))
                .transpose()?,
            application_type: self.application_type.clone(),
            expires_at: expiry(&self.expires_at)?,
            rate_limit: limit(&self.rate_limit, RateLimit::parse_json)?,
            quota: limit(&self.quota, Quota::parse_json)?,
        })
    }
}

impl RestrictedTokenInput {
    pub fn spec(&self) -> Result<RestrictedTokenSpec, FieldError> {
        Ok(RestrictedTokenSpec {
            name: self
                .name
                .as_deref()
                .map(CredentialName::parse)
                .transpose()?,
            allowed_ips: self
                .allowed_ips
                .as_ref()
                .map(|list| AllowedIps::parse_entries(list.iter().map(String::as_str)))
                .transpose()?,
            expires_at: expiry(&self.expires_at)?,
            rate_limit: limit(&self.rate_limit, RateLimit::parse_json)?,
            quota: limit(&self.quota, Quota::parse_json)?,
        })
    }
}

/// An API Client as the public API lists it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, ToSchema)]
pub struct ApiClientItem {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub client_id: String,
    pub secret_last_four: String,
    pub allowed_origins: Vec<String>,
    pub status: String,
    pub scopes: Vec<String>,
    /// `custom` or an `id` of the operator's application types.
    pub application_type: String,
    pub expires_at: Option<String>,
    pub created_at: String,
    #[schema(value_type = Option<RateLimitSchema>)]
    pub rate_limit: Option<RateLimit>,
    #[schema(value_type = Option<QuotaSchema>)]
    pub quota: Option<Quota>,
    /// After **Rotate secret** with a grace period: the old secret's last four, while it works.
    pub previous_secret_last_four: Option<String>,
    /// When the old secret stops working (RFC 3339).
    pub previous_secret_expires_at: Option<String>,
}

impl From<ApiClientView> for ApiClientItem {
    fn from(v: ApiClientView) -> Self {
        ApiClientItem {
            id: v.id,
            name: v.name,
            description: v.description,
            client_id: v.client_id,
            secret_last_four: v.secret_last_four,
            allowed_origins: v.allowed_origins,
            status: v.status.as_str().to_string(),
            scopes: v.scopes,
            application_type: v.application_type,
            expires_at: v.expires_at.map(rfc3339),
            created_at: rfc3339(v.created_at),
            rate_limit: v.limits.rate_limit,
            quota: v.limits.quota,
            previous_secret_last_four: v.previous_secret.as_ref().map(|p| p.last_four.clone()),
            previous_secret_expires_at: v.previous_secret.map(|p| rfc3339(p.expires_at)),
        }
    }
}

/// A Restricted Access Token as the public API lists it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, ToSchema)]
pub struct RestrictedTokenItem {
    pub id: String,
    pub name: String,
    pub token_last_four: String,
    pub allowed_ips: Vec<String>,
    pub status: String,
    pub expires_at: Option<String>,
    pub created_at: String,
    #[schema(value_type = Option<RateLimitSchema>)]
    pub rate_limit: Option<RateLimit>,
    #[schema(value_type = Option<QuotaSchema>)]
    pub quota: Option<Quota>,
    /// After **Regenerate token** with a grace period: the old token's last four, while it works.
    pub previous_token_last_four: Option<String>,
    /// When the old token stops working (RFC 3339).
    pub previous_token_expires_at: Option<String>,
}

impl From<RestrictedTokenView> for RestrictedTokenItem {
    fn from(v: RestrictedTokenView) -> Self {
        RestrictedTokenItem {
            id: v.id,
            name: v.name,
            token_last_four: v.token_last_four,
            allowed_ips: v.allowed_ips,
            status: v.status.as_str().to_string(),
            expires_at: v.expires_at.map(rfc3339),
            created_at: rfc3339(v.created_at),
            rate_limit: v.limits.rate_limit,
            quota: v.limits.quota,
            previous_token_last_four: v.previous_token.as_ref().map(|p| p.last_four.clone()),
            previous_token_expires_at: v.previous_token.map(|p| rfc3339(p.expires_at)),
        }
    }
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq, ToSchema)]
pub struct OrganizationRef<'a> {
    pub id: &'a str,
    pub name: &'a str,
}

/// `GET /api/v1/me`: borrowed from the caller (this is the hottest answer of the API).
#[derive(Clone, Debug, Serialize, PartialEq, Eq, ToSchema)]
pub struct MeResponse<'a> {
    /// `api_client` or `restricted_access_token`.
    pub credential_type: &'static str,
    pub id: &'a str,
    pub name: &'a str,
    pub organization: OrganizationRef<'a>,
    pub scopes: Vec<&'a str>,
}

impl<'a> From<&'a Caller> for MeResponse<'a> {
    fn from(caller: &'a Caller) -> Self {
        match caller {
            Caller::ApiClient { client, scopes, .. } => MeResponse {
                credential_type: "api_client",
                id: &client.id,
                name: &client.name,
                organization: OrganizationRef {
                    id: &client.organization_id,
                    name: &client.organization_name,
                },
                scopes: scopes.iter().map(Scope::as_str).collect(),
            },
            Caller::RestrictedToken { token } => MeResponse {
                credential_type: "restricted_access_token",
                id: &token.id,
                name: &token.name,
                organization: OrganizationRef {
                    id: &token.organization_id,
                    name: &token.organization_name,
                },
                scopes: Vec::new(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip_as_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(
            parse_rfc3339("2026-11-23T10:00:00+01:00").unwrap(),
            1_795_424_400
        );
        let bad = parse_rfc3339("2026-11-23").unwrap_err();
        assert_eq!(bad.field, "expires_at");
        assert!(bad.message.contains("2026-11-23"));
    }

    #[test]
    fn absent_and_null_differ() {
        let absent: ApiClientInput = serde_json::from_str(r#"{"name":"a"}"#).unwrap();
        assert_eq!(absent.expires_at, None);
        let null: ApiClientInput = serde_json::from_str(r#"{"expires_at":null}"#).unwrap();
        assert_eq!(null.expires_at, Some(None));
    }

    #[test]
    fn absent_fields_are_kept_and_null_clears() {
        let spec = ApiClientInput::default()
            .spec(&ScopeCatalog::default())
            .unwrap();
        assert_eq!(spec, ApiClientSpec::default());
        let input: ApiClientInput = serde_json::from_str(
            r#"{"name":" Backend ","expires_at":null,"rate_limit":null,"scopes":["credentials:read"]}"#,
        )
        .unwrap();
        let spec = input.spec(&ScopeCatalog::default()).unwrap();
        assert_eq!(spec.name.unwrap().as_str(), "Backend");
        assert_eq!(spec.expires_at, Some(Expiry::Never));
        assert_eq!(spec.rate_limit, Some(None));
        assert_eq!(spec.quota, None);
        assert_eq!(
            spec.scopes.unwrap().to_space_separated(),
            "credentials:read"
        );
    }

    #[test]
    fn bad_entries_name_the_field_and_the_entry() {
        let input = RestrictedTokenInput {
            name: Some("t".into()),
            allowed_ips: Some(vec!["10.0.0.1".into(), "300.1.1.1".into()]),
            ..Default::default()
        };
        let err = input.spec().unwrap_err();
        assert_eq!(err.field, "allowed_ips");
        assert!(err.message.contains("300.1.1.1"), "{}", err.message);
        let input = ApiClientInput {
            name: Some("c".into()),
            expires_at: Some(Some("tomorrow".into())),
            ..Default::default()
        };
        let err = input.spec(&ScopeCatalog::default()).unwrap_err();
        assert_eq!(err.field, "expires_at");
        let input = ApiClientInput {
            scopes: Some(vec!["credentials:admin".into()]),
            ..Default::default()
        };
        assert_eq!(
            input.spec(&ScopeCatalog::default()).unwrap_err().field,
            "scopes"
        );
    }
}
