//! The one source of time. Every rule that depends on time takes it from the `Clock` in
//! `Services`: the system clock in production, a `ManualClock` that tests move instead of
//! sleeping. Reading the system clock anywhere else is refused by clippy (`clippy.toml`).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Wall-clock time in Unix milliseconds.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now_ms(&self) -> i64;

    /// Unix seconds.
    fn now(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }
}

/// The operating system's clock (the edge: the only place that reads it).
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the edge
    fn now_ms(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or_default()
    }
}

/// A clock that moves only when told to. Cloning shares the same time.
#[derive(Clone, Debug)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    /// Starts at the system's current time (so that what it stamps looks real).
    pub fn starting_now() -> Self {
        Self::at_ms(SystemClock.now_ms())
    }

    pub fn at_ms(ms: i64) -> Self {
        ManualClock(Arc::new(AtomicI64::new(ms)))
    }

    pub fn advance_ms(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }

    pub fn advance_secs(&self, secs: i64) {
        self.advance_ms(secs * 1000);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// The clock a `Services` is built with.
pub type SharedClock = Arc<dyn Clock>;

pub fn system() -> SharedClock {
    Arc::new(SystemClock)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told_and_clones_share_it() {
        let clock = ManualClock::at_ms(1_500);
        let other = clock.clone();
        assert_eq!(clock.now(), 1);
        other.advance_secs(2);
        assert_eq!(clock.now_ms(), 3_500);
        assert_eq!(clock.now(), 3);
        // Before 1970 rounds down, not towards zero.
        assert_eq!(ManualClock::at_ms(-1).now(), -1);
    }
}
