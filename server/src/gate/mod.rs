//! The gate (PRODUCT.md §6, §8): one authorization check over a route table, for Portcullis's
//! own `/api/v1`, the gateway and `/gate/check` alike. It reads the bearer value, finds the
//! caller, then applies the IP allow-list of Restricted Access Tokens, the allowed origins of
//! API Clients, the route's Restricted-Access-Token rule and its scopes.

pub mod answers;
pub mod identity;
pub mod limits;
pub mod path;
pub mod route;

pub use route::{Access, Lookup, PathPattern, Route, RouteTable, Upstream};

use crate::AppState;
use crate::api_error::ApiError;
use crate::client_ip::client_ip;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::credentials::AllowedOrigin;
use services::limiter::LimitDecision;
use services::{BearerError, Caller};
use std::net::IpAddr;

pub const ALLOWED_HEADERS: &str = "Authorization, Content-Type";

/// A caller the route admits, and the origin its answer may carry.
pub struct Admitted {
    pub caller: Caller,
    pub cors_origin: Option<HeaderValue>,
    /// The `RateLimit` fields of a limited credential.
    pub rate_fields: Vec<(axum::http::HeaderName, HeaderValue)>,
    /// Where the request comes from, as the trusted proxies say.
    pub client_ip: Option<IpAddr>,
}

impl Admitted {
    /// The answer to an admitted request, whoever made it (handler or upstream): the CORS
    /// headers and the `RateLimit` fields.
    pub fn finish(&self, response: Response) -> Response {
        finish(response, self.cors_origin.as_ref(), &self.rate_fields)
    }
}

/// `Admitted::finish` for an admission taken apart.
pub fn finish(
    mut response: Response,
    cors_origin: Option<&HeaderValue>,
    rate_fields: &[(axum::http::HeaderName, HeaderValue)],
) -> Response {
    for (name, value) in rate_fields {
        response.headers_mut().insert(name.clone(), value.clone());
    }
    with_cors(response, cors_origin)
}

/// A refusal, and the origin it may carry: a browser app must be able to read why its token
/// was refused (these answers reveal nothing about any credential), except when its origin is
/// the reason.
pub struct Refused {
    pub error: ApiError,
    pub cors_origin: Option<HeaderValue>,
}

impl Refused {
    fn new(error: ApiError, cors_origin: Option<&HeaderValue>) -> Self {
        Refused {
            error,
            cors_origin: cors_origin.cloned(),
        }
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        with_cors(self.error.into_response(), self.cors_origin.as_ref())
    }
}

/// The address of the peer, which every listener puts in each request
/// (`serve::PerConnection`). Without it no IP rule could be checked: a logged 500.
pub fn peer(extensions: &axum::http::Extensions) -> Result<IpAddr, ApiError> {
    match extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>() {
        Some(axum::extract::ConnectInfo(peer)) => Ok(peer.ip()),
        None => {
            tracing::error!("request without its peer address");
            Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "the server could not tell where the request came from",
            ))
        }
    }
}

/// `Some(Ok(token))` for `Bearer <token>`, `Some(Err)` for a malformed Bearer header, `None`
/// when there is no Bearer credential at all.
pub fn bearer(headers: &HeaderMap) -> Option<Result<&str, ()>> {
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

/// The caller behind the request's bearer value at `now`.
pub async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    now: i64,
) -> Result<Caller, ApiError> {
    let token = match bearer(headers) {
        None => return Err(ApiError::unauthorized(None, "an access token is required")),
        Some(Err(())) => {
            return Err(ApiError::invalid_token(
                "the Authorization header is malformed",
            ));
        }
        Some(Ok(token)) => token,
    };
    match state.services.authenticate_bearer(token, now).await {
        Ok(caller) => Ok(caller),
        Err(BearerError::InvalidToken) => Err(ApiError::invalid_token(
            "the access token is invalid, expired or revoked",
        )),
        Err(BearerError::Service(e)) => Err(ApiError::from(e)),
    }
}

/// The one authorization check: may the request's credential, from `peer` (or the client a
/// trusted proxy names), call a route with `access`? Every request that authenticates is
/// counted in the credential's usage, let through or refused.
pub async fn admit(
    state: &AppState,
    access: &Access,
    headers: &HeaderMap,
    peer: IpAddr,
) -> Result<Admitted, Refused> {
    let origin = headers.get(header::ORIGIN);
    let now = state.services.now();
    let caller = authenticate(state, headers, now)
        .await
        .map_err(|e| Refused::new(e, origin))?;
    let from = client_ip(peer, headers, &state.trusted_proxies);
    let decided = check(state, access, &caller, origin, from, now);
    state
        .services
        .record_use(caller.credential_id(), decided.is_ok(), now, from);
    let rate_fields = decided?;
    Ok(Admitted {
        caller,
        cors_origin: origin.cloned(),
        rate_fields,
        client_ip: from,
    })
}

