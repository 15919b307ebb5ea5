//! `GET /api/v1/api-clients` and `GET /api/v1/restricted-access-tokens` (PRODUCT.md §6,
//! §10): a page at a time, by name, with `?name=`, `?limit=` and `?cursor=`.

use super::{ApiClientItem, RestrictedTokenItem};
use super::{ApiError, ApiErrorBody, Caller};
use crate::AppState;
use axum::Json;
use axum::extract::{RawQuery, State};
use serde::{Deserialize, Serialize};
use services::pages::ListQuery;
use utoipa::ToSchema;

/// A page of API Clients.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiClientList {
    pub data: Vec<ApiClientItem>,
    /// Pass it as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A page of Restricted Access Tokens.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RestrictedTokenList {
    pub data: Vec<RestrictedTokenItem>,
    /// Pass it as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Parses `name`, `limit` and `cursor`; anything else, or a value given twice, is named in the
/// 400.
fn list_query(raw: Option<&str>) -> Result<ListQuery, ApiError> {
    let (mut name, mut limit, mut cursor) = (None, None, None);
    for (key, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        let slot = match key.as_ref() {
            "name" => &mut name,
            "limit" => &mut limit,
            "cursor" => &mut cursor,
            other => {
                let shown: String = other.chars().take(64).collect();
                return Err(ApiError::bad_request(format!(
                    "unknown query parameter: {}",
                    shown.escape_debug()
                )));
            }
        };
        if slot.replace(value.into_owned()).is_some() {
            return Err(ApiError::bad_request(format!(
                "{key} is given more than once"
            )));
        }
    }
    ListQuery::parse(name.as_deref(), limit.as_deref(), cursor.as_deref())
        .map_err(|e| ApiError::bad_request(e.message))
}

/// List API Clients
///
/// Sorted by name (case-insensitively), a page at a time: follow `next_cursor` until it is
/// `null`. Rows created while you page appear at most once and never shift others.
#[utoipa::path(
    get,
    path = "/api/v1/api-clients",
    tag = "API Clients",
    params(
        ("name" = Option<String>, Query, description = "Only clients whose name contains this, case-insensitively"),
        ("limit" = Option<i64>, Query, description = "1 to 500 (default 100)"),
        ("cursor" = Option<String>, Query, description = "The `next_cursor` of the page before"),
    ),
    responses(
        (status = 200, description = "A page of the organization's API Clients", body = ApiClientList),
        (status = 400, description = "`invalid_request`: an unknown parameter, a limit out of range or a cursor this list did not answer", body = ApiErrorBody),
        (status = 401, description = "No token, or `invalid_token`", body = ApiErrorBody),
        (status = 403, description = "`insufficient_scope` (also for Restricted Access Tokens), or `origin_not_allowed`", body = ApiErrorBody),
    )
)]
pub(super) async fn list_api_clients(
    State(state): State<AppState>,
    Caller(caller): Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<ApiClientList>, ApiError> {
    let query = list_query(raw.as_deref())?;
    let listed = state
        .services
        .api_clients_list(caller.credential_viewer()?, &query, state.services.now())
        .await?;
    Ok(Json(ApiClientList {
        data: listed.data.into_iter().map(Into::into).collect(),
        next_cursor: listed.next_cursor,
    }))
}

/// List Restricted Access Tokens
///
/// Sorted by name, a page at a time, like the API Clients.
#[utoipa::path(
    get,
    path = "/api/v1/restricted-access-tokens",
    tag = "Restricted Access Tokens",
    params(
        ("name" = Option<String>, Query, description = "Only tokens whose name contains this, case-insensitively"),
        ("limit" = Option<i64>, Query, description = "1 to 500 (default 100)"),
        ("cursor" = Option<String>, Query, description = "The `next_cursor` of the page before"),
    ),
    responses(
        (status = 200, description = "A page of the organization's Restricted Access Tokens", body = RestrictedTokenList),
        (status = 400, description = "`invalid_request`: an unknown parameter, a limit out of range or a cursor this list did not answer", body = ApiErrorBody),
        (status = 401, description = "No token, or `invalid_token`", body = ApiErrorBody),
        (status = 403, description = "`insufficient_scope` (also for Restricted Access Tokens), or `origin_not_allowed`", body = ApiErrorBody),
    )
)]
pub(super) async fn list_restricted_tokens(
    State(state): State<AppState>,
    Caller(caller): Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<RestrictedTokenList>, ApiError> {
    let query = list_query(raw.as_deref())?;
    let listed = state
        .services
        .restricted_tokens_list(caller.credential_viewer()?, &query, state.services.now())
        .await?;
    Ok(Json(RestrictedTokenList {
        data: listed.data.into_iter().map(Into::into).collect(),
        next_cursor: listed.next_cursor,
    }))
}
