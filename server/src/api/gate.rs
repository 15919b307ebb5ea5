//! The gate in front of every `/api/v1` request: preflight, then the one authorization check
//! (`crate::gate::admit`) against the route table `api::ROUTES`. What passes carries its
//! `Caller` to the handler.

use super::ROUTES;
use crate::AppState;
use crate::gate::{self, Lookup, Refused};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;

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
    let admitted = match ROUTES.lookup(request.method(), request.uri().path()) {
        Lookup::Found(route) => {
            gate::admit(&state, &route.access, request.headers(), peer.ip()).await
        }
        // An unknown endpoint: a credential is still needed to learn that it is unknown.
        Lookup::OtherMethods(_) | Lookup::NoRoute => {
            let origin = request.headers().get(header::ORIGIN).cloned();
            match gate::authenticate(&state, request.headers()).await {
                Ok(caller) => Ok(gate::Admitted {
                    caller,
                    cors_origin: origin,
                }),
                Err(error) => Err(Refused {
                    error,
                    cors_origin: origin,
                }),
            }
        }
    };
    match admitted {
        Ok(admitted) => {
            request.extensions_mut().insert(admitted.caller);
            gate::with_cors(next.run(request).await, admitted.cors_origin.as_ref())
        }
        Err(refused) => refused.into_response(),
    }
}
