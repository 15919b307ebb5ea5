//! The credential lifecycle through `/api/v1` (PRODUCT.md §10): rotate an API Client's
//! secret, regenerate or revoke a Restricted Access Token.

use super::RestrictedTokenItem;
use super::{
    ApiError, ApiErrorBody, ApiJson, Caller, ClientIp, CreatedApiClientBody,
    CreatedRestrictedTokenBody, PathId,
};
use crate::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;

/// How long the old secret (or token) keeps working.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeepOld {
    /// 0 (stop at once) to 604800 (7 days).
    #[schema(value_type = i64, minimum = 0, maximum = 604800)]
    pub keep_old_for_seconds: serde_json::Value,
}

impl KeepOld {
    /// The number as the services parse it (a string, so that `1.5`, `"60"` or `-1` are
    /// refused by the one rule that names the field).
    fn seconds(&self) -> String {
        match &self.keep_old_for_seconds {
            serde_json::Value::Number(n) if n.is_i64() => n.to_string(),
            _ => "not a whole number".to_string(),
        }
    }
}

/// 200 with a secret shown once: nothing may cache it.
fn shown_once(body: impl serde::Serialize) -> Response {
    let mut response = Json(body).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

/// Rotate an API Client's secret
///
/// Answers the client with its new `client_secret`, the only time it is shown. The old secret
/// keeps working for `keep_old_for_seconds` (0: it stops at once), on every instance, to the
/// second. Tokens already issued stay valid until they expire.
#[utoipa::path(
    post,
    path = "/api/v1/api-clients/{id}/rotate-secret",
    tag = "API Clients",
    params(("id" = String, Path, description = "The API Client's `id`")),
    request_body(content = KeepOld, content_type = "application/json"),
    responses(
        (status = 200, description = "Rotated", body = CreatedApiClientBody),
        (status = 400, description = "Malformed JSON, or not `application/json`", body = ApiErrorBody),
        (status = 401, description = "No token, or `invalid_token`", body = ApiErrorBody),
        (status = 403, description = "`insufficient_scope` (also for Restricted Access Tokens), or `origin_not_allowed`", body = ApiErrorBody),
        (status = 404, description = "`not_found`", body = ApiErrorBody),
        (status = 422, description = "`invalid_request`: `keep_old_for_seconds` is not 0 to 604800", body = ApiErrorBody),
    )
)]
pub(super) async fn rotate_secret(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ClientIp(from): ClientIp,
    PathId(id): PathId,
    ApiJson(input): ApiJson<KeepOld>,
) -> Result<Response, ApiError> {
    let rotated = state
        .services
        .rotate_client_secret(
            caller.client_manager(from)?,
            &id,
            &input.seconds(),
            state.services.now(),
        )
        .await?;
    Ok(shown_once(CreatedApiClientBody {
        client: rotated.client.into(),
        client_secret: rotated.client_secret,
    }))
}

/// Regenerate a Restricted Access Token
///
/// Answers the token's details with the new `token`, the only time it is shown. The old token
/// keeps working for `keep_old_for_seconds` (0: it stops at once).
#[utoipa::path(
    post,
    path = "/api/v1/restricted-access-tokens/{id}/regenerate",
    tag = "Restricted Access Tokens",
    params(("id" = String, Path, description = "The token's `id`")),
    request_body(content = KeepOld, content_type = "application/json"),
    responses(
        (status = 200, description = "Regenerated", body = CreatedRestrictedTokenBody),
        (status = 400, description = "Malformed JSON, or not `application/json`", body = ApiErrorBody),
        (status = 401, description = "No token, or `invalid_token`", body = ApiErrorBody),
        (status = 403, description = "`insufficient_scope` (also for Restricted Access Tokens), or `origin_not_allowed`", body = ApiErrorBody),
        (status = 404, description = "`not_found`", body = ApiErrorBody),
        (status = 409, description = "`revoked`: a revoked token cannot be regenerated", body = ApiErrorBody),
        (status = 422, description = "`invalid_request`: `keep_old_for_seconds` is not 0 to 604800", body = ApiErrorBody),
    )
)]
pub(super) async fn regenerate_token(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ClientIp(from): ClientIp,
    PathId(id): PathId,
    ApiJson(input): ApiJson<KeepOld>,
) -> Result<Response, ApiError> {
    let regenerated = state
        .services
        .regenerate_restricted_token(
            caller.token_manager(from)?,
            &id,
            &input.seconds(),
            state.services.now(),
        )
        .await?;
    Ok(shown_once(CreatedRestrictedTokenBody {
        restricted_token: regenerated.token.into(),
        token: regenerated.secret,
    }))
}

/// Revoke a Restricted Access Token
///
/// Permanent: the token stays listed with `status` `revoked`, is refused from the next request
/// on, on every instance, and can no longer be changed (it can still be deleted).
#[utoipa::path(
    post,
    path = "/api/v1/restricted-access-tokens/{id}/revoke",
    tag = "Restricted Access Tokens",
    params(("id" = String, Path, description = "The token's `id`")),
    responses(
        (status = 200, description = "Revoked", body = RestrictedTokenItem),
        (status = 401, description = "No token, or `invalid_token`", body = ApiErrorBody),
        (status = 403, description = "`insufficient_scope` (also for Restricted Access Tokens), or `origin_not_allowed`", body = ApiErrorBody),
        (status = 404, description = "`not_found`", body = ApiErrorBody),
        (status = 409, description = "`revoked`: it already is", body = ApiErrorBody),
    )
)]
pub(super) async fn revoke_token(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ClientIp(from): ClientIp,
    PathId(id): PathId,
) -> Result<Json<RestrictedTokenItem>, ApiError> {
    let revoked = state
        .services
        .revoke_restricted_token(caller.token_manager(from)?, &id, state.services.now())
        .await?;
    Ok(Json(revoked.into()))
}
