//! The gate's rate limits and quotas (PRODUCT.md §9), counted in memory: no database
//! round-trip per request. Fixed windows aligned to the Unix epoch (see
//! `domain::credentials::Limit`), chosen over a token bucket (`governor`'s GCRA) because
//! window counts are plain numbers: what a client has left is exact for the IETF `RateLimit`
//! field, and counts from several instances add up.
//!
//! A request is counted when it is let through; a refused one (429) counts nothing, so a
//! client that keeps retrying is not kept out longer than the window.

use crate::{Caller, Services};
use domain::credentials::{Limit, Limits, Unit};
use std::collections::HashMap;
use std::sync::Mutex;

/// Where a limited credential stands in one of its windows, for the `RateLimit` fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LimitState {
    /// `rate` or `quota`: the policy's name in `RateLimit-Policy`.
    pub policy: &'static str,
    pub limit: u64,
    pub window_seconds: i64,
    /// Requests left in this window after this one.
    pub remaining: u64,
    /// Seconds until the window ends (at least 1).
    pub reset_seconds: i64,
}

/// The gate's answer for one request of a limited credential.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LimitDecision {
    /// Let through; the states of its policies (rate first).
    Allowed(Vec<LimitState>),
    /// Over a limit: refuse with 429; the policy that refused, then every policy.
    Refused(LimitState, Vec<LimitState>),
}

/// The count in one window.
#[derive(Clone, Copy, Debug, Default)]
struct Window {
    start: i64,
    count: u64,
}

impl Window {
    /// The count at `start`: a window that has ended counts from zero again.
    fn at(&mut self, start: i64) -> &mut Window {
        if self.start != start {
            *self = Window { start, count: 0 };
        }
        self
    }
}

#[derive(Default)]
struct Counters {
    rate: Window,
    quota: Window,
}

/// The windows of every limited credential this instance has seen.
#[derive(Default)]
pub struct Limiter {
    counters: Mutex<HashMap<String, Counters>>,
}

fn state<U: Unit>(policy: &'static str, limit: Limit<U>, window: &Window, now: i64) -> LimitState {
    LimitState {
        policy,
        limit: limit.requests,
        window_seconds: limit.window_seconds(),
        remaining: limit.requests.saturating_sub(window.count),
        reset_seconds: (window.start + limit.window_seconds() - now).max(1),
    }
}

impl Limiter {
    /// Counts one request of `credential_id` at `now` against `limits`, unless that would pass
    /// one of them.
    pub fn check(&self, credential_id: &str, limits: &Limits, now: i64) -> LimitDecision {
        let mut all = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        let counters = match all.get_mut(credential_id) {
            Some(counters) => counters,
            None => all.entry(credential_id.to_string()).or_default(),
        };
        let rate = limits
            .rate_limit
            .map(|l| (l, *counters.rate.at(l.window_start(now))));
        let quota = limits
            .quota
            .map(|l| (l, *counters.quota.at(l.window_start(now))));
        let states = |rate_window: Option<Window>, quota_window: Option<Window>| {
            let mut states = Vec::with_capacity(2);
            if let (Some((l, _)), Some(w)) = (rate, rate_window) {
                states.push(state("rate", l, &w, now));
            }
            if let (Some((l, _)), Some(w)) = (quota, quota_window) {
                states.push(state("quota", l, &w, now));
            }
            states
        };
        let over = |window: &Window, requests: u64| window.count >= requests;
        if let Some((l, w)) = rate.filter(|(l, w)| over(w, l.requests)) {
            let refused = state("rate", l, &w, now);
            return LimitDecision::Refused(refused, states(Some(w), quota.map(|q| q.1)));
        }
        if let Some((l, w)) = quota.filter(|(l, w)| over(w, l.requests)) {
            let refused = state("quota", l, &w, now);
            return LimitDecision::Refused(refused, states(rate.map(|r| r.1), Some(w)));
        }
        if rate.is_some() {
            counters.rate.count += 1;
        }
        if quota.is_some() {
            counters.quota.count += 1;
        }
        LimitDecision::Allowed(states(
            rate.map(|_| counters.rate),
            quota.map(|_| counters.quota),
        ))
    }

    /// Forgets credentials whose windows have all ended (housekeeping).
    pub fn prune(&self, now: i64) {
        let mut all = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        // A quota window is at most 30 days: older starts are over whatever the limit.
        all.retain(|_, c| now - c.rate.start.max(c.quota.start) < 31 * 86_400);
    }
}

impl Services {
    /// Counts a request of `caller` against its limits; `None` when it has none.
    pub fn check_limits(&self, caller: &Caller, now: i64) -> Option<LimitDecision> {
        let limits = caller.limits();
        if limits.is_none() {
            return None;
        }
        Some(self.limiter().check(caller.credential_id(), limits, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::credentials::{Quota, RateLimit};

    fn limits(rate: &str, quota: &str) -> Limits {
        Limits {
            rate_limit: RateLimit::from_stored(rate),
            quota: Quota::from_stored(quota),
        }
    }

    const T0: i64 = 1_800_000_000 - 1_800_000_000 % 86_400;

    #[test]
    fn five_a_minute_then_refused_until_the_next_minute() {
        let limiter = Limiter::default();
        let five = limits("5/minute", "");
        for left in (0..5).rev() {
            match limiter.check("c", &five, T0 + 10) {
                LimitDecision::Allowed(states) => {
                    assert_eq!(states[0].remaining, left);
                    assert_eq!(states[0].reset_seconds, 50);
                }
                refused => panic!("{refused:?}"),
            }
        }
        let LimitDecision::Refused(refused, _) = limiter.check("c", &five, T0 + 59) else {
            panic!("the sixth request passed");
        };
        assert_eq!(
            (refused.policy, refused.remaining, refused.reset_seconds),
            ("rate", 0, 1)
        );
        // Refusals count nothing; the next minute starts again; other credentials are apart.
        assert!(matches!(
            limiter.check("d", &five, T0 + 59),
            LimitDecision::Allowed(_)
        ));
        assert!(matches!(
            limiter.check("c", &five, T0 + 60),
            LimitDecision::Allowed(_)
        ));
    }

    #[test]
    fn a_quota_counts_across_the_day_and_a_rate_limit_refusal_spends_none_of_it() {
        let limiter = Limiter::default();
        let both = limits("2/second", "3/day");
        assert!(matches!(
            limiter.check("c", &both, T0),
            LimitDecision::Allowed(_)
        ));
        assert!(matches!(
            limiter.check("c", &both, T0),
            LimitDecision::Allowed(_)
        ));
        let LimitDecision::Refused(by, _) = limiter.check("c", &both, T0) else {
            panic!()
        };
        assert_eq!(by.policy, "rate");
        assert!(matches!(
            limiter.check("c", &both, T0 + 3_600),
            LimitDecision::Allowed(_)
        ));
        let LimitDecision::Refused(by, states) = limiter.check("c", &both, T0 + 7_200) else {
            panic!("a fourth request in one day passed")
        };
        assert_eq!(by.policy, "quota");
        assert_eq!(by.reset_seconds, 86_400 - 7_200);
        assert_eq!(states.len(), 2);
        assert!(matches!(
            limiter.check("c", &both, T0 + 86_400),
            LimitDecision::Allowed(_)
        ));
    }
}
