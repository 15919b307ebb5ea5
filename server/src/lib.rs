//! The `portcullis` server: the console (Leptos, server functions), health, and the HTTP
//! plumbing around them (anti-forgery, body limits, logging, shutdown).

mod api;
mod api_error;
mod audit_export;
pub mod cli;
pub mod client_ip;
pub mod config;
mod csrf;
pub mod docs;
mod forward_auth;
pub mod gate;
mod gateway;
mod headers;
pub mod hosts;
mod logos;
mod oauth;
pub mod operator;
mod page_gate;
mod serve;
pub mod telemetry;

pub use api::{
    ApiClientInput, ApiClientItem, ApiClientList, AuditActorBody, AuditEventBody, AuditEventList,
    AuditTargetBody, RestrictedTokenInput, RestrictedTokenItem, RestrictedTokenList, UsageBody,
    UsageHour, rfc3339,
};
pub use api_error::ApiErrorBody;
pub use logos::LogoUploaded;

use app::ssr::{Cookies, ServerContext};
use app::{App, shell};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{any, get};
use client_ip::TrustedProxies;
use config::Config;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use operator::OperatorApi;
use services::{Follower, Services, SharedClock};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;
use store::Store;
use tokio::net::TcpListener;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;

/// Request bodies larger than this get 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What the HTTP handlers share. axum clones the state for every middleware and extractor
/// that takes it, so it is one `Arc`.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub services: Services,
    pub set_up: AtomicBool,
    pub leptos: LeptosOptions,
    pub trusted_proxies: TrustedProxies,
    /// The operator's API: its routes are what the gateway and `/gate/check` guard.
    pub operator: Arc<OperatorApi>,
    /// The gateway's client to the upstreams (with a gateway only).
    pub gateway_client: Option<gateway::HttpClient>,
    /// The console's cookie names and attributes (https or not).
    pub cookies: Cookies,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl axum::extract::FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

pub fn leptos_options(config: &Config) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("portcullis")
        .site_root(config.site_root.as_str())
        .site_pkg_dir("pkg")
        .site_addr(config.site_addr)
        .build()
}

/// The services of an instance (or of a CLI command) over an opened store, with time from
/// `clock`.
pub fn services(config: &Config, api: &OperatorApi, store: Store, clock: SharedClock) -> Services {
    Services::new(store, config.open_signup, config.token_settings(api), clock)
}

/// Before any key is used: seals plaintext keys when `PORTCULLIS_KEY_ENCRYPTION_KEY` is set,
/// and refuses to go on when keys are sealed and it is not (or is another key).
pub async fn protect_signing_keys(services: &Services) -> Result<(), String> {
    services
        .protect_signing_keys()
        .await
        .map(drop)
        .map_err(|e| match e {
            services::ServiceError::Internal(source) => {
                format!("cannot use the signing keys: {source}")
            }
            other => format!("cannot use the signing keys: {other}"),
        })
}

/// One instance, built once: its services, its router, its listener and its change-log
/// follower. `run_until_stopped` starts what runs in the background and serves.
pub struct Application {
    services: Services,
    router: Router,
    listener: TcpListener,
    /// The gateway's listener and router, when `PORTCULLIS_GATEWAY_ADDR` is set.
    gateway: Option<(TcpListener, Router)>,
    follower: Follower,
    limits: serve::Limits,
    test_hooks: bool,
    audit_retention_days: u32,
}

impl Application {
    /// Opens (and migrates) the database and binds the listener of `config`.
    pub async fn build(config: &Config, clock: SharedClock) -> Result<Application, String> {
        let store = Store::open(config.database_url.expose())
            .await
            .map_err(|e| format!("cannot open the database: {e}"))?;
        let listener = serve::bind(config.site_addr)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", config.site_addr))?;
        Self::build_on(config, store, listener, clock).await
    }

