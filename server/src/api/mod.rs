//! The guarded public API, `/api/v1` (PRODUCT.md §6). Every request passes the gate
//! (`gate::Gate`), which finds its route in the one route table (`table`); the handlers take
//! the `Caller` it admitted and call the same services as the console.

mod audit;
mod extract;
mod gate;
mod lifecycle;
mod lists;
mod table;
mod usage;
mod wire;

pub(crate) use audit::AuditQuery;
pub use audit::{AuditActorBody, AuditEventBody, AuditEventList, AuditTargetBody};
pub use lists::{ApiClientList, RestrictedTokenList};
pub use usage::{UsageBody, UsageHour};

use crate::AppState;
pub use crate::api_error::{ApiError, ApiErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
pub use extract::{ApiJson, Caller, ClientIp, PathId};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::OpenApi;
pub use wire::{
    ApiClientInput, ApiClientItem, MeResponse, RestrictedTokenInput, RestrictedTokenItem, rfc3339,
};

/// `/api/v1` as one service: the body limit, then the gate, which finds the route, admits the
/// caller and calls the route's handler; and its OpenAPI description, from the same
/// declarations (`table`). Unknown paths under `/api/v1` pass the gate too, then answer a JSON
/// 404. (Not `Router::nest`: its path rewriting costs several percent of the hot path.)
pub fn service(state: AppState) -> (Service, OpenApi) {
    let description = table::V1.description.clone();
    (crate::routes::limited(gate::Gate::new(state)), description)
}

/// `/api/v1`: the body limit, then the gate and the routes behind it.
pub type Service = crate::routes::Limited<gate::Gate>;

/// Whether `path` is `/api/v1`'s.
pub fn owns(path: &str) -> bool {
    path.strip_prefix(PREFIX)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

pub const PREFIX: &str = "/api/v1";

/// A new API Client: the item plus its secret, shown this once.
#[derive(Serialize, ToSchema)]
pub struct CreatedApiClientBody {
    #[serde(flatten)]
    pub(crate) client: ApiClientItem,
    /// Store it now: it is never shown again.
    #[schema(value_type = String)]
    pub(crate) client_secret: domain::Secret,
}

/// A new Restricted Access Token: the item plus the token, shown this once.
#[derive(Serialize, ToSchema)]
pub struct CreatedRestrictedTokenBody {
    #[serde(flatten)]
    pub(crate) restricted_token: RestrictedTokenItem,
    /// Store it now: it is never shown again.
    #[schema(value_type = String)]
    pub(crate) token: domain::Secret,
}

/// Who is calling
///
/// Any valid credential: an API Client's JWT or a Restricted Access Token (the one endpoint
/// Restricted Access Tokens may call).
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "API",
    responses(
        (status = 200, description = "The calling credential", body = MeResponse),
        (status = 401, description = "No token, or `invalid_token`", body = ApiErrorBody),
        (status = 403, description = "`ip_not_allowed` (Restricted Access Token from another address) or `origin_not_allowed` (JWT from a browser origin its client does not allow)", body = ApiErrorBody),
    )
)]
async fn me(Caller(caller): Caller) -> Response {
    let body = match crate::gate::answers::TokenAnswers::of(&caller) {
        Some(answers) => answers.me.clone(),
        None => me_json(&caller),
    };
    let Some(body) = body else {
        return ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "the answer could not be written",
        )
        .into_response();
    };
    let json = header::HeaderValue::from_static("application/json");
    ([(header::CONTENT_TYPE, json)], body).into_response()
}

/// `GET /api/v1/me`'s body for `caller`, written into a buffer of its usual size at once.
pub(crate) fn me_json(caller: &services::Caller) -> Option<bytes::Bytes> {
    let mut body = Vec::with_capacity(256);
    match serde_json::to_writer(&mut body, &MeResponse::from(caller)) {
        Ok(()) => Some(body.into()),
        Err(err) => {
            tracing::error!(error = %err, "cannot write the caller as JSON");
            None
        }
    }
}

/// Create an API Client
///
/// Answers the new client with its `client_secret`, the only time the secret is shown.
#[utoipa::path(
    post,
    path = "/api/v1/api-clients",
    tag = "API Clients",
    request_body(content = ApiClientInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = CreatedApiClientBody),
        (status = 400, description = "Malformed JSON, or not `application/json`", body = ApiErrorBody),
        (status = 401, description = "No token, or `invalid_token`", body = ApiErrorBody),
        (status = 403, description = "`insufficient_scope` (also for Restricted Access Tokens), or `origin_not_allowed`", body = ApiErrorBody),
        (status = 409, description = "`limit_reached`: the organization holds 5,000 API Clients", body = ApiErrorBody),
        (status = 413, description = "Body over 64 KiB"),
        (status = 422, description = "`invalid_request` naming the refused `field`", body = ApiErrorBody),
    )
)]
async fn create_api_client(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ClientIp(from): ClientIp,
    ApiJson(input): ApiJson<ApiClientInput>,
) -> Result<Response, ApiError> {
    let manager = caller.client_manager(from)?;
    let spec = input.spec(state.services.scope_catalog())?;
    let created = state
        .services
        .create_api_client(manager, &spec, state.services.now())
        .await?;
    Ok(created_response(CreatedApiClientBody {
        client: created.client.into(),
        client_secret: created.client_secret,
    }))
}