/// What `admit` decides once the caller is known: its limits first (every authenticated
/// request counts against them), then the IP allow-list, the route's rule for Restricted
/// Access Tokens, allowed origins and scopes. Answers the `RateLimit` fields. (The refusal is
/// `admit`'s own, returned one frame up: boxing it would only add an allocation.)
#[allow(clippy::result_large_err)]
fn check(
    state: &AppState,
    access: &Access,
    caller: &Caller,
    origin: Option<&HeaderValue>,
    from: Option<IpAddr>,
    now: i64,
) -> Result<Vec<(axum::http::HeaderName, HeaderValue)>, Refused> {
    let rate_fields = match state.services.check_limits(caller, now) {
        None => Vec::new(),
        Some(LimitDecision::Allowed(states)) => limits::fields(&states),
        Some(LimitDecision::Refused(by, states)) => {
            return Err(Refused::new(limits::refusal(&by, &states), origin));
        }
    };
    match caller {
        Caller::RestrictedToken { token } => {
            if !from.is_some_and(|ip| token.allowed_ips.allows(ip)) {
                let refused = ApiError::forbidden(
                    "ip_not_allowed",
                    "this token may not be used from this address",
                );
                return Err(Refused::new(refused, origin));
            }
            if !access.restricted_tokens {
                let refused = ApiError::insufficient_scope(
                    None,
                    "Restricted Access Tokens may not call this endpoint",
                );
                return Err(Refused::new(refused, origin));
            }
        }
        Caller::ApiClient { client, .. } => {
            if let Some(origin) = origin
                && !origin_allowed(origin, &client.allowed_origins)
            {
                let refused = ApiError::forbidden(
                    "origin_not_allowed",
                    "this origin is not among the API Client's Allowed Origins",
                );
                return Err(Refused::new(refused, None));
            }
            if let Some(missing) = access.scopes.iter().find(|s| !caller.has_scope(s)) {
                let refused = ApiError::insufficient_scope(
                    Some(missing),
                    format!("this endpoint needs the scope {missing}"),
                );
                return Err(Refused::new(refused, origin));
            }
        }
    }
    Ok(rate_fields)
}

/// What the gate makes of a request to a table's route.
pub enum Gated<'a, T> {
    /// A preflight: its answer.
    Preflight(Response),
    Admitted(&'a Route<T>, Admitted),
}

/// The gateway's and `/gate/check`'s decision for `method` on a normalized `path`: 404 for a
/// path or method no route has, the preflight answer for `OPTIONS` on a known path, else the
/// one authorization check against the route.
pub async fn decide<'a, T>(
    state: &AppState,
    table: &'a RouteTable<T>,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    peer: IpAddr,
) -> Result<Gated<'a, T>, Response> {
    let origin = headers.get(header::ORIGIN);
    match table.lookup(method, path) {
        Lookup::Found(route) => admit(state, &route.access, headers, peer)
            .await
            .map(|admitted| Gated::Admitted(route, admitted))
            .map_err(IntoResponse::into_response),
        Lookup::OtherMethods(routes) if *method == Method::OPTIONS => {
            Ok(Gated::Preflight(preflight(origin, methods_of(routes))))
        }
        Lookup::OtherMethods(_) | Lookup::NoRoute => Err(with_cors(
            ApiError::not_found("no route for this method and path").into_response(),
            origin,
        )),
    }
}

/// Whether a request's `Origin` is among an API Client's allowed origins (normalized, as
/// stored). Browsers send the normalized form, so an exact match decides most requests without
/// parsing; normalizing is a fixed point (`fuzz_origins_normalize_to_a_fixed_point`), so the
/// shortcut answers what parsing would.
pub fn origin_allowed(origin: &HeaderValue, allowed: &[String]) -> bool {
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    allowed.iter().any(|a| a == origin)
        || AllowedOrigin::parse(origin).is_ok_and(|o| allowed.iter().any(|a| a == o.as_str()))
}

/// Every gated answer passes here: `Vary: Origin`, `nosniff`, and the CORS headers.
pub fn with_cors(mut response: Response, origin: Option<&HeaderValue>) -> Response {
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

/// A preflight carries no credentials: 204 for any origin; the real request decides.
pub fn preflight(origin: Option<&HeaderValue>, methods: HeaderValue) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, methods);
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

/// The `Access-Control-Allow-Methods` of the routes at one path.
pub fn methods_of<'a, T: 'a>(routes: impl IntoIterator<Item = &'a Route<T>>) -> HeaderValue {
    let mut names: Vec<&str> = Vec::new();
    for route in routes {
        for method in &route.methods {
            if !names.contains(&method.as_str()) {
                names.push(method.as_str());
            }
        }
    }
    names.push("OPTIONS");
    HeaderValue::from_str(&names.join(", ")).unwrap_or(HeaderValue::from_static("OPTIONS"))
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let exact = HeaderValue::from_static("https://app.example.com");
        assert!(origin_allowed(&exact, &allowed));
        for other in [
            "https://app.example.com.evil.example",
            "http://app.example.com",
        ] {
            assert!(!origin_allowed(&HeaderValue::from_static(other), &allowed));
        }
        assert!(!origin_allowed(&HeaderValue::from_static("null"), &allowed));
        assert!(!origin_allowed(
            &HeaderValue::from_static("https://evil.example.com"),
            &allowed
        ));
    }
}
