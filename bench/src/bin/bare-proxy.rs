//! The gateway's baselines: reverse proxies on the same stack (hyper-util's client, axum) with
//! no authentication; and the upstream they all stand in front of.
//!
//! - `bare-proxy upstream ADDR`: answers every request with a small JSON order;
//! - `bare-proxy proxy ADDR UPSTREAM`: a reverse proxy as one would deploy it, doing what the
//!   gateway does besides authentication: served with the same connection timeouts as
//!   Portcullis's listeners (request header, idle keep-alive, request body), a timeout on the
//!   upstream's answer, hop-by-hop headers dropped (RFC 9110 §7.6.1) and `X-Forwarded-For`,
//!   `-Proto` and `-Host` added;
//! - `bare-proxy minimal ADDR UPSTREAM`: the least a proxy can do: the request passed on with
//!   its `Host` dropped, served by `axum::serve` with no timeouts at all.
//!
//! Both proxies stream bodies both ways.

#![allow(clippy::disallowed_methods)] // a benchmark process is the edge: no Clock of ours

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::uri::{self, Authority, PathAndQuery, Scheme};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use std::net::SocketAddr;
use std::time::Duration;
use tower::Service;
use tower_http::timeout::RequestBodyTimeoutLayer;

/// The allocator of the `portcullis` binary, as the other baseline (`baseline.rs`) says why:
/// the proxies compare what their code does, not two allocators.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

type HttpClient = Client<HttpConnector, Body>;

/// Portcullis's defaults: `PORTCULLIS_HEADER_TIMEOUT`, the body timeout, a route's `timeout`.
const HEADER_READ: Duration = Duration::from_secs(10);
const BODY_READ: Duration = Duration::from_secs(30);
const UPSTREAM_ANSWER: Duration = Duration::from_secs(30);

async fn order() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        "{\"id\":\"1\",\"status\":\"shipped\",\"items\":[{\"sku\":\"tea\",\"quantity\":3}]}",
    )
        .into_response()
}

#[derive(Clone)]
struct Proxy {
    client: HttpClient,
    upstream: Authority,
}

impl Proxy {
    fn new(upstream: &str) -> Self {
        let upstream = upstream
            .parse()
            .unwrap_or_else(|e| panic!("upstream {upstream}: {e}"));
        // Configured as the gateway's client is: pooled HTTP/1.1, no Nagle delay.
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        Proxy {
            client: Client::builder(TokioExecutor::new()).build(connector),
            upstream,
        }
    }

    /// The upstream's URI: its authority with the request's own path and query, not copied.
    fn target(&self, uri: &Uri) -> Option<Uri> {
        let mut parts = uri::Parts::default();
        parts.scheme = Some(Scheme::HTTP);
        parts.authority = Some(self.upstream.clone());
        parts.path_and_query = Some(
            uri.path_and_query()
                .cloned()
                .unwrap_or(PathAndQuery::from_static("/")),
        );
        Uri::from_parts(parts).ok()
    }
}

async fn minimal(State(proxy): State<Proxy>, request: Request) -> Response {
    let (mut parts, body) = request.into_parts();
    let Some(uri) = proxy.target(&parts.uri) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    parts.uri = uri;
    parts.headers.remove(header::HOST);
    match proxy.client.request(Request::from_parts(parts, body)).await {
        Ok(answer) => answer.map(Body::new),
        Err(_) => StatusCode::BAD_GATEWAY.into_response(),
    }
}

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

/// Drops the hop-by-hop headers and those a `Connection` header names (no allocation when
/// there is none: the baseline must not do more work than the gateway does).
fn drop_hop_by_hop(headers: &mut HeaderMap) {
    if headers.contains_key(header::CONNECTION) {
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
    for name in &HOP_BY_HOP {
        headers.remove(name);
    }
}

async fn proxy(
    State(proxy): State<Proxy>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let Some(uri) = proxy.target(&parts.uri) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    parts.uri = uri;
    let headers = &mut parts.headers;
    let host = headers.remove(header::HOST);
    drop_hop_by_hop(headers);
    if let Ok(peer) = HeaderValue::try_from(peer.ip().to_string()) {
        headers.insert("x-forwarded-for", peer);
    }
    headers.insert("x-forwarded-proto", HeaderValue::from_static("http"));
    if let Some(host) = host {
        headers.insert("x-forwarded-host", host);
    }
    let outgoing = Request::from_parts(parts, body);
    match tokio::time::timeout(UPSTREAM_ANSWER, proxy.client.request(outgoing)).await {
        Ok(Ok(answer)) => {
            let (mut parts, body) = answer.into_parts();
            drop_hop_by_hop(&mut parts.headers);
            Response::from_parts(parts, Body::new(body))
        }
        Ok(Err(_)) => StatusCode::BAD_GATEWAY.into_response(),
        Err(_) => StatusCode::GATEWAY_TIMEOUT.into_response(),
    }
}

/// Serves `proxy` as Portcullis serves its listeners: hyper-util's connection builder with a
/// timer for the request header and idle keep-alive, the peer's address as `ConnectInfo`, no
/// Nagle delay.
async fn serve_with_timeouts(listener: tokio::net::TcpListener, state: Proxy) {
    let app = Router::new()
        .fallback(proxy)
        .layer(RequestBodyTimeoutLayer::new(BODY_READ))
        .with_state(state);
    let mut make_service = app.into_make_service_with_connect_info::<SocketAddr>();
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ);
    loop {
        let Ok((stream, peer)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let Ok(service) = make_service.call(peer).await;
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service))
            .into_owned();
        tokio::spawn(async move {
            let _ = connection.await;
        });
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let listen = |addr: &str| {
        let addr = addr.to_string();
        async move {
            tokio::net::TcpListener::bind(&addr)
                .await
                .unwrap_or_else(|e| panic!("bind {addr}: {e}"))
        }
    };
    match args.as_slice() {
        [mode, addr] if mode == "upstream" => {
            let router = Router::new().fallback(order);
            axum::serve(listen(addr).await, router)
                .await
                .expect("serve");
        }
        [mode, addr, upstream] if mode == "minimal" => {
            let router = Router::new()
                .fallback(minimal)
                .with_state(Proxy::new(upstream));
            axum::serve(listen(addr).await, router)
                .await
                .expect("serve");
        }
        [mode, addr, upstream] if mode == "proxy" => {
            serve_with_timeouts(listen(addr).await, Proxy::new(upstream)).await;
        }
        _ => {
            eprintln!(
                "usage: bare-proxy upstream ADDR | bare-proxy proxy ADDR UPSTREAM | bare-proxy minimal ADDR UPSTREAM"
            );
            std::process::exit(2);
        }
    }
}
