//! How both listeners serve HTTP (PRODUCT.md §11): hyper-util's connection builder with a
//! timer, so that a client that sends its request header slowly, or holds a keep-alive
//! connection idle, is cut off; a cap on open connections; and a graceful shutdown that lets
//! requests in flight finish for a while.

use crate::serve_timer::ConnectionTimer;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::Service;

/// A request body must keep coming: no more than this between two of its parts.
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// How long requests in flight may still run once shutdown begins.
pub const DRAIN: Duration = Duration::from_secs(10);

/// Connections the kernel completes and queues before the server accepts them. std's (and
/// tokio's) `bind` asks for 128: a burst of new connections beyond that while the accept loop
/// is busy has its SYNs dropped, and each such client waits a second or more to retry. The
/// kernel caps it at `net.core.somaxconn`.
const LISTEN_BACKLOG: u32 = 4096;

/// Binds a listener with `LISTEN_BACKLOG`, reusing the address as servers do.
pub async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// The connection limits of a listener (from `Config`: `--header-timeout`,
/// `--max-connections`; `drain` is `DRAIN`).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// A request's header must arrive within this; it is also how long a keep-alive connection
    /// may sit idle between requests (hyper starts the clock when it waits for a header).
    pub header_read: Duration,
    /// Connections open at once; beyond, new ones wait in the kernel's accept queue.
    pub max_connections: usize,
    /// How long requests in flight may still run once shutdown begins.
    pub drain: Duration,
}

/// Serves `app` on `listener` until `shutdown` resolves, then finishes the requests in flight
/// for up to `limits.drain`. Each request carries its peer's address as `ConnectInfo`.
pub async fn serve<S>(
    listener: TcpListener,
    app: S,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    // HTTP/1's timer is each connection's own (below): this builder is only ever cloned.
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().header_read_timeout(limits.header_read);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(limits.header_read)
        .keep_alive_timeout(limits.header_read);
    let open = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = open.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break, // never closed
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    accept_failed(err).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Answers go out whole: no waiting for the ACK of a previous segment.
        let _ = stream.set_nodelay(true);
        let service = PerConnection {
            peer,
            app: app.clone(),
        };
        // Each connection has its own timer for the header read timeout (`serve_timer`).
        let mut builder = builder.clone();
        builder.http1().timer(ConnectionTimer::default());
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service))
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A connection's errors are the client's (a reset, a slow header): nothing to log.
            let _ = connection.await;
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.drain) => {
            tracing::warn!("requests still in flight after {:?}; stopping anyway", limits.drain);
        }
    }
    Ok(())
}

/// The app as one connection serves it: every request carries the peer's address, as
/// axum's `into_make_service_with_connect_info` would put it.
#[derive(Clone)]
struct PerConnection<S> {
    peer: SocketAddr,
    app: S,
}

impl<S> Service<hyper::Request<Incoming>> for PerConnection<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.app.poll_ready(cx)
    }

    fn call(&mut self, request: hyper::Request<Incoming>) -> S::Future {
        let mut request = request.map(Body::new);
        request.extensions_mut().insert(ConnectInfo(self.peer));
        self.app.call(request)
    }
}

/// After a failed accept: connection-level errors (the client gave up) are passed over; others
/// (too many open files) are logged and retried after a pause, as hyper's own servers do.
async fn accept_failed(err: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        err.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %err, "cannot accept a connection; retrying in a second");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
