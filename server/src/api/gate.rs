//! The gate in front of every `/api/v1` request (PRODUCT.md §6): CORS preflight, the bearer
//! value, the IP allow-list of Restricted Access Tokens, the allowed origins of API Clients,
//! and the scope each endpoint needs. What passes carries its `Caller` to the handler.

use crate::AppState;
use crate::client_ip::client_ip;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::credentials::{AllowedOrigin, Scope};
use serde_json::json;
use services::{BearerError, Caller};
use std::net::SocketAddr;

const ALLOWED_METHODS: &str = "GET, POST, PATCH, DELETE, OPTIONS";
const ALLOWED_HEADERS: &str = "Authorization, Content-Type";

/// The scope an endpoint needs, by method and path (relative to `/api/v1`).
fn required_scope(method: &Method, path: &str) -> Option<Scope> {
    let collection = path.strip_prefix('/').unwrap_or(path);
    let collection = collection.split('/').next().unwrap_or_default();
    if !matches!(collection, "api-clients" | "restricted-access-tokens") {
        return None;
    }
    Some(if *method == Method::GET || *method == Method::HEAD {
        Scope::CredentialsRead
    } else {
        Scope::CredentialsWrite
    })
}

/// What a Restricted Access Token may call: `GET /api/v1/me`.
fn restricted_token_may_call(method: &Method, path: &str) -> bool {
    (*method == Method::GET || *method == Method::HEAD) && path == "/me"
}

fn challenge(error: Option<(&str, Option<Scope>)>) -> HeaderValue {
    let value = match error {
        None => "Bearer realm=\"portcullis\"".to_string(),
        Some((error, None)) => format!("Bearer realm=\"portcullis\", error=\"{error}\""),
        Some((error, Some(scope))) => format!(
            "Bearer realm=\"portcullis\", error=\"{error}\", scope=\"{}\"",
            scope.as_str()
        ),
    };
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("Bearer"))
}

fn unauthorized(error: Option<&str>, description: &str) -> Response {
    let body = match error {
        Some(error) => json!({"error": error, "error_description": description}),
        None => json!({"error": "unauthorized", "error_description": description}),
    };
    let mut response = (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        challenge(error.map(|e| (e, None))),
    );
    response
}

fn insufficient_scope(scope: Option<Scope>, description: &str) -> Response {
    let body = json!({"error": "insufficient_scope", "error_description": description});
    let mut response = (StatusCode::FORBIDDEN, axum::Json(body)).into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        challenge(Some(("insufficient_scope", scope))),
    );
    response
}

fn forbidden(error: &str, description: &str) -> Response {
    let body = json!({"error": error, "error_description": description});
    (StatusCode::FORBIDDEN, axum::Json(body)).into_response()
}

/// `Some(Ok(token))` for `Bearer <token>`, `Some(Err)` for a malformed Bearer header, `None`
/// when there is no Bearer credential at all.
fn bearer(headers: &HeaderMap) -> Option<Result<&str, ()>> {
    let value = headers.get(header::AUTHORIZATION)?;
    let Ok(value) = value.to_str() else {
        return Some(Err(()));
    };
    let value = value.trim();
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = rest.trim();
    if token.is_empty() || token.contains(' ') {
        return Some(Err(()));
    }
    Some(Ok(token))
}

/// Every `/api/v1` answer passes here: `Vary: Origin`, `nosniff`, and the CORS headers.
fn with_cors(mut response: Response, origin: Option<&HeaderValue>) -> Response {
    let headers = response.headers_mut();
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Some(origin) = origin {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("WWW-Authenticate"),
        );
    }
    response
}

fn preflight(origin: Option<&HeaderValue>) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(ALLOWED_METHODS),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(ALLOWED_HEADERS),
    );
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    with_cors(response, origin)
}

fn origin_allowed(origin: &HeaderValue, allowed: &[String]) -> bool {
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    AllowedOrigin::parse(origin).is_ok_and(|o| allowed.iter().any(|a| a == o.as_str()))
}

