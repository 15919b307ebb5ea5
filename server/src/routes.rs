//! The main listener's HTTP application, in parts so that each request passes only what its
//! part needs: `/api/v1` (the body limit, then the gate), `/gate/check` (its own service),
//! `POST /oauth/token` (the body limit, then its own service), the other OAuth endpoints (the
//! body limit, then a router), and the rest (the console, the docs, health: security
//! headers, logging, anti-forgery). In front of all of them, once, the `Host` check, HSTS and
//! the body read timeout.
//!
//! Plain tower services rather than `Router::layer` and `Router::merge` for the hot paths: a
//! layer on a router wraps each of its routes, and axum boxes and copies a route's wrapping for
//! every request it serves.

use crate::body_timeout::BodyTimeout;
use crate::{
    AppState, MAX_BODY_BYTES, api, audit_export, client_ip, csrf, docs, forward_auth, headers,
    hosts, logos, oauth, page_gate, serve, telemetry,
};
use app::ssr::ServerContext;
use app::{App, shell};
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures::future::Either;
use hosts::{CheckHosts, CheckHostsLayer};
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};
use tower::util::MapResponse;
use tower::{Service, ServiceBuilder};
use tower_http::limit::{RequestBodyLimit, RequestBodyLimitLayer, ResponseBody};
use tower_http::set_header::{SetResponseHeader, SetResponseHeaderLayer};
use tower_http::trace::TraceLayer;

/// The main listener's service.
pub type Site = CheckHosts<SetResponseHeader<BodyTimeout<Parts>, Option<HeaderValue>>>;

/// A service behind a body limit of 64 KiB (larger bodies get 413).
pub type Limited<S> =
    MapResponse<RequestBodyLimit<S>, fn(Response<ResponseBody<Body>>) -> Response>;

pub fn limited<S>(service: S) -> Limited<S> {
    let into_response: fn(Response<ResponseBody<Body>>) -> Response = |r| r.map(Body::new);
    ServiceBuilder::new()
        .map_response(into_response)
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .service(service)
}

/// Outermost, a request for another host name is refused before anything else runs; every
/// answer carries HSTS when the instance is served over https; every request body must keep
/// coming.
pub fn site(config: &crate::config::Config, state: AppState) -> Site {
    let hosts = hosts::AllowedHosts::new(&config.issuer(), &config.allowed_hosts);
    ServiceBuilder::new()
        .layer(CheckHostsLayer(hosts))
        .layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            config.secure_cookies().then_some(headers::HSTS),
        ))
        .service(BodyTimeout::new(
            serve::BODY_READ_TIMEOUT,
            parts(config, state),
        ))
}

/// The parts, and which one a request goes to.
#[derive(Clone)]
pub struct Parts {
    api: api::Service,
    /// `/gate/check`: no router, no body read.
    check: forward_auth::Check,
    /// `POST /oauth/token`: no router.
    token: Limited<oauth::TokenEndpoint>,
    /// The other OAuth endpoints, and other methods on the token endpoint's path.
    public: Limited<Router>,
    public_paths: Arc<[String]>,
    rest: Router,
}

impl<B> Service<Request<B>> for Parts
where
    B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<
        Either<
            <api::Service as Service<Request<B>>>::Future,
            <forward_auth::Check as Service<Request<B>>>::Future,
        >,
        Either<
            Either<
                <Limited<oauth::TokenEndpoint> as Service<Request<B>>>::Future,
                <Limited<Router> as Service<Request<B>>>::Future,
            >,
            <Router as Service<Request<B>>>::Future,
        >,
    >;

    /// axum's routers, and so each part, are always ready.
    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let path = request.uri().path();
        if api::owns(path) {
            Either::Left(Either::Left(self.api.call(request)))
        } else if path == forward_auth::PATH {
            Either::Left(Either::Right(self.check.call(request)))
        } else if path == oauth::TOKEN_PATH && request.method() == Method::POST {
            Either::Right(Either::Left(Either::Left(self.token.call(request))))
        } else if self.public_paths.iter().any(|p| p == path) {
            Either::Right(Either::Left(Either::Right(self.public.call(request))))
        } else {
            Either::Right(Either::Right(self.rest.call(request)))
        }
    }
}

