//! `/gate/check`: forward-auth for a proxy the operator already runs (nginx `auth_request`,
//! Caddy `forward_auth`, Traefik `forwardAuth`, Envoy `ext_authz`; PRODUCT.md §8). The original
//! request comes in `X-Forwarded-Method`/`X-Forwarded-Uri` (Caddy, Traefik, Envoy as
//! configured) or `X-Original-Method`/`X-Original-URI` (nginx). The answer is the gateway's
//! decision: 200 with the identity headers, or the refusal the gateway would send.

use crate::AppState;
use crate::api_error::ApiError;
use crate::gate::answers::{self, TokenAnswers};
use crate::gate::{self, Gated};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, Method, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::future::BoxFuture;
use std::borrow::Cow;
use std::convert::Infallible;
use std::task::{Context, Poll};

pub const PATH: &str = "/gate/check";

const METHOD_HEADERS: [HeaderName; 2] = [
    HeaderName::from_static("x-forwarded-method"),
    HeaderName::from_static("x-original-method"),
];
const URI_HEADERS: [HeaderName; 2] = [
    HeaderName::from_static("x-forwarded-uri"),
    HeaderName::from_static("x-original-uri"),
];

fn forwarded<'h>(headers: &'h HeaderMap, names: &[HeaderName]) -> Result<Option<&'h str>, ()> {
    for name in names {
        let mut values = headers.get_all(name).iter();
        if let Some(value) = values.next() {
            if values.next().is_some() {
                return Err(());
            }
            return value.to_str().map(Some).map_err(|_| ());
        }
    }
    Ok(None)
}

/// The original method and normalized path, or why they cannot be read.
fn original(headers: &HeaderMap) -> Result<(Method, Cow<'_, str>), ApiError> {
    let method = forwarded(headers, &METHOD_HEADERS)
        .map_err(|()| ApiError::bad_request("the forwarded method is repeated or not text"))?
        .ok_or_else(|| {
            ApiError::bad_request("X-Forwarded-Method (or X-Original-Method) is missing")
        })?;
    let method = Method::from_bytes(method.trim().as_bytes())
        .map_err(|_| ApiError::bad_request("the forwarded method is not an HTTP method"))?;
    let uri = forwarded(headers, &URI_HEADERS)
        .map_err(|()| ApiError::bad_request("the forwarded URI is repeated or not text"))?
        .ok_or_else(|| ApiError::bad_request("X-Forwarded-Uri (or X-Original-URI) is missing"))?;
    if !uri.starts_with('/') {
        return Err(ApiError::bad_request(
            "the forwarded URI must be a path (origin-form), not an absolute URL",
        ));
    }
    let path = uri.split(['?', '#']).next().unwrap_or_default();
    let path = gate::path::normalize(path).map_err(ApiError::bad_request)?;
    Ok((method, path))
}

/// `/gate/check` as a service of its own, chosen by path before any router
/// (`routes::Parts`): it is a hot path, and axum's routing was a tenth of its work.
#[derive(Clone)]
pub struct Check(pub AppState);

impl<B> tower::Service<Request<B>> for Check {
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let state = self.0.clone();
        // Only the headers are read: the body (a proxy sends none) is dropped here.
        let (parts, _) = request.into_parts();
        Box::pin(async move { Ok(check(state, parts).await) })
    }
}

async fn check(state: AppState, request: Parts) -> Response {
    let peer = match gate::peer(&request.extensions) {
        Ok(peer) => peer,
        Err(err) => return err.into_response(),
    };
    let headers = &request.headers;
    let (method, path) = match original(headers) {
        Ok(found) => found,
        Err(refused) => return refused.into_response(),
    };
    let gated = gate::decide(
        &state,
        &state.operator.routes,
        &method,
        &path,
        headers,
        peer,
    )
    .await;
    match gated {
        Err(refused) => refused,
        Ok(Gated::Preflight(answer)) => answer,
        Ok(Gated::Admitted(_, admitted)) => {
            let mut response = StatusCode::OK.into_response();
            // A token's identity headers are made once; a copy of the map is cheaper than
            // filling a new one (each insert hashes its name).
            *response.headers_mut() = match TokenAnswers::of(&admitted.caller) {
                Some(answers) => answers.identity.clone(),
                None => answers::identity_map(&admitted.caller),
            };
            admitted.finish(response)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn asked(pairs: &[(&'static str, &'static str)]) -> Result<(Method, String), String> {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, HeaderValue::from_static(value));
        }
        original(&headers)
            .map(|(method, path)| (method, path.into_owned()))
            .map_err(|e| e.body().error_description.clone())
    }

    #[test]
    fn the_original_request_is_read_from_either_convention() {
        assert_eq!(
            asked(&[
                ("x-forwarded-method", "GET"),
                ("x-forwarded-uri", "/orders/1?x=y")
            ]),
            Ok((Method::GET, "/orders/1".into()))
        );
        assert_eq!(
            asked(&[
                ("x-original-method", "POST"),
                ("x-original-uri", "/%6Frders")
            ]),
            Ok((Method::POST, "/orders".into()))
        );
    }

    #[test]
    fn malformed_originals_are_refused() {
        let bad: [&[(&'static str, &'static str)]; 7] = [
            &[("x-forwarded-uri", "/a")],
            &[("x-forwarded-method", "GET")],
            &[("x-forwarded-method", "G T"), ("x-forwarded-uri", "/a")],
            &[
                ("x-forwarded-method", "GET"),
                ("x-forwarded-uri", "http://evil/a"),
            ],
            &[
                ("x-forwarded-method", "GET"),
                ("x-forwarded-uri", "/a/../admin"),
            ],
            &[
                ("x-forwarded-method", "GET"),
                ("x-forwarded-uri", "/a%2f.."),
            ],
            &[
                ("x-forwarded-method", "GET"),
                ("x-forwarded-uri", "/a"),
                ("x-forwarded-uri", "/b"),
            ],
        ];
        for pairs in bad {
            assert!(asked(pairs).is_err(), "{pairs:?}");
        }
    }
}
