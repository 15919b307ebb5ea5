//! The extractors of the `/api/v1` handlers: the `Caller` the gate admitted, the `{id}` of the
//! route it found, and a JSON body whose every fault is an `ApiError`.

use crate::api_error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// What the gate found for a request it admitted: the route's pattern, the caller and where it
/// calls from. One extension (each one is an allocation), taken apart by the extractors below.
#[derive(Clone)]
pub(super) struct Routed {
    pub pattern: &'static crate::gate::PathPattern,
    /// Taken by the `Caller` extractor.
    pub caller: Option<services::Caller>,
    pub client_ip: Option<std::net::IpAddr>,
}

/// Who is calling: put there by the gate, which runs before every handler of `/api/v1`.
pub struct Caller(pub services::Caller);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts
            .extensions
            .get_mut::<Routed>()
            .and_then(|routed| routed.caller.take())
            .map(Caller)
            .ok_or_else(|| ApiError::unauthorized(None, "an access token is required"))
    }
}

/// Where the caller calls from (the peer, or the forwarded address from a trusted proxy), as
/// the gate decided it: the audit log's client address.
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<Routed>()
                .and_then(|routed| routed.client_ip),
        ))
    }
}

/// The `{id}` of the route's path, percent-decoded.
pub struct PathId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let segment = parts
            .extensions
            .get::<Routed>()
            .and_then(|routed| routed.pattern.param(parts.uri.path(), "id"))
            .ok_or_else(|| ApiError::not_found("no such endpoint"))?;
        let id = percent_encoding::percent_decode_str(segment)
            .decode_utf8()
            .map_err(|_| ApiError::not_found("no such credential"))?;
        Ok(PathId(id.into_owned()))
    }
}

/// A JSON object body; anything else is a 400 with an error body (over 64 KiB: 413).
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = axum::response::Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::response::IntoResponse;
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let essence = content_type.split(';').next().unwrap_or_default().trim();
        if !essence.eq_ignore_ascii_case("application/json") {
            return Err(
                ApiError::bad_request("the request body must be application/json").into_response(),
            );
        }
        // The body limit's 413 passes through as it is.
        let body = Bytes::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        parse(&body)
            .map(ApiJson)
            .map_err(IntoResponse::into_response)
    }
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("malformed JSON: {e}")))?;
    if !value.is_object() {
        return Err(ApiError::bad_request(
            "the request body must be a JSON object",
        ));
    }
    serde_json::from_value(value).map_err(|e| ApiError::bad_request(format!("malformed JSON: {e}")))
}
