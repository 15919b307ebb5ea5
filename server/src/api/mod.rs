//! The guarded public API, `/api/v1` (PRODUCT.md §6). Every request passes `gate::gate` first;
//! the handlers take the `Caller` it found and call the same services as the console.

mod gate;

use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch};
use axum::{Extension, Json, Router};
use serde::de::DeserializeOwned;
use serde_json::json;
use services::public_api::{
    ApiClientInput, ApiClientItem, MeResponse, RestrictedTokenInput, RestrictedTokenItem,
};
use services::{Caller, ServiceError};

pub fn routes(state: AppState) -> Router<AppState> {
    let v1 = Router::new()
        .route("/me", get(me))
        .route(
            "/api-clients",
            get(list_api_clients).post(create_api_client),
        )
        .route(
            "/api-clients/{id}",
            patch(update_api_client).delete(delete_api_client),
        )
        .route(
            "/restricted-access-tokens",
            get(list_restricted_tokens).post(create_restricted_token),
        )
        .route(
            "/restricted-access-tokens/{id}",
            patch(update_restricted_token).delete(delete_restricted_token),
        )
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(state, gate::gate));
    Router::new().nest("/api/v1", v1)
}

/// An error of the public API, as JSON.
pub struct ApiError {
    status: StatusCode,
    body: serde_json::Value,
}

impl ApiError {
    fn bad_request(description: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            body: json!({"error": "invalid_request", "error_description": description.into()}),
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(err: ServiceError) -> Self {
        let (status, body) = match &err {
            ServiceError::Invalid(field) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({
                    "error": "invalid_request",
                    "error_description": field.message,
                    "field": field.field,
                }),
            ),
            ServiceError::NotFound => (
                StatusCode::NOT_FOUND,
                json!({"error": "not_found", "error_description": "no such credential"}),
            ),
            ServiceError::Forbidden => (
                StatusCode::FORBIDDEN,
                json!({"error": "insufficient_scope", "error_description": err.to_string()}),
            ),
            ServiceError::LimitReached => (
                StatusCode::CONFLICT,
                json!({"error": "limit_reached", "error_description": err.to_string()}),
            ),
            _ if err.is_unavailable() => {
                tracing::warn!(error = %err, source = ?std::error::Error::source(&err), "API request: database unavailable");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    json!({"error": "temporarily_unavailable", "error_description": "the database is unavailable; try again shortly"}),
                )
            }
            _ => {
                tracing::error!(error = %err, source = ?std::error::Error::source(&err), "API request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    json!({"error": "server_error", "error_description": "the server could not answer; try again"}),
                )
            }
        };
        ApiError { status, body }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

/// A JSON request body; anything else is a 400 with an error body.
fn json_body<T: DeserializeOwned>(headers: &HeaderMap, body: &Bytes) -> Result<T, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    if !essence.eq_ignore_ascii_case("application/json") {
        return Err(ApiError::bad_request(
            "the request body must be application/json",
        ));
    }
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("malformed JSON: {e}")))?;
    if !value.is_object() {
        return Err(ApiError::bad_request(
            "the request body must be a JSON object",
        ));
    }
    serde_json::from_value(value).map_err(|e| ApiError::bad_request(format!("malformed JSON: {e}")))
}

async fn not_found() -> ApiError {
    ApiError {
        status: StatusCode::NOT_FOUND,
        body: json!({"error": "not_found", "error_description": "no such endpoint"}),
    }
}

async fn me(Extension(caller): Extension<Caller>) -> Json<MeResponse> {
    Json(MeResponse::from(&caller))
}

async fn list_api_clients(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, ApiError> {
    let page = state
        .services
        .credentials_page(caller.credential_viewer()?, services::unix_now())
        .await?;
    let data: Vec<ApiClientItem> = page.api_clients.into_iter().map(Into::into).collect();
    Ok(Json(json!({ "data": data })).into_response())
}

async fn create_api_client(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input: ApiClientInput = json_body(&headers, &body)?;
    let created = state
        .services
        .create_api_client_from_api(caller.client_manager()?, &input, services::unix_now())
        .await?;
    let mut item = serde_json::to_value(ApiClientItem::from(created.client))
        .map_err(|e| ServiceError::Internal(e.into()))?;
    item["client_secret"] = json!(created.client_secret);
    Ok(created_response(item))
}

async fn update_api_client(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<ApiClientItem>, ApiError> {
    let input: ApiClientInput = json_body(&headers, &body)?;
    let view = state
        .services
        .update_api_client_from_api(caller.client_manager()?, &id, &input, services::unix_now())
        .await?;
    Ok(Json(view.into()))
}

async fn delete_api_client(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .delete_api_client(caller.client_manager()?, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_restricted_tokens(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, ApiError> {
    let page = state
        .services
        .credentials_page(caller.credential_viewer()?, services::unix_now())
        .await?;
    let data: Vec<RestrictedTokenItem> =
        page.restricted_tokens.into_iter().map(Into::into).collect();
    Ok(Json(json!({ "data": data })).into_response())
}

async fn create_restricted_token(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input: RestrictedTokenInput = json_body(&headers, &body)?;
    let created = state
        .services
        .create_restricted_token_from_api(caller.token_manager()?, &input, services::unix_now())
        .await?;
    let mut item = serde_json::to_value(RestrictedTokenItem::from(created.token))
        .map_err(|e| ServiceError::Internal(e.into()))?;
    item["token"] = json!(created.secret);
    Ok(created_response(item))
}

async fn update_restricted_token(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<RestrictedTokenItem>, ApiError> {
    let input: RestrictedTokenInput = json_body(&headers, &body)?;
    let view = state
        .services
        .update_restricted_token_from_api(
            caller.token_manager()?,
            &id,
            &input,
            services::unix_now(),
        )
        .await?;
    Ok(Json(view.into()))
}

async fn delete_restricted_token(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .delete_restricted_token(caller.token_manager()?, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 201 with the item; the secret in it is never shown again, so nothing may cache it.
fn created_response(item: serde_json::Value) -> Response {
    let mut response = (StatusCode::CREATED, Json(item)).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    response
}
