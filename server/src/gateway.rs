//! The gateway (`PORTCULLIS_GATEWAY_ADDR`, PRODUCT.md §8): a second listener that serves the
//! operator's routes and nothing else. Each request passes the gate, then goes to its route's
//! upstream through hyper's client, bodies streamed both ways.

use crate::AppState;
use crate::api_error::ApiError;
use crate::body_timeout::BodyTimeout;
use crate::gate::{self, Gated, Upstream, identity};
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::uri::{self, PathAndQuery};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::borrow::Cow;
use std::net::SocketAddr;

pub type HttpClient = Client<HttpsConnector<HttpConnector>, Body>;

/// The client the gateway sends with: http and https (the system's CA certificates), HTTP/1.1,
/// pooled connections without Nagle's delay (a request goes out whole at once).
pub fn client() -> Result<HttpClient, String> {
    let mut http = HttpConnector::new();
    http.set_nodelay(true);
    http.enforce_http(false);
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()
        .map_err(|e| format!("cannot load the system's CA certificates: {e}"))?
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    Ok(Client::builder(TokioExecutor::new()).build(https))
}

/// The gateway's service: every request goes to `proxy`, its body with a read timeout.
pub type Gateway = BodyTimeout<Router>;

pub fn service(state: AppState) -> Gateway {
    BodyTimeout::new(
        crate::serve::BODY_READ_TIMEOUT,
        Router::new().fallback(proxy).with_state(state),
    )
}

/// Connection-level headers (RFC 9110 §7.6.1), never passed on.
const HOP_BY_HOP: [HeaderName; 8] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
];

fn drop_hop_by_hop(headers: &mut HeaderMap) {
    if headers.contains_key(header::CONNECTION) {
        drop_connection_named(headers);
    }
    for name in &HOP_BY_HOP {
        headers.remove(name);
    }
}

/// The headers a `Connection` header names are connection-level too.
fn drop_connection_named(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in &named {
        headers.remove(name);
    }
}

/// The upstream's URI for a request: the route's scheme and authority with the request's path
/// (`rewritten` when normalization changed it) and query. A path normalization left as it was
/// is passed on without a copy.
fn upstream_uri(upstream: &Upstream, original: &Uri, rewritten: Option<&str>) -> Option<Uri> {
    let path_and_query = match (rewritten, original.path_and_query()) {
        (None, Some(unchanged)) => unchanged.clone(),
        (path, _) => {
            let path = path.unwrap_or(original.path());
            let text = match original.query() {
                Some(query) => format!("{path}?{query}"),
                None => path.to_string(),
            };
            PathAndQuery::try_from(text).ok()?
        }
    };
    let mut parts = uri::Parts::default();
    parts.scheme = Some(upstream.base.scheme()?.clone());
    parts.authority = Some(upstream.base.authority()?.clone());
    parts.path_and_query = Some(path_and_query);
    Uri::from_parts(parts).ok()
}

async fn proxy(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let (mut parts, body) = request.into_parts();
    if parts.uri.scheme().is_some() || parts.uri.authority().is_some() {
        return ApiError::bad_request("absolute-form request targets are not accepted")
            .into_response();
    }
    let path = match gate::path::normalize(parts.uri.path()) {
        Ok(path) => path,
        Err(why) => return ApiError::bad_request(why).into_response(),
    };
    let gated = gate::decide(
        &state,
        &state.operator.routes,
        &parts.method,
        &path,
        &parts.headers,
        peer.ip(),
    )
    .await;
    let (route, admitted) = match gated {
        Err(refused) => return refused,
        Ok(Gated::Preflight(answer)) => return answer,
        Ok(Gated::Admitted(route, admitted)) => (route, admitted),
    };
    let (Some(upstream), Some(client)) = (&route.target, &state.gateway_client) else {
        return ApiError::bad_gateway("this route has no upstream").into_response();
    };
    let rewritten = match &path {
        Cow::Owned(changed) => Some(changed.as_str()),
        Cow::Borrowed(_) => None,
    };
    let Some(uri) = upstream_uri(upstream, &parts.uri, rewritten) else {
        return ApiError::bad_request("the request target cannot be passed on").into_response();
    };
    let headers = &mut parts.headers;
    let host = headers.remove(header::HOST);
    drop_hop_by_hop(headers);
    identity::strip_client_claims(headers);
    if !upstream.forward_authorization {
        headers.remove(header::AUTHORIZATION);
    }
    // The three X-Forwarded-* and five identity headers go in next: one growth at most.
    headers.reserve(8);
    forwarded_headers(headers, &state, peer, host);
    for (name, value) in identity::headers_of(&admitted.caller) {
        headers.insert(name, value);
    }
    parts.uri = uri;
    parts.version = http::Version::HTTP_11;
    let outgoing = axum::http::Request::from_parts(parts, body);
    let answer = match tokio::time::timeout(upstream.timeout, client.request(outgoing)).await {
        Err(_) => {
            return admitted.finish(
                ApiError::gateway_timeout("the upstream did not answer in time").into_response(),
            );
        }
        Ok(Err(err)) => {
            tracing::warn!(error = %err, upstream = %upstream.base, "gateway: upstream unreachable");
            return admitted.finish(
                ApiError::bad_gateway("the upstream could not be reached or answered garbage")
                    .into_response(),
            );
        }
        Ok(Ok(answer)) => answer,
    };
    let (mut answer_parts, answer_body) = answer.into_parts();
    drop_hop_by_hop(&mut answer_parts.headers);
    let response = Response::from_parts(answer_parts, Body::new(answer_body));
    admitted.finish(response)
}

