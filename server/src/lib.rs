//! The `portcullis` server: the console (Leptos, server functions), health, and the HTTP
//! plumbing around them (anti-forgery, body limits, logging, shutdown).

mod api;
mod api_error;
mod audit_export;
mod body_timeout;
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
mod routes;
mod serve;
mod serve_timer;
pub mod telemetry;

pub use api::{
    ApiClientInput, ApiClientItem, ApiClientList, AuditActorBody, AuditEventBody, AuditEventList,
    AuditTargetBody, RestrictedTokenInput, RestrictedTokenItem, RestrictedTokenList, UsageBody,
    UsageHour, rfc3339,
};
pub use api_error::ApiErrorBody;
pub use logos::LogoUploaded;

use app::ssr::Cookies;
use client_ip::TrustedProxies;
use config::Config;
use leptos::config::LeptosOptions;
use operator::OperatorApi;
use services::{Follower, Services, SharedClock};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;
use store::Store;
use tokio::net::TcpListener;

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
    site: routes::Site,
    listener: TcpListener,
    /// The gateway's listener and service, when `PORTCULLIS_GATEWAY_ADDR` is set.
    gateway: Option<(TcpListener, gateway::Gateway)>,
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
        let site = routes::site(config, state.clone());
        let gateway = gateway_listener.map(|l| (l, gateway::service(state)));
        Ok(Application {
            services,
            site,
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
        let gateway = self.gateway.map(|(listener, service)| {
            tokio::spawn(serve::serve(
                listener,
                service,
                self.limits,
                stopped(stop_rx.clone()),
            ))
        });
        let served = serve::serve(self.listener, self.site, self.limits, stopped(stop_rx)).await;
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
