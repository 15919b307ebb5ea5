//! The gate in front of every `/api/v1` request: preflight, then the one authorization check
//! (`crate::gate::admit`) against the route table `api::ROUTES`. What passes carries its
//! `Caller` to the handler.
//!
//! A plain tower service around the whole `/api/v1` router (not a layer on each of its routes,
//! which axum would box and copy for every request): the hot path pays for one boxed future.

use super::ROUTES;
use crate::AppState;
use crate::gate::{self, Access, Lookup};
use axum::http::Request;
use axum::http::{HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use futures::future::BoxFuture;
use std::convert::Infallible;
use std::task::{Context, Poll};
use tower::{Layer, Service};

static ANY_CREDENTIAL: Access = Access {
    scopes: Vec::new(),
    restricted_tokens: true,
};

const ALLOWED_METHODS: HeaderValue = HeaderValue::from_static("GET, POST, PATCH, DELETE, OPTIONS");

/// Puts the gate in front of `/api/v1`'s routes.
#[derive(Clone)]
pub struct GateLayer(pub AppState);

impl<S> Layer<S> for GateLayer {
    type Service = Gate<S>;

    fn layer(&self, inner: S) -> Gate<S> {
        Gate {
            state: self.0.clone(),
            inner,
        }
    }
}

#[derive(Clone)]
pub struct Gate<S> {
    state: AppState,
    inner: S,
}

impl<S, B> Service<Request<B>> for Gate<S>
where
    S: Service<Request<B>, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        // The inner service that was polled ready goes with this request; a clone stays.
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        let state = self.state.clone();
        Box::pin(async move { Ok(admit_then(state, inner, request).await) })
    }
}

async fn admit_then<S, B>(state: AppState, mut inner: S, mut request: Request<B>) -> Response
where
    S: Service<Request<B>, Response = Response, Error = Infallible>,
{
    if request.method() == Method::OPTIONS {
        return gate::preflight(request.headers().get(header::ORIGIN), ALLOWED_METHODS);
    }
    let peer = match gate::peer(request.extensions()) {
        Ok(peer) => peer,
        Err(err) => return err.into_response(),
    };
    // An unknown endpoint still needs a valid credential to learn that it is unknown.
    let access = match ROUTES.lookup(request.method(), request.uri().path()) {
        Lookup::Found(route) => &route.access,
        Lookup::OtherMethods(_) | Lookup::NoRoute => &ANY_CREDENTIAL,
    };
    match gate::admit(&state, access, request.headers(), peer).await {
        Ok(admitted) => {
            let gate::Admitted {
                caller,
                cors_origin,
                rate_fields,
                client_ip,
            } = admitted;
            let response = if request.method() == Method::GET && request.uri().path() == super::ME {
                // Who is calling: the gate has just found out. Answered here, the hottest
                // request of the API skips the router (and its tracing span, at debug level).
                super::me_answer(&caller)
            } else {
                request.extensions_mut().insert(caller);
                request.extensions_mut().insert(super::ClientIp(client_ip));
                let Ok(response) = inner.call(request).await;
                response
            };
            gate::finish(response, cors_origin.as_ref(), &rate_fields)
        }
        Err(refused) => refused.into_response(),
    }
}
