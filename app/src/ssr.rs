//! Server-side helpers for server functions: the state handed in by the server, the signed-in
//! principal, cookies, and mapping domain errors to `AppError` with the right status.

use crate::error::AppError;
use http::request::Parts;
use http::{HeaderValue, StatusCode, header};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use services::{Principal, ServiceError, Services};

/// The console's cookies. Over https their names carry the `__Host-` prefix, which a browser
/// accepts only with `Secure`, `Path=/` and no `Domain`: no other host under the same domain
/// can plant or overwrite them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cookies {
    pub secure: bool,
}

impl Cookies {
    pub const fn new(secure: bool) -> Cookies {
        Cookies { secure }
    }

    pub const fn session(self) -> &'static str {
        if self.secure {
            "__Host-portcullis_session"
        } else {
            "portcullis_session"
        }
    }

    pub const fn csrf(self) -> &'static str {
        if self.secure {
            "__Host-portcullis_csrf"
        } else {
            "portcullis_csrf"
        }
    }

    /// `; Secure` over https, nothing over plain http.
    pub const fn secure_attribute(self) -> &'static str {
        if self.secure { "; Secure" } else { "" }
    }
}

/// What the server hands to every server function through Leptos context.
#[derive(Clone, Debug)]
pub struct ServerContext {
    pub services: Services,
    /// The public base URL (PORTCULLIS_ISSUER), for links such as invites.
    pub public_url: String,
    /// The cookies' names and attributes (https or not).
    pub cookies: Cookies,
}

/// The nonce of this response's Content Security Policy, placed in the request's extensions by
/// the server; `provide_request_nonce` hands it to Leptos, which puts it on the hydration
/// scripts.
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

/// Makes the server's nonce the one Leptos renders (it replaces the one Leptos made itself).
pub fn provide_request_nonce() {
    if let Some(nonce) =
        use_context::<Parts>().and_then(|parts| parts.extensions.get::<CspNonce>().cloned())
    {
        provide_context(leptos::nonce::Nonce::from_value(nonce.0));
    }
}

#[track_caller]
pub fn context() -> Result<ServerContext, AppError> {
    let caller = std::panic::Location::caller();
    use_context::<ServerContext>().ok_or_else(|| {
        tracing::error!(%caller, "server context missing from a server function");
        AppError::Internal
    })
}

/// The value of cookie `name` in the current request.
pub fn request_cookie(name: &str) -> Option<String> {
    let parts = use_context::<Parts>()?;
    cookie_value(&parts.headers, name)
}

