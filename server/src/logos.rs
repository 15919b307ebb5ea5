//! `/logos/{id}`: an API Client's logo for the console (PRODUCT.md §10). `GET` serves it to a
//! member who may see the organization's credentials; `POST` (multipart, field `logo`) uploads
//! one and `DELETE` removes it, for those who may manage API Clients. Both changes need the
//! anti-forgery proof (`csrf::guard`). The served answer can only be an image: its stored type
//! (`image/png` or `image/jpeg`, chosen from the bytes), `nosniff`, and a policy that lets
//! nothing in it run even if it were opened as a page.

use crate::AppState;
use crate::api_error::ApiError;
use crate::audit_export::signed_in;
use app::ssr::ClientAddress;
use axum::extract::multipart::{Multipart, MultipartError};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use domain::credentials::{LOGO_FIELD, MAX_LOGO_BYTES, too_large};
use serde::{Deserialize, Serialize};
use services::{Principal, ServiceError};

pub const PATH: &str = "/logos/{id}";

/// The body limit of an upload: above the largest logo (so a file just over it gets the
/// inline message, not a bare 413) with room for the multipart framing.
pub const MAX_UPLOAD_BYTES: usize = 4 * MAX_LOGO_BYTES;

/// The answer to an upload: where the new logo is served.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogoUploaded {
    pub logo_url: String,
}

/// The signed-in member, with the client address the audit log records.
async fn principal(
    state: &AppState,
    headers: &HeaderMap,
    address: Option<Extension<ClientAddress>>,
) -> Result<Principal, ApiError> {
    match signed_in(state, headers).await {
        Ok(Some(mut principal)) => {
            principal.address = address.and_then(|a| a.0.0);
            Ok(principal)
        }
        Ok(None) => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Sign in to continue",
        )),
        Err(err) => Err(err.into()),
    }
}

pub async fn get_logo(
    State(state): State<AppState>,
    Path(id): Path<String>,
    address: Option<Extension<ClientAddress>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let who = principal(&state, &headers, address).await?;
    let viewer = who.credential_viewer()?;
    let logo = state.services.api_client_logo(viewer, &id).await?;
    let mut response = logo.bytes.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(logo.format.content_type()),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("inline; filename=\"logo\""),
    );
    // The address changes with every new logo (`?v=`): a cached copy is never stale for long,
    // and it stays private to this browser.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=300"),
    );
    Ok(response)
}

pub async fn upload_logo(
    State(state): State<AppState>,
    Path(id): Path<String>,
    address: Option<Extension<ClientAddress>>,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Json<LogoUploaded>, ApiError> {
    let who = principal(&state, &headers, address).await?;
    let manager = who.client_manager()?;
    let mut multipart = multipart.map_err(|_| {
        ApiError::bad_request("send the logo as multipart/form-data in the field `logo`")
    })?;
    let bytes = read_logo_field(&mut multipart).await?;
    let now = state.services.now();
    state
        .services
        .set_api_client_logo(manager, &id, bytes, now)
        .await?;
    Ok(Json(LogoUploaded {
        logo_url: domain::models::logo_url(&id, now),
    }))
}

pub async fn remove_logo(
    State(state): State<AppState>,
    Path(id): Path<String>,
    address: Option<Extension<ClientAddress>>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let who = principal(&state, &headers, address).await?;
    let manager = who.client_manager()?;
    let now = state.services.now();
    state
        .services
        .remove_api_client_logo(manager, &id, now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The bytes of the field `logo`, read a chunk at a time and refused as soon as they pass the
/// limit. Other fields are skipped.
async fn read_logo_field(multipart: &mut Multipart) -> Result<Vec<u8>, ApiError> {
    let malformed = |_: MultipartError| ApiError::bad_request("the multipart body is malformed");
    while let Some(mut field) = multipart.next_field().await.map_err(malformed)? {
        if field.name() != Some(LOGO_FIELD) {
            continue;
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(malformed)? {
            if bytes.len() + chunk.len() > MAX_LOGO_BYTES {
                return Err(ServiceError::Invalid(too_large()).into());
            }
            bytes.extend_from_slice(&chunk);
        }
        return Ok(bytes);
    }
    Err(ServiceError::Invalid(domain::FieldError::new(
        LOGO_FIELD,
        "Choose a PNG or JPEG file",
    ))
    .into())
}