fn parts(config: &crate::config::Config, state: AppState) -> Parts {
    // The public API: its routes and its OpenAPI description come from the same declarations.
    let (oauth_routes, oauth_description) = oauth::routes().split_for_parts();
    let (api, api_description) = api::service(state.clone());
    let public_paths: Arc<[String]> = oauth_description.paths.paths.keys().cloned().collect();
    let settings = state.services.token_settings().clone();
    let mut described = vec![oauth_description, api_description];
    if let Some(mut theirs) = state.operator.openapi.clone() {
        docs::openapi::set_security(&mut theirs, &state.operator.routes);
        described.push(theirs);
    }
    let description = docs::openapi::description(&settings.issuer, &settings.scopes, described);
    // The hot paths carry only what they need: the body limit, and request tracing when debug
    // logging is on (it costs about 15% of their throughput). Their responses set
    // `X-Content-Type-Options` themselves.
    let mut public = oauth_routes;
    if telemetry::HotPathSpans::new().on() {
        public = public.layer(TraceLayer::new_for_http().make_span_with(telemetry::request_span));
    }
    let docs = docs::routes(
        description,
        &settings.issuer,
        &settings.audience,
        Some(state.operator.name.as_str()).filter(|n| !n.is_empty()),
    );
    Parts {
        api,
        check: forward_auth::Check(state.clone()),
        token: limited(oauth::TokenEndpoint::new(state.clone())),
        public: limited(public.with_state(state.clone())),
        public_paths,
        rest: rest(config, docs, state),
    }
}

/// The console (pages, server functions, assets, logos), the docs and health.
fn rest(config: &crate::config::Config, docs: Router<AppState>, state: AppState) -> Router {
    let leptos = state.leptos.clone();
    let context = ServerContext {
        services: state.services.clone(),
        public_url: config.issuer(),
        cookies: state.cookies,
    };
    let routes = generate_route_list(App);
    let request_context = move || {
        provide_context(context.clone());
        app::ssr::provide_request_nonce();
    };
    // The console: pages, server functions and assets, behind the page gate and the
    // anti-forgery guard.
    let console = Router::new()
        .route(audit_export::PATH, get(audit_export::export))
        .leptos_routes_with_context(&state, routes, request_context.clone(), {
            let leptos = leptos.clone();
            move || shell(leptos.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(request_context, shell))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            page_gate::gate,
        ));
    let console = console_guards(console, &state)
        .layer(axum::middleware::from_fn(headers::console))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES));
    // Logo uploads are the one larger body: the console's guards, a limit of their own.
    let logos = Router::new().route(
        logos::PATH,
        get(logos::get_logo)
            .post(logos::upload_logo)
            .delete(logos::remove_logo),
    );
    let logos =
        console_guards(logos, &state).layer(RequestBodyLimitLayer::new(logos::MAX_UPLOAD_BYTES));
    Router::new()
        .route("/healthz", get(healthz))
        .merge(docs)
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .merge(console)
        .merge(logos)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            headers::SITE_POLICY,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(TraceLayer::new_for_http().make_span_with(telemetry::request_span))
        .with_state(state)
}

/// What every console route passes: the anti-forgery guard, then the client address the audit
/// log records.
fn console_guards(router: Router<AppState>, state: &AppState) -> Router<AppState> {
    router
        .layer(axum::middleware::from_fn_with_state(
            state.cookies,
            csrf::guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            client_ip::console_client_address,
        ))
}

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    if !state.services.is_following() {
        // A load balancer should send requests elsewhere: the gate answers 503 here.
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "not following the change log",
        );
    }
    match state.services.store().ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(err) => {
            tracing::error!(error = %err, "health check: database unavailable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