pub async fn gate(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut request: Request,
    next: Next,
) -> Response {
    let origin = request.headers().get(header::ORIGIN).cloned();
    let method = request.method().clone();
    if method == Method::OPTIONS {
        return preflight(origin.as_ref());
    }
    // A browser app must be able to read why its token was refused (to get a new one), so
    // these answers carry the origin; they reveal nothing about any credential.
    let token = match bearer(request.headers()) {
        None => {
            let refused = unauthorized(None, "an access token is required");
            return with_cors(refused, origin.as_ref());
        }
        Some(Err(())) => {
            let refused = unauthorized(
                Some("invalid_token"),
                "the Authorization header is malformed",
            );
            return with_cors(refused, origin.as_ref());
        }
        Some(Ok(token)) => token,
    };
    let now = state.services.now();
    let caller = match state.services.authenticate_bearer(token, now).await {
        Ok(caller) => caller,
        Err(BearerError::InvalidToken) => {
            let refused = unauthorized(
                Some("invalid_token"),
                "the access token is invalid, expired or revoked",
            );
            return with_cors(refused, origin.as_ref());
        }
        Err(BearerError::Service(e)) => {
            return with_cors(super::ApiError::from(e).into_response(), origin.as_ref());
        }
    };
    let full_path = request.uri().path();
    let path = full_path.strip_prefix(super::PREFIX).unwrap_or(full_path);
    let cors_origin = match &caller {
        Caller::RestrictedToken { token } => {
            let from = client_ip(peer.ip(), request.headers(), &state.trusted_proxies);
            if !from.is_some_and(|ip| token.allowed_ips.allows(ip)) {
                let refused = forbidden(
                    "ip_not_allowed",
                    "this token may not be used from this address",
                );
                return with_cors(refused, origin.as_ref());
            }
            if !restricted_token_may_call(&method, path) {
                let refused = insufficient_scope(
                    None,
                    "Restricted Access Tokens may only call GET /api/v1/me",
                );
                return with_cors(refused, origin.as_ref());
            }
            origin
        }
        Caller::ApiClient { client, .. } => {
            if let Some(origin) = &origin
                && !origin_allowed(origin, &client.allowed_origins)
            {
                let refused = forbidden(
                    "origin_not_allowed",
                    "this origin is not among the API Client's Allowed Origins",
                );
                return with_cors(refused, None);
            }
            if let Some(scope) = required_scope(&method, path)
                && !caller.has_scope(scope)
            {
                let refused = insufficient_scope(
                    Some(scope),
                    &format!("this endpoint needs the scope {}", scope.as_str()),
                );
                return with_cors(refused, origin.as_ref());
            }
            origin
        }
    };
    request.extensions_mut().insert(caller);
    with_cors(next.run(request).await, cors_origin.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_follow_method_and_collection() {
        assert_eq!(required_scope(&Method::GET, "/me"), None);
        assert_eq!(
            required_scope(&Method::GET, "/api-clients"),
            Some(Scope::CredentialsRead)
        );
        assert_eq!(
            required_scope(&Method::DELETE, "/restricted-access-tokens/x"),
            Some(Scope::CredentialsWrite)
        );
        assert!(restricted_token_may_call(&Method::GET, "/me"));
        assert!(!restricted_token_may_call(&Method::POST, "/me"));
        assert!(!restricted_token_may_call(&Method::GET, "/api-clients"));
    }

    #[test]
    fn bearer_values_are_recognised() {
        let mut h = HeaderMap::new();
        assert!(bearer(&h).is_none());
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert!(bearer(&h).is_none());
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer"));
        assert_eq!(bearer(&h), Some(Err(())));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer  abc "),
        );
        assert_eq!(bearer(&h), Some(Ok("abc")));
    }

    #[test]
    fn origins_compare_normalized() {
        let allowed = vec!["https://app.example.com".to_string()];
        let ok = HeaderValue::from_static("https://APP.example.com:443");
        assert!(origin_allowed(&ok, &allowed));
        assert!(!origin_allowed(&HeaderValue::from_static("null"), &allowed));
        assert!(!origin_allowed(
            &HeaderValue::from_static("https://evil.example.com"),
            &allowed
        ));
    }
}
