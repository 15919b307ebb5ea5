//! The body read timeout (PRODUCT.md §11): a request body must keep coming, no more than
//! `serve::BODY_READ_TIMEOUT` between two of its parts.
//!
//! tower-http's `RequestBodyTimeout` arms a tokio sleep each time a frame is asked for, even
//! one already in hyper's buffer: a small form that came with its header costs two
//! registrations in the timer wheel and two removals (its data, then its end), each taking
//! the driver's lock that every worker shares. Here the sleep is armed only when the body has
//! nothing to give (it answered `Pending`) and dropped when a frame comes: a body that arrived
//! with its header never touches the timer. The wait is counted from the first `Pending`,
//! which is when the waiting starts. Like the header timeout (`serve_timer`), it runs on
//! tokio's clock, the network's monotonic time, not `services::clock` (the product's time);
//! its tests pause tokio's clock and move it, they never wait.

use hyper::body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::Sleep;
use tower::Service;

/// The body's error when its next part did not come in time.
#[derive(Debug, thiserror::Error)]
#[error("the request body stopped coming for {0:?}")]
pub struct BodyTimedOut(Duration);

pin_project! {
    /// A request body that fails once its next part is `timeout` late.
    pub struct TimeoutBody<B> {
        timeout: Duration,
        #[pin]
        waiting: Option<Sleep>,
        #[pin]
        body: B,
    }
}

impl<B> TimeoutBody<B> {
    pub fn new(timeout: Duration, body: B) -> Self {
        TimeoutBody {
            timeout,
            waiting: None,
            body,
        }
    }
}

impl<B> Body for TimeoutBody<B>
where
    B: Body,
    B::Error: Into<axum::BoxError>,
{
    type Data = B::Data;
    type Error = axum::BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, axum::BoxError>>> {
        let mut this = self.project();
        if let Poll::Ready(frame) = this.body.poll_frame(cx) {
            this.waiting.set(None);
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        if this.waiting.is_none() {
            this.waiting.set(Some(tokio::time::sleep(*this.timeout)));
        }
        match this.waiting.as_pin_mut().map(|sleep| sleep.poll(cx)) {
            Some(Poll::Ready(())) => Poll::Ready(Some(Err(BodyTimedOut(*this.timeout).into()))),
            _ => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// A service whose requests' bodies time out (`TimeoutBody`).
#[derive(Clone, Debug)]
pub struct BodyTimeout<S> {
    timeout: Duration,
    inner: S,
}

impl<S> BodyTimeout<S> {
    pub fn new(timeout: Duration, inner: S) -> Self {
        BodyTimeout { timeout, inner }
    }
}

impl<S, B> Service<http::Request<B>> for BodyTimeout<S>
where
    S: Service<http::Request<TimeoutBody<B>>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> S::Future {
        let timeout = self.timeout;
        self.inner
            .call(request.map(|body| TimeoutBody::new(timeout, body)))
    }
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // tokio's paused clock is the time these tests move
mod tests {
    use super::*;
    use bytes::Bytes;
    use futures::SinkExt;
    use futures::channel::mpsc;
    use http_body_util::{BodyExt, Full, StreamBody};
    use std::convert::Infallible;

    /// Every test here runs on tokio's paused clock (`start_paused`): a `sleep` moves the clock
    /// at once as soon as nothing else can run, so no test waits.
    const TIMEOUT: Duration = Duration::from_secs(30);

    type Part = Result<Frame<Bytes>, Infallible>;

    /// A body whose parts are sent through the channel, as a slow client would.
    fn channel_body() -> (
        mpsc::Sender<Part>,
        TimeoutBody<StreamBody<mpsc::Receiver<Part>>>,
    ) {
        let (send, receive) = mpsc::channel(4);
        (send, TimeoutBody::new(TIMEOUT, StreamBody::new(receive)))
    }

    fn data(text: &'static str) -> Part {
        Ok(Frame::data(Bytes::from(text)))
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_already_there_is_read_whole() {
        let body = TimeoutBody::new(TIMEOUT, Full::new(Bytes::from("a=1")));
        assert_eq!(body.size_hint().exact(), Some(3));
        let read = body.collect().await.expect("read").to_bytes();
        assert_eq!(read, Bytes::from("a=1"));
    }

    #[tokio::test(start_paused = true)]
    async fn parts_that_keep_coming_are_read_however_long_the_whole_takes() {
        let (mut send, body) = channel_body();
        let sender = tokio::spawn(async move {
            for part in ["a", "b", "c"] {
                tokio::time::sleep(TIMEOUT - Duration::from_secs(1)).await;
                send.send(data(part)).await.expect("sent");
            }
        });
        let started = tokio::time::Instant::now();
        let read = body.collect().await.expect("read").to_bytes();
        assert_eq!(read, Bytes::from("abc"));
        assert!(started.elapsed() > TIMEOUT * 2);
        sender.await.expect("sender");
    }

    #[tokio::test(start_paused = true)]
    async fn a_part_late_by_the_timeout_fails_the_body() {
        let (mut send, body) = channel_body();
        let mut body = std::pin::pin!(body);
        send.send(data("a")).await.expect("sent");
        let first = body.frame().await.expect("a frame").expect("data");
        assert_eq!(first.into_data().ok(), Some(Bytes::from("a")));
        let started = tokio::time::Instant::now();
        let late = body.frame().await.expect("an answer");
        let error = late.expect_err("timed out");
        assert!(error.is::<BodyTimedOut>(), "{error}");
        assert_eq!(started.elapsed(), TIMEOUT);
        drop(send);
    }
}
