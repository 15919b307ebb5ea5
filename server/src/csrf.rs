//! The anti-forgery guard on every state-changing console request (`/rpc/*`).
//!
//! A request is refused with 403 when `Sec-Fetch-Site` or `Origin` show another site, or when
//! it does not carry the token of the `portcullis_csrf` cookie (`__Host-portcullis_csrf` over https) back in the `x-csrf-token` header
//! or the `csrf_token` form field (see `app::csrf`). Every response to a browser without the
//! cookie sets one.

use app::csrf::{CSRF_FIELD, CSRF_HEADER, CsrfToken};
use app::ssr::{Cookies, cookie_value};
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use services::secrets;

/// Larger bodies are refused before this guard anyway (the global body limit).
const MAX_FORM_BYTES: usize = 64 * 1024;

/// `cookies`: over https the cookie is `__Host-portcullis_csrf` and gets `Secure`.
pub async fn guard(State(cookies): State<Cookies>, request: Request, next: Next) -> Response {
    // Only the console's pages and server functions take part: the API, OAuth, health and
    // static files neither need the proof nor pay for minting a token.
    if !is_console_path(request.uri().path()) {
        return next.run(request).await;
    }
    let cookie_token =
        cookie_value(request.headers(), cookies.csrf()).filter(|t| is_token_shaped(t));
    let token = cookie_token.clone().unwrap_or_else(secrets::new_token);
    let mut request = request;
    if needs_proof(request.method(), request.uri().path()) {
        if let Err(reason) = check_site(request.headers()) {
            return refuse(reason);
        }
        let Some(expected) = cookie_token.as_deref() else {
            return refuse("missing anti-forgery cookie");
        };
        request = match check_proof(request, expected).await {
            Ok(request) => request,
            Err(response) => return response,
        };
    }
    request
        .extensions_mut()
        .insert(CsrfToken(token.clone().into()));
    let mut response = next.run(request).await;
    if cookie_token.is_none() {
        let (name, secure) = (cookies.csrf(), cookies.secure_attribute());
        let cookie = format!("{name}={token}; Path=/; HttpOnly; SameSite=Lax{secure}");
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

fn needs_proof(method: &Method, path: &str) -> bool {
    (path.starts_with("/rpc/") || path.starts_with("/logos/"))
        && !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn is_console_path(path: &str) -> bool {
    const NOT_CONSOLE: [&str; 5] = ["/api/", "/oauth/", "/.well-known/", "/pkg/", "/healthz"];
    !NOT_CONSOLE.iter().any(|prefix| path.starts_with(prefix))
}

fn is_token_shaped(value: &str) -> bool {
    (20..=100).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Refuses requests that the browser marks as coming from another site.
fn check_site(headers: &HeaderMap) -> Result<(), &'static str> {
    if let Some(site) = headers.get("sec-fetch-site") {
        let site = site.to_str().unwrap_or("");
        if site != "same-origin" && site != "none" {
            return Err("cross-site request");
        }
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        let authority = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"))
            .unwrap_or("");
        if host.is_empty() || !authority.eq_ignore_ascii_case(host) {
            return Err("cross-origin request");
        }
    }
    Ok(())
}

/// Finds the proof in the header, or else in a form body (which is then put back).
async fn check_proof(request: Request, expected: &str) -> Result<Request, Response> {
    if let Some(sent) = request.headers().get(CSRF_HEADER) {
        let sent = sent.to_str().unwrap_or("");
        return if secrets::constant_time_eq(sent, expected) {
            Ok(request)
        } else {
            Err(refuse("wrong anti-forgery token"))
        };
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(refuse("missing anti-forgery token"));
    }
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response())?;
    let sent = form_urlencoded_value(&bytes, CSRF_FIELD);
    match sent {
        Some(sent) if secrets::constant_time_eq(&sent, expected) => {
            Ok(Request::from_parts(parts, Body::from(bytes)))
        }
        _ => Err(refuse("missing or wrong anti-forgery token")),
    }
}

fn form_urlencoded_value(body: &[u8], name: &str) -> Option<String> {
    form_urlencoded::parse(body)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn refuse(reason: &'static str) -> Response {
    tracing::warn!(reason, "anti-forgery check refused a request");
    let body = serde_json::to_string(&app::error::AppError::Forbidden).unwrap_or_default();
    (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_are_decoded() {
        let body = b"email=a%40b.com&csrf_token=abc+def&x=%zz";
        assert_eq!(
            form_urlencoded_value(body, "csrf_token").as_deref(),
            Some("abc def")
        );
        assert_eq!(
            form_urlencoded_value(body, "email").as_deref(),
            Some("a@b.com")
        );
        assert_eq!(form_urlencoded_value(body, "missing"), None);
    }

    #[test]
    fn site_checks() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:3000"));
        assert!(check_site(&h).is_ok());
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:3000"),
        );
        assert!(check_site(&h).is_ok());
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        assert!(check_site(&h).is_err());
        h.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(check_site(&h).is_err());
        h.remove(header::ORIGIN);
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(check_site(&h).is_err());
        h.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(check_site(&h).is_ok());
    }

    #[test]
    fn the_api_and_static_files_are_outside_the_guard() {
        assert!(is_console_path("/") && is_console_path("/login") && is_console_path("/rpc/login"));
        for path in [
            "/api/v1/me",
            "/oauth/token",
            "/.well-known/jwks.json",
            "/pkg/portcullis.wasm",
            "/healthz",
        ] {
            assert!(!is_console_path(path), "{path}");
        }
    }

    #[test]
    fn only_console_writes_need_proof() {
        assert!(needs_proof(&Method::POST, "/rpc/login"));
        assert!(!needs_proof(&Method::GET, "/rpc/login"));
        assert!(!needs_proof(&Method::POST, "/oauth/token"));
    }
}
