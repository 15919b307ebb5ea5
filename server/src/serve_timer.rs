//! The timer behind the header read timeout (PRODUCT.md §11), one per connection.
//!
//! hyper asks its timer for a new sleep each time it starts waiting for a request header, and
//! drops it once the header is read: with tokio's timer directly that is a registration in the
//! timer wheel and a removal (two locks on the driver all workers share) for every request on
//! a keep-alive connection (~2% of a Restricted Access Token's `GET /api/v1/me`, measured with
//! callgrind, and fewer context switches). Here the connection keeps one tokio sleep, and a
//! new deadline only moves it when it fires: a sleep is re-armed once per timeout at most, not
//! once per request. The deadlines are kept exactly: a sleep is ready only when its own
//! deadline has passed.

use hyper::rt::{Sleep, Timer};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;

/// A connection's timer: every sleep it gives shares the connection's one tokio sleep.
#[derive(Clone, Default)]
pub struct ConnectionTimer {
    armed: Arc<Mutex<Option<Pin<Box<tokio::time::Sleep>>>>>,
}

impl Timer for ConnectionTimer {
    fn sleep(&self, duration: std::time::Duration) -> Pin<Box<dyn Sleep>> {
        self.sleep_until(self.now() + duration)
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn Sleep>> {
        Box::pin(SharedSleep {
            deadline,
            armed: self.armed.clone(),
        })
    }

    /// tokio's clock, which the sleeps run on (the same as `Instant::now` unless a test
    /// pauses it).
    #[allow(clippy::disallowed_methods)] // the edge: network timeouts run on the monotonic
    // clock, as hyper's own timer does; `services::clock` is the product's time.
    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn Sleep>>, new_deadline: Instant) {
        *sleep = self.sleep_until(new_deadline);
    }
}

/// Ready once `deadline` has passed; woken by the connection's tokio sleep.
struct SharedSleep {
    deadline: Instant,
    armed: Arc<Mutex<Option<Pin<Box<tokio::time::Sleep>>>>>,
}

impl Future for SharedSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let deadline = tokio::time::Instant::from_std(self.deadline);
        // Only the connection's task polls its sleeps: this lock is never contended.
        let mut armed = self.armed.lock().unwrap_or_else(|p| p.into_inner());
        let sleep = armed.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        // An earlier deadline moves the sleep at once; a later one waits until it fires.
        if sleep.deadline() > deadline {
            sleep.as_mut().reset(deadline);
        }
        loop {
            if sleep.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            if sleep.deadline() >= deadline {
                return Poll::Ready(());
            }
            // It fired for an earlier sleep, now gone: on to this one's deadline.
            sleep.as_mut().reset(deadline);
        }
    }
}

impl Sleep for SharedSleep {}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // tokio's paused clock is the time these tests move
mod tests {
    use super::*;
    use std::time::Duration;

    async fn ready_after(sleep: Pin<Box<dyn Sleep>>) -> tokio::time::Instant {
        sleep.await;
        tokio::time::Instant::now()
    }

    /// A sleep of `seconds` that arms the shared sleep, then is dropped (its header came).
    async fn armed_then_dropped(timer: &ConnectionTimer, seconds: u64) {
        let mut sleep = timer.sleep(Duration::from_secs(seconds));
        assert!(futures::poll!(sleep.as_mut()).is_pending());
    }

    #[tokio::test(start_paused = true)]
    async fn a_sleep_is_ready_at_its_own_deadline_not_at_an_earlier_ones() {
        let timer = ConnectionTimer::default();
        let start = tokio::time::Instant::now();
        // The first request's wait arms the shared sleep for 30 s, then its header arrives.
        armed_then_dropped(&timer, 30).await;
        tokio::time::advance(Duration::from_secs(10)).await;
        // The second waits from 10 s: ready at 40 s, though the shared sleep fires at 30.
        let second = timer.sleep(Duration::from_secs(30));
        assert_eq!(ready_after(second).await - start, Duration::from_secs(40));
    }

    #[tokio::test(start_paused = true)]
    async fn an_earlier_deadline_moves_the_shared_sleep() {
        let timer = ConnectionTimer::default();
        let start = tokio::time::Instant::now();
        armed_then_dropped(&timer, 30).await;
        let short = timer.sleep(Duration::from_secs(1));
        assert_eq!(ready_after(short).await - start, Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn a_sleep_whose_deadline_passed_is_ready_at_once() {
        let timer = ConnectionTimer::default();
        let start = tokio::time::Instant::now();
        let sleep = timer.sleep_until(timer.now());
        assert_eq!(ready_after(sleep).await - start, Duration::ZERO);
    }
}
