//! Following the change log (`store::change_log`): how every instance learns, in the order the
//! database committed them, of the changes other instances made, and drops what its gate cache
//! holds about them.
//!
//! A `Follower` keeps a horizon (every change below it is applied) and the changes at or above
//! it that it applied already; each `step` reads from the horizon on, page by page, applies
//! what is new and moves the horizon to where the database says everything is final. Nothing is
//! read by time, so no clock skew, late commit or burst loses a change. On PostgreSQL a
//! notification wakes the follower at once; a poll every 200 ms is the net under it.
//!
//! The follower is supervised: if it panics, or cannot read for 5 s, the instance forgets
//! everything it cached, answers 503 `temporarily_unavailable` on the authenticated paths, and
//! serves again once a read succeeds (after a restart, for a panic).

use crate::tokens::ACCESS_TOKEN_SECONDS;
use crate::{ServiceError, Services};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;
use store::{Backend, GateEvent, GateEventKind};

/// Changes read per query.
const PAGE: i64 = 5_000;
/// Without a successful read for this long, the instance stops answering from memory.
pub const FAIL_AFTER_MS: i64 = 5_000;
/// The poll under the notifications.
const POLL: Duration = Duration::from_millis(200);
/// A read that takes longer than this has failed.
const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// In-memory revocations of expired tokens are dropped this often.
const PRUNE_EVERY_MS: i64 = 60_000;

const UP: u8 = 1;
const DOWN: u8 = 2;

/// Whether this instance may answer from what it has in memory.
#[derive(Debug)]
pub struct FollowerHealth {
    /// 0: standalone (no follower: a CLI command, a test of the rules), `UP` or `DOWN`.
    state: AtomicU8,
    /// Steps taken (read or failed), so that a caller can wait for the follower's next reads.
    steps: tokio::sync::watch::Sender<u64>,
    /// Asks for a step now (rather than at the next poll).
    wake: tokio::sync::Notify,
    /// The test hook that makes the follower panic.
    kill: tokio::sync::Notify,
}

impl Default for FollowerHealth {
    fn default() -> Self {
        FollowerHealth {
            state: AtomicU8::new(0),
            steps: tokio::sync::watch::Sender::new(0),
            wake: tokio::sync::Notify::new(),
            kill: tokio::sync::Notify::new(),
        }
    }
}

impl FollowerHealth {
    /// `Unavailable` while changes cannot be followed.
    pub fn check(&self) -> Result<(), ServiceError> {
        if self.state.load(Ordering::Acquire) == DOWN {
            Err(ServiceError::Unavailable)
        } else {
            Ok(())
        }
    }

    fn set(&self, state: u8) -> u8 {
        self.state.swap(state, Ordering::AcqRel)
    }
}

/// Reads the change log and applies it to one instance's cache.
pub struct Follower {
    services: Services,
    /// Every change below it has been applied; `None` before the first read.
    horizon: Option<i64>,
    /// Changes at or above the horizon that were applied, by position `(tx, seq)`.
    applied: HashSet<(i64, i64)>,
    last_ok_ms: i64,
    last_pruned_ms: i64,
}

impl Follower {
    /// A follower for `services`, which answers 503 until its first read succeeds.
    pub fn new(services: Services) -> Self {
        services.tokens.health.set(DOWN);
        let now_ms = services.clock().now_ms();
        Follower {
            services,
            horizon: None,
            applied: HashSet::new(),
            last_ok_ms: now_ms,
            last_pruned_ms: now_ms,
        }
    }

    /// One read of the change log: applies every committed change not applied yet, however
    /// many. Answers how many it applied.
    pub async fn step(&mut self) -> Result<usize, ServiceError> {
        let result = match tokio::time::timeout(READ_TIMEOUT, self.read()).await {
            Ok(result) => result,
            Err(_) => Err(ServiceError::Unavailable),
        };
        let now_ms = self.services.clock().now_ms();
        let health = &self.services.tokens.health;
        health.steps.send_modify(|n| *n += 1);
        match &result {
            Ok(_) => {
                self.last_ok_ms = now_ms;
                if now_ms - self.last_pruned_ms >= PRUNE_EVERY_MS {
                    self.services.tokens.cache.prune_revoked(now_ms / 1000);
                    self.last_pruned_ms = now_ms;
                }
                if health.set(UP) == DOWN {
                    tracing::info!("following the change log");
                }
            }
            Err(err) => {
                if now_ms - self.last_ok_ms >= FAIL_AFTER_MS && health.set(DOWN) != DOWN {
                    tracing::error!(error = %err, "cannot read the change log for 5 s: answering 503");
                    self.services.forget_everything();
                }
            }
        }
        result
    }

