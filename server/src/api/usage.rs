//! `GET /api/v1/api-clients/{id}/usage` and `/api/v1/restricted-access-tokens/{id}/usage`
//! (PRODUCT.md §9): when and from where a credential was last used, and its requests per hour
//! for the last 7 days.

use super::rfc3339;
use super::{ApiError, ApiErrorBody, Caller, PathId};
use crate::AppState;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use services::usage::{CredentialKind, Usage};
use utoipa::ToSchema;

/// One hour of a credential's requests.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UsageHour {
    /// The hour's start, RFC 3339 (UTC).
    pub start: String,
    /// Requests that authenticated as the credential and were let through.
    pub allowed: i64,
    /// Requests that authenticated as the credential and were refused (scope, IP, origin,
    /// rate limit).
    pub refused: i64,
}

/// A credential's usage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UsageBody {
    /// RFC 3339, or `null` when never used.
    pub last_used_at: Option<String>,
    /// The client address of the last use, or `null`.
    pub last_used_ip: Option<String>,
    /// The last 7 days, hour by hour, oldest first (168 hours, the current one last).
    pub hours: Vec<UsageHour>,
    /// API Clients only: which secret last got a token, `current` or `previous` (the one a
    /// rotation keeps working); `null` when neither (never, or a secret that has ended) and
    /// for Restricted Access Tokens.
    #[serde(default)]
    pub last_used_secret: Option<String>,
}

impl From<Usage> for UsageBody {
    fn from(u: Usage) -> Self {
        UsageBody {
            last_used_at: u.last_used_at.map(rfc3339),
            last_used_ip: u.last_used_ip,
            last_used_secret: u.last_used_secret.map(|s| s.as_str().to_string()),
            hours: u
                .hours
                .into_iter()
                .map(|(start, allowed, refused)| UsageHour {
                    start: rfc3339(start),
                    allowed,
                    refused,
                })
                .collect(),
        }
    }
}

async fn usage_of(
    state: &AppState,
    caller: &services::Caller,
    kind: CredentialKind,
    id: &str,
) -> Result<Json<UsageBody>, ApiError> {
    let usage = state
        .services
        .credential_usage(caller.credential_viewer()?, kind, id, state.services.now())
        .await?;
    Ok(Json(usage.into()))
}

/// An API Client's usage
///
/// The last use (time and client address) and the requests per hour of the last 7 days,
/// let through and refused.
#[utoipa::path(
    get,
    path = "/api/v1/api-clients/{id}/usage",
    tag = "API Clients",
    params(("id" = String, Path, description = "The API Client's `id`")),
    responses(
        (status = 200, description = "The usage", body = UsageBody),
        (status = 401, description = "No token, or `invalid_token`", body = ApiErrorBody),
        (status = 403, description = "`insufficient_scope`", body = ApiErrorBody),
        (status = 404, description = "`not_found`: no such API Client in the organization", body = ApiErrorBody),
    )
)]
pub(super) async fn api_client_usage(
    State(state): State<AppState>,
    Caller(caller): Caller,
    PathId(id): PathId,
) -> Result<Json<UsageBody>, ApiError> {
    usage_of(&state, &caller, CredentialKind::ApiClient, &id).await
}

/// A Restricted Access Token's usage
///
/// The last use (time and client address) and the requests per hour of the last 7 days,
/// let through and refused.
#[utoipa::path(
    get,
    path = "/api/v1/restricted-access-tokens/{id}/usage",
    tag = "Restricted Access Tokens",
    params(("id" = String, Path, description = "The Restricted Access Token's `id`")),
    responses(
        (status = 200, description = "The usage", body = UsageBody),
        (status = 401, description = "No token, or `invalid_token`", body = ApiErrorBody),
        (status = 403, description = "`insufficient_scope`", body = ApiErrorBody),
        (status = 404, description = "`not_found`", body = ApiErrorBody),
    )
)]
pub(super) async fn restricted_token_usage(
    State(state): State<AppState>,
    Caller(caller): Caller,
    PathId(id): PathId,
) -> Result<Json<UsageBody>, ApiError> {
    usage_of(&state, &caller, CredentialKind::RestrictedToken, &id).await
}
