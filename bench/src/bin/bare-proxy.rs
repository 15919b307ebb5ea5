//! The gateway's baseline: a bare reverse proxy on the same stack (hyper-util's client, axum's
//! server), no authentication; and the upstream both stand in front of.
//!
//! - `bare-proxy upstream ADDR`: answers every request with a small JSON order;
//! - `bare-proxy proxy ADDR UPSTREAM`: passes every request to `http://UPSTREAM`, bodies
//!   streamed, and its answer back.

#![allow(clippy::disallowed_methods)] // a benchmark process is the edge: no Clock of ours

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

type HttpClient = Client<HttpConnector, Body>;

async fn order() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        "{\"id\":\"1\",\"status\":\"shipped\",\"items\":[{\"sku\":\"tea\",\"quantity\":3}]}",
    )
        .into_response()
}

async fn pass(
    State((client, upstream)): State<(HttpClient, String)>,
    request: Request,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let target = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let Ok(uri) = format!("http://{upstream}{target}").parse::<Uri>() else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    parts.uri = uri;
    parts.headers.remove(header::HOST);
    match client.request(Request::from_parts(parts, body)).await {
        Ok(answer) => answer.map(Body::new),
        Err(_) => StatusCode::BAD_GATEWAY.into_response(),
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (router, addr) = match args.as_slice() {
        [mode, addr] if mode == "upstream" => (Router::new().fallback(order), addr.clone()),
        [mode, addr, upstream] if mode == "proxy" => {
            // Configured as the gateway's client is: pooled HTTP/1.1, no Nagle delay.
            let mut connector = HttpConnector::new();
            connector.set_nodelay(true);
            let client = Client::builder(TokioExecutor::new()).build(connector);
            (
                Router::new()
                    .fallback(pass)
                    .with_state((client, upstream.clone())),
                addr.clone(),
            )
        }
        _ => {
            eprintln!("usage: bare-proxy upstream ADDR | bare-proxy proxy ADDR UPSTREAM");
            std::process::exit(2);
        }
    };
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
    axum::serve(listener, router).await.expect("serve");
}