/// Update an API Client
///
/// Fields left out keep their values; `null` clears `description` and `expires_at`.
#[utoipa::path(
    patch,
    path = "/api/v1/api-clients/{id}",
    tag = "API Clients",
    params(("id" = String, Path, description = "The API Client's `id` (not its Client ID)")),
    request_body(content = ApiClientInput, content_type = "application/json"),
    responses(
        (status = 200, description = "Updated", body = ApiClientItem),
        (status = 400, description = "Malformed JSON, or not `application/json`", body = ApiErrorBody),
        (status = 401, description = "No token, or `invalid_token`", body = ApiErrorBody),
        (status = 403, description = "`insufficient_scope` (also for Restricted Access Tokens), or `origin_not_allowed`", body = ApiErrorBody),
        (status = 404, description = "`not_found`: no such API Client in the organization", body = ApiErrorBody),
        (status = 422, description = "`invalid_request` naming the refused `field`", body = ApiErrorBody),
    )
)]
async fn update_api_client(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ClientIp(from): ClientIp,
    PathId(id): PathId,
    ApiJson(input): ApiJson<ApiClientInput>,
) -> Result<Json<ApiClientItem>, ApiError> {
    let manager = caller.client_manager(from)?;
    let spec = input.spec(state.services.scope_catalog())?;
    let view = state
        .services
        .update_api_client(manager, &id, &spec, state.services.now())
        .await?;
    Ok(Json(view.into()))
}

/// Delete an API Client
///
/// Its tokens stop working on the next request, on every instance.
#[utoipa::path(
    delete,
    path = "/api/v1/api-clients/{id}",
    tag = "API Clients",
    params(("id" = String, Path, description = "The API Client's `id`")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No token, or `invalid_token`", body = ApiErrorBody),
        (status = 403, description = "`insufficient_scope` (also for Restricted Access Tokens), or `origin_not_allowed`", body = ApiErrorBody),
        (status = 404, description = "`not_found`", body = ApiErrorBody),
    )
)]
async fn delete_api_client(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ClientIp(from): ClientIp,
    PathId(id): PathId,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .delete_api_client(caller.client_manager(from)?, &id, state.services.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Create a Restricted Access Token
///
/// Answers the new token's details with `token`, the only time it is shown.
#[utoipa::path(
    post,
    path = "/api/v1/restricted-access-tokens",
    tag = "Restricted Access Tokens",
    request_body(content = RestrictedTokenInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = CreatedRestrictedTokenBody),
        (status = 400, description = "Malformed JSON, or not `application/json`", body = ApiErrorBody),
        (status = 401, description = "No token, or `invalid_token`", body = ApiErrorBody),
        (status = 403, description = "`insufficient_scope` (also for Restricted Access Tokens), or `origin_not_allowed`", body = ApiErrorBody),
        (status = 409, description = "`limit_reached`", body = ApiErrorBody),
        (status = 413, description = "Body over 64 KiB"),
        (status = 422, description = "`invalid_request` naming the refused `field`", body = ApiErrorBody),
    )
)]
async fn create_restricted_token(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ClientIp(from): ClientIp,
    ApiJson(input): ApiJson<RestrictedTokenInput>,
) -> Result<Response, ApiError> {
    let manager = caller.token_manager(from)?;
    let spec = input.spec()?;
    let created = state
        .services
        .create_restricted_token(manager, &spec, state.services.now())
        .await?;
    Ok(created_response(CreatedRestrictedTokenBody {
        restricted_token: created.token.into(),
        token: created.secret,
    }))
}

/// Update a Restricted Access Token
///
/// Fields left out keep their values; `null` clears `expires_at`.
#[utoipa::path(
    patch,
    path = "/api/v1/restricted-access-tokens/{id}",
    tag = "Restricted Access Tokens",
    params(("id" = String, Path, description = "The token's `id`")),
    request_body(content = RestrictedTokenInput, content_type = "application/json"),
    responses(
        (status = 200, description = "Updated", body = RestrictedTokenItem),
        (status = 400, description = "Malformed JSON, or not `application/json`", body = ApiErrorBody),
        (status = 401, description = "No token, or `invalid_token`", body = ApiErrorBody),
        (status = 403, description = "`insufficient_scope` (also for Restricted Access Tokens), or `origin_not_allowed`", body = ApiErrorBody),
        (status = 404, description = "`not_found`", body = ApiErrorBody),
        (status = 422, description = "`invalid_request` naming the refused `field`", body = ApiErrorBody),
    )
)]
async fn update_restricted_token(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ClientIp(from): ClientIp,
    PathId(id): PathId,
    ApiJson(input): ApiJson<RestrictedTokenInput>,
) -> Result<Json<RestrictedTokenItem>, ApiError> {
    let manager = caller.token_manager(from)?;
    let spec = input.spec()?;
    let view = state
        .services
        .update_restricted_token(manager, &id, &spec, state.services.now())
        .await?;
    Ok(Json(view.into()))
}

/// Delete a Restricted Access Token
///
/// It stops working on the next request, on every instance.
#[utoipa::path(
    delete,
    path = "/api/v1/restricted-access-tokens/{id}",
    tag = "Restricted Access Tokens",
    params(("id" = String, Path, description = "The token's `id`")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No token, or `invalid_token`", body = ApiErrorBody),
        (status = 403, description = "`insufficient_scope` (also for Restricted Access Tokens), or `origin_not_allowed`", body = ApiErrorBody),
        (status = 404, description = "`not_found`", body = ApiErrorBody),
    )
)]
async fn delete_restricted_token(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ClientIp(from): ClientIp,
    PathId(id): PathId,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .delete_restricted_token(caller.token_manager(from)?, &id, state.services.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 201 with the item; the secret in it is never shown again, so nothing may cache it.
fn created_response(item: impl Serialize) -> Response {
    let mut response = (StatusCode::CREATED, Json(item)).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}
