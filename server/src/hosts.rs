//! The `Host` check (PRODUCT.md §11): the main listener answers only for the issuer's host, the
//! address it listens on, loopback names and IP literals, and the names of
//! `PORTCULLIS_ALLOWED_HOSTS`. A page on another name whose DNS points here (DNS rebinding)
//! is refused with 421 before anything else runs, so it can neither claim `/setup` of a fresh
//! instance nor read the console.
//!
//! An IP literal cannot be rebound (its origin is the address itself), and `localhost` is
//! never resolved elsewhere by browsers; both keep health checks and local use working.
//! `/gate/check` is exempt: proxies ask it with the guarded API's own `Host`.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::future::{Either, Ready, ready};
use std::sync::Arc;
use std::task::{Context, Poll};
use tower::{Layer, Service};

/// The names this instance answers for (lower case, without port or trailing dot).
#[derive(Clone, Debug)]
pub struct AllowedHosts(Arc<Vec<String>>);

impl AllowedHosts {
    /// The issuer's host and the extra names; IP literals and `localhost` always pass.
    pub fn new(issuer: &str, extra: &[String]) -> AllowedHosts {
        let issuer_host = issuer
            .split_once("://")
            .map_or(issuer, |(_, rest)| rest)
            .split(['/', '?', '#'])
            .next()
            .unwrap_or_default();
        let names = std::iter::once(issuer_host)
            .chain(extra.iter().map(String::as_str))
            .filter_map(|authority| match host_of(authority)? {
                Host::Name(name) if !name.is_empty() => Some(name.to_ascii_lowercase()),
                _ => None,
            })
            .collect();
        AllowedHosts(Arc::new(names))
    }

    /// Whether a request with this `Host` (or `:authority`) is for this instance.
    pub fn allows(&self, authority: &str) -> bool {
        match host_of(authority) {
            None => false,
            Some(Host::Bracketed(inside)) => inside.parse::<std::net::Ipv6Addr>().is_ok(),
            Some(Host::Name(name)) => {
                let is = |other: &str| name.eq_ignore_ascii_case(other);
                // The issuer's name first: nearly every request names it.
                self.0.iter().any(|allowed| is(allowed))
                    || is("localhost")
                    || name.len() > ".localhost".len()
                        && name[name.len() - ".localhost".len()..]
                            .eq_ignore_ascii_case(".localhost")
                    || name.parse::<std::net::Ipv4Addr>().is_ok()
            }
        }
    }
}

/// A host named in an authority (`host[:port]`), borrowed from it: on every request, so it
/// does not allocate.
enum Host<'a> {
    /// What was inside `[…]`.
    Bracketed(&'a str),
    /// A name or an IPv4 address, without a trailing dot (compare ignoring case).
    Name(&'a str),
}

/// The host of `host[:port]`; `None` when it holds anything a host name cannot.
fn host_of(authority: &str) -> Option<Host<'_>> {
    let authority = authority.trim();
    if let Some(v6) = authority.strip_prefix('[') {
        let (inside, after) = v6.split_once(']')?;
        if !(after.is_empty() || is_port(after.strip_prefix(':')?)) {
            return None;
        }
        return Some(Host::Bracketed(inside));
    }
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if is_port(port) => host,
        Some(_) => return None,
        None => authority,
    };
    let ok = host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_');
    ok.then(|| Host::Name(host.trim_end_matches('.')))
}

fn is_port(port: &str) -> bool {
    !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit())
}

/// The layer that puts `CheckHosts` in front of a service.
#[derive(Clone, Debug)]
pub struct CheckHostsLayer(pub AllowedHosts);

impl<S> Layer<S> for CheckHostsLayer {
    type Service = CheckHosts<S>;

    fn layer(&self, inner: S) -> CheckHosts<S> {
        CheckHosts {
            allowed: self.0.clone(),
            inner,
        }
    }
}

/// Refuses requests for other hosts with 421, and requests without a host with 400. It runs
/// on every request, the hot paths included, so it is a plain service: no boxed future, no
/// copy of the inner service per request (as `middleware::from_fn` makes).
#[derive(Clone, Debug)]
pub struct CheckHosts<S> {
    allowed: AllowedHosts,
    inner: S,
}

impl<S> Service<Request> for CheckHosts<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Either<Ready<Result<Response, S::Error>>, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        match self.allowed.refuse(&request) {
            Some(refused) => Either::Left(ready(Ok(refused))),
            None => Either::Right(self.inner.call(request)),
        }
    }
}

impl AllowedHosts {
    /// The answer to a request for another host, or without one; `None` lets it through.
    fn refuse(&self, request: &Request) -> Option<Response> {
        if request.uri().path() == crate::forward_auth::PATH {
            return None;
        }
        let authority = request.uri().authority().map(|a| a.as_str()).or_else(|| {
            request
                .headers()
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
        });
        match authority {
            Some(authority) if self.allows(authority) => None,
            Some(_) => {
                tracing::warn!("request for another host refused");
                Some(refusal(
                    StatusCode::MISDIRECTED_REQUEST,
                    "This Portcullis instance does not answer for this host name. Use the \
                     issuer's address, or add the name to PORTCULLIS_ALLOWED_HOSTS.\n",
                ))
            }
            None => Some(refusal(
                StatusCode::BAD_REQUEST,
                "The request has no Host header.\n",
            )),
        }
    }
}

fn refusal(status: StatusCode, message: &'static str) -> Response {
    let mut response = (status, message).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issuer_loopback_and_literals_pass_other_names_do_not() {
        let allowed = AllowedHosts::new(
            "https://Auth.Example.com/base",
            &["portcullis.internal:3000".into()],
        );
        for ok in [
            "auth.example.com",
            "AUTH.example.com.:443",
            "auth.example.com:8443",
            "portcullis.internal",
            "localhost:3000",
            "127.0.0.1:3000",
            "10.1.2.3",
            "[::1]:3000",
            "[fe80::1]",
        ] {
            assert!(allowed.allows(ok), "{ok}");
        }
        for refused in [
            "rebind.example",
            "rebind.example:3000",
            "auth.example.com.rebind.example",
            "127.0.0.1.nip.io",
            "",
            "auth.example.com:port",
            "auth.example.com@evil",
            "[::1",
            "[::1]x",
            "a b",
        ] {
            assert!(!allowed.allows(refused), "{refused}");
        }
    }
}