pub fn cookie_value(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Where a console request comes from, as the server decided it (the TCP peer, or the
/// forwarded address when the peer is a trusted proxy); the server puts it in the request's
/// extensions before the console sees it.
#[derive(Clone, Copy, Debug)]
pub struct ClientAddress(pub Option<std::net::IpAddr>);

/// The client address of the current request.
pub fn client_address() -> Option<std::net::IpAddr> {
    use_context::<Parts>()?
        .extensions
        .get::<ClientAddress>()
        .and_then(|a| a.0)
}

/// The session token the browser sent, if any.
pub fn session_token() -> Option<String> {
    request_cookie(use_context::<ServerContext>()?.cookies.session())
}

/// The signed-in member the page gate found for a page load (`server::page_gate`), placed in
/// the request's extensions so that the server functions the page calls while it renders do
/// not look the session up again.
#[derive(Clone, Debug)]
pub struct GatePrincipal(pub Principal);

/// The signed-in member, or `Unauthenticated` (401).
pub async fn principal() -> Result<Principal, AppError> {
    let found = use_context::<Parts>().and_then(|p| p.extensions.get::<GatePrincipal>().cloned());
    if let Some(GatePrincipal(mut principal)) = found {
        principal.address = client_address();
        return Ok(principal);
    }
    let ctx = context()?;
    let token = session_token().ok_or_else(|| fail(ServiceError::Unauthenticated))?;
    let mut principal = ctx
        .services
        .principal_for_session(&token, ctx.services.now())
        .await
        .map_err(fail)?
        .ok_or_else(|| fail(ServiceError::Unauthenticated))?;
    principal.address = client_address();
    Ok(principal)
}

pub(crate) fn set_status(status: StatusCode) {
    // A plain form post (no WASM yet) is answered with a redirect back to the form, which
    // carries the error; a status here would replace that redirect.
    let plain_form_post = use_context::<Parts>()
        .and_then(|p| p.headers.get(header::ACCEPT).cloned())
        .and_then(|v| v.to_str().ok().map(|s| s.contains("text/html")))
        .unwrap_or(false);
    if let Some(res) = use_context::<ResponseOptions>().filter(|_| !plain_form_post) {
        res.set_status(status);
    }
}

/// Maps a domain error to what the console shows, sets the HTTP status, and logs what the
/// user must not see.
pub fn fail(err: ServiceError) -> AppError {
    let (status, app) = match err {
        ServiceError::Invalid(field) => (StatusCode::UNPROCESSABLE_ENTITY, AppError::Field(field)),
        ServiceError::InvalidCredentials => {
            (StatusCode::UNAUTHORIZED, AppError::Refused(err.to_string()))
        }
        ServiceError::Throttled { minutes } => {
            retry_after(minutes * 60);
            (
                StatusCode::TOO_MANY_REQUESTS,
                AppError::Refused(err.to_string()),
            )
        }
        ServiceError::Busy => {
            retry_after(1);
            (
                StatusCode::SERVICE_UNAVAILABLE,
                AppError::Refused(err.to_string()),
            )
        }
        ServiceError::AlreadySetUp
        | ServiceError::SignupClosed
        | ServiceError::LastAdmin
        | ServiceError::LimitReached
        | ServiceError::Revoked => (StatusCode::CONFLICT, AppError::Refused(err.to_string())),
        ServiceError::Unauthenticated => (StatusCode::UNAUTHORIZED, AppError::Unauthenticated),
        ServiceError::Forbidden => (StatusCode::FORBIDDEN, AppError::Forbidden),
        ServiceError::NotFound => (StatusCode::NOT_FOUND, AppError::NotFound),
        ServiceError::Unavailable => (
            StatusCode::SERVICE_UNAVAILABLE,
            AppError::Refused("This instance is catching up. Try again in a moment.".into()),
        ),
        ServiceError::Internal(_) if err.is_unavailable() => {
            tracing::warn!(error = %err, "server function: database unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                AppError::Refused(
                    "The database is unavailable right now. Try again in a moment.".into(),
                ),
            )
        }
        ServiceError::Internal(cause) => {
            tracing::error!(error = %cause, "server function failed");
            (StatusCode::INTERNAL_SERVER_ERROR, AppError::Internal)
        }
    };
    set_status(status);
    app
}

fn retry_after(seconds: i64) {
    if let Some(res) = use_context::<ResponseOptions>() {
        res.insert_header(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    }
}

fn session_cookie(value: &str, max_age: i64, cookies: Cookies) -> HeaderValue {
    let (name, secure) = (cookies.session(), cookies.secure_attribute());
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .expect("a session token is a valid header value")
}

/// Starts the browser's new session: a session it had before ends on the server, and the
/// cookie carries the new token.
pub async fn replace_session(ctx: &ServerContext, new_token: &str) -> Result<(), AppError> {
    if let Some(old) = session_token() {
        ctx.services.sign_out(&old).await.map_err(fail)?;
    }
    set_session_cookie(new_token, ctx.cookies);
    Ok(())
}

fn set_session_cookie(token: &str, cookies: Cookies) {
    if let Some(res) = use_context::<ResponseOptions>() {
        res.append_header(
            header::SET_COOKIE,
            session_cookie(token, domain::SESSION_MAX_SECONDS, cookies),
        );
    }
}

pub fn clear_session_cookie(cookies: Cookies) {
    if let Some(res) = use_context::<ResponseOptions>() {
        res.append_header(header::SET_COOKIE, session_cookie("", 0, cookies));
    }
}
