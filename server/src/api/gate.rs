//! The gate in front of every `/api/v1` request: preflight, then the one authorization check
//! (`crate::gate::admit`) against the route table `api::ROUTES`. What passes carries its
//! `Caller` to the handler.

use super::ROUTES;
use crate::AppState;
use crate::gate::{self, Access, Lookup};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;

static ANY_CREDENTIAL: Access = Access {
    scopes: Vec::new(),
    restricted_tokens: true,
};

const ALLOWED_METHODS: HeaderValue = HeaderValue::from_static("GET, POST, PATCH, DELETE, OPTIONS");

pub async fn gate(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut request: Request,
    next: Next,
) -> Response {
    if request.method() == Method::OPTIONS {
        return gate::preflight(request.headers().get(header::ORIGIN), ALLOWED_METHODS);
    }
    // An unknown endpoint still needs a valid credential to learn that it is unknown.
    let access = match ROUTES.lookup(request.method(), request.uri().path()) {
        Lookup::Found(route) => &route.access,
        Lookup::OtherMethods(_) | Lookup::NoRoute => &ANY_CREDENTIAL,
    };
    let admitted = gate::admit(&state, access, request.headers(), peer.ip()).await;
    match admitted {
        Ok(admitted) => {
            let gate::Admitted {
                caller,
                cors_origin,
                rate_fields,
                client_ip,
            } = admitted;
            request.extensions_mut().insert(caller);
            request.extensions_mut().insert(super::ClientIp(client_ip));
            gate::finish(next.run(request).await, cors_origin.as_ref(), &rate_fields)
        }
        Err(refused) => refused.into_response(),
    }
}