/// `X-Forwarded-For` (the chain a trusted proxy sent, plus the peer; otherwise the peer alone),
/// `X-Forwarded-Proto` and `X-Forwarded-Host`.
fn forwarded_headers(
    headers: &mut HeaderMap,
    state: &AppState,
    peer: SocketAddr,
    host: Option<HeaderValue>,
) {
    let xff = HeaderName::from_static("x-forwarded-for");
    let proto = HeaderName::from_static("x-forwarded-proto");
    let fwd_host = HeaderName::from_static("x-forwarded-host");
    let peer_ip = peer.ip().to_canonical();
    let trusted = state.trusted_proxies.contains(peer_ip);
    let chain = if trusted {
        let before: Vec<&str> = headers
            .get_all(&xff)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let mut chain = before.join(", ");
        if !chain.is_empty() {
            chain.push_str(", ");
        }
        chain.push_str(&peer_ip.to_string());
        chain
    } else {
        peer_ip.to_string()
    };
    let kept_proto = trusted
        .then(|| headers.get(&proto).cloned())
        .flatten()
        .filter(|v| v == "http" || v == "https");
    let kept_host = trusted.then(|| headers.get(&fwd_host).cloned()).flatten();
    headers.remove(&xff);
    headers.remove(&proto);
    headers.remove(&fwd_host);
    if let Ok(chain) = HeaderValue::try_from(chain) {
        headers.insert(xff, chain);
    }
    headers.insert(
        proto,
        kept_proto.unwrap_or(HeaderValue::from_static("http")),
    );
    if let Some(host) = kept_host.or(host) {
        headers.insert(fwd_host, host);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop_headers_go_and_so_do_those_connection_names() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONNECTION,
            HeaderValue::from_static("close, x-secret"),
        );
        headers.insert("x-secret", HeaderValue::from_static("1"));
        headers.insert(header::TE, HeaderValue::from_static("trailers"));
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        drop_hop_by_hop(&mut headers);
        assert_eq!(headers.len(), 1);
        assert!(headers.contains_key(header::CONTENT_TYPE));
    }

    fn upstream() -> Upstream {
        Upstream {
            base: Uri::from_static("http://127.0.0.1:9000"),
            timeout: std::time::Duration::from_secs(1),
            forward_authorization: false,
        }
    }

    #[test]
    fn the_upstream_gets_the_normalized_path_and_the_query() {
        let original = Uri::from_static("/orders/1?x=%20y&z");
        let uri = upstream_uri(&upstream(), &original, None).unwrap();
        assert_eq!(uri, "http://127.0.0.1:9000/orders/1?x=%20y&z");
        let original = Uri::from_static("/%6Frders/1?x=1");
        let uri = upstream_uri(&upstream(), &original, Some("/orders/1")).unwrap();
        assert_eq!(uri, "http://127.0.0.1:9000/orders/1?x=1");
        let original = Uri::from_static("/%6Frders/1");
        let uri = upstream_uri(&upstream(), &original, Some("/orders/1")).unwrap();
        assert_eq!(uri, "http://127.0.0.1:9000/orders/1");
    }
}