    async fn read(&mut self) -> Result<usize, ServiceError> {
        let store = self.services.store();
        // Taken first: every change below it is visible to the reads that follow.
        let next_horizon = store.change_log_horizon().await?;
        let Some(horizon) = self.horizon else {
            // Nothing before the horizon needs applying: the cache starts empty, and a
            // follower that replaces a failed one starts after the supervisor emptied it (while
            // the instance answered 503, so nothing was loaded since).
            self.horizon = Some(next_horizon);
            return Ok(0);
        };
        let mut after = (horizon, i64::MIN);
        let mut applied = 0;
        loop {
            let page = store.changes_after(after, PAGE).await?;
            for event in &page {
                after = event.position();
                if self.applied.insert(after) {
                    self.services.apply_change(event);
                    applied += 1;
                }
            }
            if (page.len() as i64) < PAGE {
                break;
            }
        }
        let next_horizon = next_horizon.max(horizon);
        self.applied.retain(|(tx, _)| *tx >= next_horizon);
        self.horizon = Some(next_horizon);
        Ok(applied)
    }
}

impl Services {
    /// Applies one change to this instance's cache (applying twice is harmless).
    fn apply_change(&self, event: &GateEvent) {
        let cache = &self.tokens.cache;
        let key = event.key.as_str();
        match event.kind {
            Some(GateEventKind::Client) => cache.forget_client(key),
            Some(GateEventKind::Token) => match crate::secrets::parse_hex(key) {
                Some(digest) => cache.forget_token(&digest),
                // Not a digest this version writes: nothing cached is trusted.
                None => self.forget_everything(),
            },
            Some(GateEventKind::Organization) => cache.forget_organization(key),
            Some(GateEventKind::Revoked) => {
                cache.put_revoked(key.to_string(), self.now() + ACCESS_TOKEN_SECONDS)
            }
            Some(GateEventKind::Keys) => self.keys_changed(),
            // Written by a newer version: whatever it was, nothing cached is trusted.
            None => self.forget_everything(),
        }
    }

    /// Drops everything the gate holds in memory: credentials, verified JWTs, revocations
    /// (reloaded on next use) and keys.
    pub fn forget_everything(&self) {
        self.tokens.cache.forget_all();
        self.reload_keys();
    }

    /// Follows the change log for as long as the process runs, starting with `follower` (whose
    /// first `step` the caller may already have taken). A follower that panics is replaced
    /// after a pause (1 s, doubling to 30 s while it keeps failing); meanwhile the instance
    /// answers 503.
    pub async fn follow_changes(self, follower: Follower) {
        let mut follower = Some(follower);
        let mut pause = Duration::from_secs(1);
        loop {
            let started_ms = self.clock().now_ms();
            let current = follower
                .take()
                .unwrap_or_else(|| Follower::new(self.clone()));
            let outcome = tokio::spawn(follow(self.clone(), current)).await;
            self.tokens.health.set(DOWN);
            self.forget_everything();
            if let Err(err) = outcome {
                tracing::error!(error = %err, "the change-log follower failed; restarting it");
            }
            if self.clock().now_ms() - started_ms > 60_000 {
                pause = Duration::from_secs(1);
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(30));
        }
    }

    /// Waits until the follower has taken two more steps, so that one whole read of the change
    /// log began after the call (for tests and benchmarks: no waiting for time to pass).
    pub async fn follower_steps(&self) {
        let health = &self.tokens.health;
        let mut steps = health.steps.subscribe();
        let start = *steps.borrow_and_update();
        health.wake.notify_one();
        let _ = steps.wait_for(|n| *n >= start + 2).await;
    }

    /// Whether the authenticated paths answer (the follower is not down).
    pub fn is_following(&self) -> bool {
        self.tokens.health.check().is_ok()
    }

    /// Test hook: makes the follower panic, as a bug would.
    pub fn kill_follower(&self) {
        self.tokens.health.kill.notify_one();
    }

    /// Hourly (any instance): drops old change-log rows, expired revocations and keys nobody
    /// can use from the database. Each instance prunes its in-memory revocations itself.
    pub async fn prune_token_state(&self, now: i64) -> Result<(), ServiceError> {
        self.store().prune_change_log().await?;
        self.store().prune_revocations(now).await?;
        self.store()
            .delete_retired_signing_keys(now - ACCESS_TOKEN_SECONDS)
            .await?;
        Ok(())
    }
}

/// The follower's loop: a step on every notification and every poll.
async fn follow(services: Services, mut follower: Follower) {
    let store = services.store().clone();
    let mut listener = None;
    let mut listen_again_ms = 0;
    loop {
        let now_ms = services.clock().now_ms();
        if store.backend() == Backend::Postgres && listener.is_none() && now_ms >= listen_again_ms {
            match store.listen_for_changes().await {
                Ok(found) => listener = found,
                Err(err) => {
                    tracing::warn!(error = %err, "cannot listen for changes; polling");
                    listen_again_ms = now_ms + FAIL_AFTER_MS;
                }
            }
        }
        if let Err(err) = follower.step().await {
            tracing::warn!(error = %err, "cannot read the change log");
        }
        let notified = async {
            match listener.as_mut() {
                Some(listener) => listener.changed().await,
                None => std::future::pending().await,
            }
        };
        let lost = tokio::select! {
            () = tokio::time::sleep(POLL) => false,
            changed = notified => changed.is_err(),
            () = services.tokens.health.wake.notified() => false,
            () = services.tokens.health.kill.notified() => {
                panic!("the change-log follower was stopped by the test hook");
            }
        };
        if lost {
            listener = None;
        }
    }
}