    /// Like `build`, over an opened store and a bound listener (tests bind port 0). The
    /// operator's API file is read and checked here, and the gateway's listener bound.
    pub async fn build_on(
        config: &Config,
        store: Store,
        listener: TcpListener,
        clock: SharedClock,
    ) -> Result<Application, String> {
        config.check_key_encryption()?;
        let api = Arc::new(config.operator_api()?);
        let gateway_listener = match config.gateway_addr {
            Some(addr) => Some(
                serve::bind(addr)
                    .await
                    .map_err(|e| format!("cannot listen on {addr} (the gateway): {e}"))?,
            ),
            None => None,
        };
        let services = services(config, &api, store, clock);
        protect_signing_keys(&services).await?;
        // The first read of the change log, before the first request: until it succeeds the
        // authenticated paths answer 503.
        let mut follower = Follower::new(services.clone());
        follower
            .step()
            .await
            .map_err(|e| format!("cannot read the change log: {e}"))?;
        let gateway_client = match gateway_listener {
            Some(_) => Some(gateway::client()?),
            None => None,
        };
        let state = AppState(Arc::new(Shared {
            services: services.clone(),
            set_up: AtomicBool::new(false),
            leptos: leptos_options(config),
            trusted_proxies: config.trusted_proxies.clone(),
            operator: api,
            gateway_client,
            cookies: Cookies::new(config.secure_cookies()),
        }));
        let router = router(config, state.clone());
        let gateway = gateway_listener.map(|l| (l, gateway::router(state)));
        Ok(Application {
            services,
            router,
            listener,
            gateway,
            follower,
            limits: serve::Limits {
                header_read: Duration::from_secs(config.header_timeout),
                max_connections: usize::try_from(config.max_connections).unwrap_or(usize::MAX),
                drain: serve::DRAIN,
            },
            test_hooks: config.test_hooks,
            audit_retention_days: config.audit_retention_days,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn services(&self) -> &Services {
        &self.services
    }

    /// Where the gateway listens, if there is one.
    pub fn gateway_addr(&self) -> Option<SocketAddr> {
        self.gateway.as_ref().and_then(|(l, _)| l.local_addr().ok())
    }

    /// Follows the change log, runs the hourly housekeeping and serves until `shutdown`.
    pub async fn run_until_stopped(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let follow = tokio::spawn(self.services.clone().follow_changes(self.follower));
        let housekeeping = tokio::spawn(housekeeping(
            self.services.clone(),
            self.audit_retention_days,
        ));
        let exchange = tokio::spawn(exchange_limit_counts(self.services.clone()));
        let usage = tokio::spawn(flush_usage(self.services.clone()));
        if self.test_hooks {
            tokio::spawn(test_hooks(self.services.clone()));
        }
        // One shutdown for both listeners.
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            shutdown.await;
            let _ = stop_tx.send(true);
        });
        let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
            let _ = rx.wait_for(|stop| *stop).await;
        };
        let gateway = self.gateway.map(|(listener, router)| {
            tokio::spawn(serve::serve(
                listener,
                router,
                self.limits,
                stopped(stop_rx.clone()),
            ))
        });
        let served = serve::serve(self.listener, self.router, self.limits, stopped(stop_rx)).await;
        if let Some(gateway) = gateway {
            match gateway.await {
                Ok(Err(e)) => tracing::error!(error = %e, "gateway stopped with an error"),
                Err(e) => tracing::error!(error = %e, "gateway task failed"),
                Ok(Ok(())) => {}
            }
        }
        follow.abort();
        housekeeping.abort();
        exchange.abort();
        usage.abort();
        // What the last requests counted is written before the process ends.
        if let Err(err) = self.services.flush_usage().await {
            tracing::warn!(error = %err, "could not write the last usage counts");
        }
        served
    }
}

/// `PORTCULLIS_TEST_HOOKS=1` only: SIGUSR1 makes the change-log follower panic, as a bug
/// would, so that process tests can watch the instance fail closed and recover.
async fn test_hooks(services: Services) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut usr1) = signal(SignalKind::user_defined1()) else {
            return;
        };
        while usr1.recv().await.is_some() {
            tracing::warn!("test hook: stopping the change-log follower");
            services.kill_follower();
        }
    }
    #[cfg(not(unix))]
    let _ = services;
}

