//! Logging to stderr through `tracing`; `RUST_LOG` sets the level.
//!
//! Request spans carry the method and the path only, with invite tokens cut out of paths and
//! no query string or header ever recorded: secrets must not reach a log line.

use axum::http::Request;
use futures::future::BoxFuture;
use tracing::{Instrument, Span};
use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// The path as it may be logged.
pub fn loggable_path(path: &str) -> String {
    match path.strip_prefix("/invite/") {
        Some(_) => "/invite/{token}".to_string(),
        None => path.chars().take(200).collect(),
    }
}

pub fn request_span<B>(request: &Request<B>) -> Span {
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %loggable_path(request.uri().path()),
    )
}

/// Whether a hot path makes a span per request: only when debug logging is on at start-up (it
/// costs about 15% of the path's throughput). Shared by the `/api/v1` gate, the token
/// endpoint and the routes around them (`routes::Parts`).
#[derive(Clone, Copy, Debug)]
pub struct HotPathSpans {
    enabled: bool,
}

impl HotPathSpans {
    pub fn new() -> Self {
        HotPathSpans {
            enabled: tracing::enabled!(tracing::Level::DEBUG),
        }
    }

    pub fn on(self) -> bool {
        self.enabled
    }

    /// `request`'s span, when spans are on.
    pub fn of<B>(self, request: &Request<B>) -> Option<Span> {
        self.enabled.then(|| request_span(request))
    }
}

impl Default for HotPathSpans {
    fn default() -> Self {
        Self::new()
    }
}

/// A hot path's answer, boxed, in `span` when there is one: the hot paths make a span per
/// request only when debug logging is on (it costs about 15% of their throughput).
pub fn boxed_in<F>(span: Option<Span>, answer: F) -> BoxFuture<'static, F::Output>
where
    F: Future + Send + 'static,
{
    match span {
        Some(span) => Box::pin(answer.instrument(span)),
        None => Box::pin(answer),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invite_tokens_are_cut_from_paths() {
        assert_eq!(loggable_path("/invite/abc123"), "/invite/{token}");
        assert_eq!(loggable_path("/login"), "/login");
    }
}
