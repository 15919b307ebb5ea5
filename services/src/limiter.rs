//! The gate's rate limits and quotas (PRODUCT.md §9), counted in memory: no database
//! round-trip per request. Fixed windows aligned to the Unix epoch (see
//! `domain::credentials::Limit`), chosen over a token bucket (`governor`'s GCRA) because
//! window counts are plain numbers: what a client has left is exact for the IETF `RateLimit`
//! field, and counts from several instances add up.
//!
//! A request is counted when it is let through; a refused one (429) counts nothing, so a
//! client that keeps retrying is not kept out longer than the window.
//!
//! Instances sharing a database share their counts: every `EXCHANGE_EVERY` each writes what
//! it let through per window and reads the others' sums (`exchange_limit_counts`). Between
//! two exchanges an instance does not see what the others let through, so all of them
//! together may pass a limit by at most what the other instances let through in one
//! exchange interval (and never by more than the limit times the number of other instances).

use crate::{Caller, ServiceError, Services, secrets};
use domain::credentials::{Limit, Limits, QuotaUnit, Unit};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use store::LimitCount;

/// How often an instance exchanges its counts with the others.
pub const EXCHANGE_EVERY: Duration = Duration::from_secs(1);

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

/// The counts in one window: this instance's, and the other instances' as last read.
#[derive(Clone, Copy, Debug, Default)]
struct Window {
    start: i64,
    count: u64,
    others: u64,
    /// This instance's count as last written for the others.
    written: u64,
}

impl Window {
    /// The window at `start`: one that has ended counts from zero again.
    fn at(&mut self, start: i64) -> &mut Window {
        if self.start != start {
            *self = Window {
                start,
                ..Window::default()
            };
        }
        self
    }

    fn total(&self) -> u64 {
        self.count + self.others
    }
}

#[derive(Default)]
struct Counters {
    rate: Window,
    quota: Window,
}

impl Counters {
    fn window(&mut self, policy: &str) -> &mut Window {
        match policy {
            "quota" => &mut self.quota,
            _ => &mut self.rate,
        }
    }
}

/// The windows of every limited credential this instance has seen.
pub struct Limiter {
    /// This instance's name among those sharing the database (random, per process).
    instance: String,
    counters: Mutex<HashMap<String, Counters>>,
}

impl Default for Limiter {
    fn default() -> Limiter {
        Limiter {
            instance: secrets::random_base62(16),
            counters: Mutex::default(),
        }
    }
}

/// One of a credential's limits, with its window at `now`.
struct Policy<'a> {
    name: &'static str,
    requests: u64,
    window_seconds: i64,
    window: &'a mut Window,
}

impl Policy<'_> {
    fn of<'a, U: Unit>(
        name: &'static str,
        limit: Limit<U>,
        window: &'a mut Window,
        now: i64,
    ) -> Policy<'a> {
        Policy {
            name,
            requests: limit.requests,
            window_seconds: limit.window_seconds(),
            window: window.at(limit.window_start(now)),
        }
    }

    fn state(&self, now: i64) -> LimitState {
        LimitState {
            policy: self.name,
            limit: self.requests,
            window_seconds: self.window_seconds,
            remaining: self.requests.saturating_sub(self.window.total()),
            reset_seconds: (self.window.start + self.window_seconds - now).max(1),
        }
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
        // Rate first: it names the refusal when both are used up.
        let mut policies = Vec::with_capacity(2);
        if let Some(limit) = limits.rate_limit {
            policies.push(Policy::of("rate", limit, &mut counters.rate, now));
        }
        if let Some(limit) = limits.quota {
            policies.push(Policy::of("quota", limit, &mut counters.quota, now));
        }
        let over = policies.iter().find(|p| p.window.total() >= p.requests);
        if let Some(over) = over {
            let refused = over.state(now);
            return LimitDecision::Refused(
                refused,
                policies.iter().map(|p| p.state(now)).collect(),
            );
        }
        for policy in &mut policies {
            policy.window.count += 1;
        }
        LimitDecision::Allowed(policies.iter().map(|p| p.state(now)).collect())
    }

    /// This instance's counts that changed since they were last written.
    fn unwritten(&self) -> Vec<LimitCount> {
        let all = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = Vec::new();
        for (id, counters) in all.iter() {
            for (policy, w) in [("rate", &counters.rate), ("quota", &counters.quota)] {
                if w.count != w.written {
                    out.push(LimitCount {
                        credential_id: id.clone(),
                        policy,
                        window_start: w.start,
                        count: i64::try_from(w.count).unwrap_or(i64::MAX),
                    });
                }
            }
        }
        out
    }

    /// Notes that `written` reached the database.
    fn mark_written(&self, written: &[LimitCount]) {
        let mut all = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        for c in written {
            if let Some(counters) = all.get_mut(&c.credential_id) {
                let w = counters.window(c.policy);
                if w.start == c.window_start {
                    w.written = u64::try_from(c.count).unwrap_or(0);
                }
            }
        }
    }

    /// Takes in the other instances' sums; a newer window than this instance's starts it.
    fn apply_others(&self, others: Vec<LimitCount>) {
        let mut all = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        for c in others {
            // Only credentials this instance counts: the others' come in once it sees them.
            let Some(counters) = all.get_mut(&c.credential_id) else {
                continue;
            };
            let w = counters.window(c.policy);
            if c.window_start < w.start {
                continue;
            }
            let w = w.at(c.window_start);
            w.others = u64::try_from(c.count).unwrap_or(0);
        }
    }

    fn is_empty(&self) -> bool {
        self.counters
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty()
    }

    /// Forgets credentials whose windows have all ended (housekeeping).
    pub fn prune(&self, now: i64) {
        let mut all = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        // A quota window is at most 30 days: older starts are over whatever the limit.
        all.retain(|_, c| now - c.rate.start.max(c.quota.start) < 31 * 86_400);
    }
}

impl Services {
    /// Writes this instance's counts and reads the other instances' (run every
    /// `EXCHANGE_EVERY`, and by tests when they choose).
    pub async fn exchange_limit_counts(&self, now: i64) -> Result<(), ServiceError> {
        let limiter = self.limiter();
        // No limited credential was used here: nothing to write, and nobody's counts to read.
        if limiter.is_empty() {
            return Ok(());
        }
        let unwritten = limiter.unwritten();
        self.store()
            .put_limit_counts(&limiter.instance, &unwritten)
            .await?;
        limiter.mark_written(&unwritten);
        // The oldest window still running is a 30-day quota's.
        let since = now - QuotaUnit::Month.seconds();
        let others = self
            .store()
            .others_limit_counts(&limiter.instance, since)
            .await?;
        limiter.apply_others(others);
        Ok(())
    }

    /// Deletes shared counts of windows that have ended (housekeeping).
    pub async fn prune_limit_counts(&self, now: i64) -> Result<u64, ServiceError> {
        self.limiter().prune(now);
        Ok(self
            .store()
            .prune_limit_counts(now - QuotaUnit::Month.seconds())
            .await?)
    }

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
