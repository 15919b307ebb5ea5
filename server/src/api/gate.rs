//! The gate in front of every `/api/v1` request: preflight, then the one authorization check
//! (`crate::gate::admit`) against the route table (`api::table`), then the route's handler,
//! which gets the admitted `Caller`. One lookup decides both who may call and what answers.

use super::extract::Routed;
use super::table::V1;
use crate::AppState;
use crate::api_error::ApiError;
use crate::gate::{self, Access, Lookup};
use axum::body::{Body, Bytes, HttpBody};
use axum::http::{Method, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::future::BoxFuture;
use std::convert::Infallible;
use std::task::{Context, Poll};
use tower::Service;

static ANY_CREDENTIAL: Access = Access {
    scopes: Vec::new(),
    restricted_tokens: true,
};

/// `/api/v1` as one service.
#[derive(Clone)]
pub struct Gate {
    state: AppState,
    /// Each request in a span of its own when debug logging is on, as the router's trace
    /// layer would.
    spans: crate::telemetry::HotPathSpans,
}

impl Gate {
    pub fn new(state: AppState) -> Gate {
        Gate {
            state,
            spans: crate::telemetry::HotPathSpans::new(),
        }
    }
}

impl<B> Service<Request<B>> for Gate
where
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let state = self.state.clone();
        // A body that has already ended (a GET's) needs no box of its own.
        let request = request.map(|body| {
            if body.is_end_stream() {
                Body::empty()
            } else {
                Body::new(body)
            }
        });
        let span = self.spans.of(&request);
        crate::telemetry::boxed_in(span, async move { Ok(answer(state, request).await) })
    }
}

async fn answer(state: AppState, mut request: Request<Body>) -> Response {
    if request.method() == Method::OPTIONS {
        return gate::preflight(request.headers().get(header::ORIGIN), V1.methods.clone());
    }
    let peer = match gate::peer(request.extensions()) {
        Ok(peer) => peer,
        Err(err) => return err.into_response(),
    };
    let found = V1.table.lookup(request.method(), request.uri().path());
    // An unknown endpoint still needs a valid credential to learn that it is unknown.
    let access = match &found {
        Lookup::Found(route) => &route.access,
        Lookup::OtherMethods(_) | Lookup::NoRoute => &ANY_CREDENTIAL,
    };
    let admitted = match gate::admit(&state, access, request.headers(), peer).await {
        Ok(admitted) => admitted,
        Err(refused) => return refused.into_response(),
    };
    let gate::Admitted {
        caller,
        cors_origin,
        rate_fields,
        client_ip,
    } = admitted;
    let response = match found {
        Lookup::Found(route) => {
            request.extensions_mut().insert(Routed {
                pattern: &route.pattern,
                caller: Some(caller),
                client_ip,
            });
            route.target.call(request, state).await
        }
        Lookup::OtherMethods(routes) => {
            let mut refused = ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                format!("{} is not allowed here", request.method()),
            );
            refused.add_header(header::ALLOW, gate::methods_of(routes));
            refused.into_response()
        }
        Lookup::NoRoute => ApiError::not_found("no such endpoint").into_response(),
    };
    gate::finish(response, cors_origin.as_ref(), &rate_fields)
}