/// The whole HTTP application of the main listener.
fn router(config: &Config, state: AppState) -> Router {
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
    // anti-forgery guard. The OAuth endpoints and /api/v1 are outside both.
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
    // The public API: its routes and its OpenAPI description come from the same declarations.
    let (oauth_routes, oauth_description) = oauth::routes().split_for_parts();
    let (api_routes, api_description) = api::routes(state.clone());
    let settings = state.services.token_settings().clone();
    let mut parts = vec![oauth_description, api_description];
    if let Some(mut theirs) = state.operator.openapi.clone() {
        docs::openapi::set_security(&mut theirs, &state.operator.routes);
        parts.push(theirs);
    }
    let description = docs::openapi::description(&settings.issuer, &settings.scopes, parts);
    // The hot paths (/oauth, /api/v1) carry only what they need: the body limit, and request
    // tracing when debug logging is on (it costs about 15% of their throughput). Their
    // responses set `X-Content-Type-Options` themselves.
    let mut public = Router::new()
        .merge(oauth_routes)
        .merge(api_routes)
        .route(forward_auth::PATH, any(forward_auth::check));
    if tracing::enabled!(tracing::Level::DEBUG) {
        public = public.layer(TraceLayer::new_for_http().make_span_with(telemetry::request_span));
    }
    let public = public.layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES));
    let site = Router::new()
        .route("/healthz", get(healthz))
        .merge(docs::routes(
            description,
            &settings.issuer,
            &settings.audience,
            Some(state.operator.name.as_str()).filter(|n| !n.is_empty()),
        ))
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
        .layer(TraceLayer::new_for_http().make_span_with(telemetry::request_span));
    // Every body has a limit: 64 KiB, except the logo upload's own (above).
    let mut router = Router::new()
        .merge(public)
        .merge(site)
        .layer(RequestBodyTimeoutLayer::new(serve::BODY_READ_TIMEOUT));
    if config.secure_cookies() {
        router = router.layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            headers::HSTS,
        ));
    }
    // Outermost: a request for another host name is refused before anything else runs.
    let hosts = hosts::AllowedHosts::new(&config.issuer(), &config.allowed_hosts);
    router
        .layer(hosts::CheckHostsLayer(hosts))
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

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

/// Every second: this instance's rate-limit counts out, the other instances' in.
async fn exchange_limit_counts(services: Services) {
    let mut every = tokio::time::interval(services::limiter::EXCHANGE_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if let Err(err) = services.exchange_limit_counts(services.now()).await {
            tracing::warn!(error = %err, "could not exchange rate-limit counts");
        }
    }
}

/// Every 10 s: the usage counted since, in one batch.
async fn flush_usage(services: Services) {
    let mut every = tokio::time::interval(services::usage::FLUSH_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if let Err(err) = services.flush_usage().await {
            tracing::warn!(error = %err, "could not write usage counts; kept for the next try");
        }
    }
}

/// Once an hour: deletes ended sessions, old attempt counts, expired revocations, old
/// change-log rows, keys whose tokens have all expired, and audit events past their retention.
async fn housekeeping(services: Services, audit_retention_days: u32) {
    let mut every_hour = tokio::time::interval(Duration::from_secs(60 * 60));
    loop {
        every_hour.tick().await;
        if let Err(err) = services.prune_token_state(services.now()).await {
            tracing::warn!(error = %err, "could not prune token state");
        }
        match services.delete_ended_sessions(services.now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(sessions = n, "ended sessions deleted"),
            Err(err) => tracing::warn!(error = %err, "could not delete ended sessions"),
        }
        if let Err(err) = services.prune_usage(services.now()).await {
            tracing::warn!(error = %err, "could not prune usage");
        }
        match services
            .prune_audit_events(i64::from(audit_retention_days), services.now())
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(events = n, "audit events past their retention deleted"),
            Err(err) => tracing::warn!(error = %err, "could not prune the audit log"),
        }
        if let Err(err) = services.prune_limit_counts(services.now()).await {
            tracing::warn!(error = %err, "could not prune rate-limit counts");
        }
        match services.prune_attempts(services.now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(counts = n, "old attempt counts deleted"),
            Err(err) => tracing::warn!(error = %err, "could not delete old attempt counts"),
        }
    }
}
