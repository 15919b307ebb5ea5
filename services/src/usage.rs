//! Usage per credential (PRODUCT.md §9): the gate counts, in memory, every request that
//! authenticated as a credential, let through or refused (scope, IP, origin, rate limit), by
//! hour, and notes when and from where it was last used. Every `FLUSH_EVERY` the counts go to
//! the database in one batch (so a crash loses at most that much), and at shutdown.

use crate::principal::CredentialViewer;
use crate::{ServiceError, Services};
use domain::{CredentialId, OrgId};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;
use store::{LastUse, UsageDelta};

/// How often the counts are written.
pub const FLUSH_EVERY: Duration = Duration::from_secs(10);
/// How far back usage is kept and answered.
pub const KEEP_SECONDS: i64 = 7 * 86_400;
const HOUR: i64 = 3_600;

/// An hour's counts: `(hour_start, allowed, refused)`.
type HourCounts = (i64, i64, i64);
/// A last use: when, and from which address.
type Use = (i64, Option<IpAddr>);

/// What one credential did since the last flush.
#[derive(Default)]
struct Pending {
    /// hour start → (allowed, refused)
    hours: HashMap<i64, (i64, i64)>,
    last: Option<Use>,
}

impl Pending {
    /// Adds `other`'s counts; keeps the later last use.
    fn merge(&mut self, other: Pending) {
        for (hour, (allowed, refused)) in other.hours {
            let counts = self.hours.entry(hour).or_default();
            counts.0 += allowed;
            counts.1 += refused;
        }
        if other
            .last
            .is_some_and(|(at, _)| self.last.is_none_or(|(mine, _)| mine < at))
        {
            self.last = other.last;
        }
    }
}

/// Counts per credential id.
type Counts = HashMap<String, Pending>;

/// Shards of the counts: each thread counts into its own, so the workers serving requests at
/// once do not wait for one lock or pass its cache line back and forth on every request.
const SHARDS: usize = 16;

thread_local! {
    /// This thread's shard, given out in turn.
    static SHARD: usize = {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % SHARDS
    };
}

/// The counts not yet written.
pub struct UsageRecorder {
    pending: [Mutex<Counts>; SHARDS],
    /// API Client id → (secret version, when) of its last authentication with a secret.
    secrets: Mutex<HashMap<String, (i64, i64)>>,
}

impl Default for UsageRecorder {
    fn default() -> Self {
        UsageRecorder {
            pending: std::array::from_fn(|_| Mutex::default()),
            secrets: Mutex::default(),
        }
    }
}

fn lock(shard: &Mutex<Counts>) -> std::sync::MutexGuard<'_, Counts> {
    shard.lock().unwrap_or_else(|p| p.into_inner())
}

impl UsageRecorder {
    /// Counts one request of `credential_id` at `now` from `from`.
    pub fn record(&self, credential_id: &str, allowed: bool, now: i64, from: Option<IpAddr>) {
        let mut all = lock(&self.pending[SHARD.with(|s| *s)]);
        let pending = match all.get_mut(credential_id) {
            Some(pending) => pending,
            None => all.entry(credential_id.to_string()).or_default(),
        };
        let hour = pending.hours.entry(now - now.rem_euclid(HOUR)).or_default();
        if allowed {
            hour.0 += 1;
        } else {
            hour.1 += 1;
        }
        if pending.last.is_none_or(|(at, _)| at <= now) {
            pending.last = Some((now, from));
        }
    }

    /// Notes that API Client `credential_id` authenticated with its secret number `version`.
    pub fn record_secret(&self, credential_id: &str, version: i64, now: i64) {
        let mut all = self.secrets.lock().unwrap_or_else(|p| p.into_inner());
        match all.get_mut(credential_id) {
            Some(last) if last.1 > now => {}
            Some(last) => *last = (version, now),
            None => {
                all.insert(credential_id.to_string(), (version, now));
            }
        }
    }

    fn take_secrets(&self) -> HashMap<String, (i64, i64)> {
        std::mem::take(&mut *self.secrets.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn restore_secrets(&self, unwritten: HashMap<String, (i64, i64)>) {
        let mut all = self.secrets.lock().unwrap_or_else(|p| p.into_inner());
        for (id, old) in unwritten {
            all.entry(id).or_insert(old);
        }
    }

    fn pending_secret_of(&self, credential_id: &str) -> Option<(i64, i64)> {
        let all = self.secrets.lock().unwrap_or_else(|p| p.into_inner());
        all.get(credential_id).copied()
    }

    /// Every shard's counts, emptied, as one.
    fn take(&self) -> Counts {
        let mut taken = Counts::new();
        for shard in &self.pending {
            let counts = std::mem::take(&mut *lock(shard));
            if taken.is_empty() {
                taken = counts;
                continue;
            }
            for (id, pending) in counts {
                taken.entry(id).or_default().merge(pending);
            }
        }
        taken
    }

    /// Puts back what could not be written, so the next flush tries again.
    fn restore(&self, unwritten: Counts) {
        let mut all = lock(&self.pending[SHARD.with(|s| *s)]);
        for (id, old) in unwritten {
            all.entry(id).or_default().merge(old);
        }
    }

    /// Not yet written for one credential: its hours and its last use.
    fn pending_of(&self, credential_id: &str) -> (Vec<HourCounts>, Option<Use>) {
        let mut found = Pending::default();
        for shard in &self.pending {
            if let Some(p) = lock(shard).get(credential_id) {
                found.merge(Pending {
                    hours: p.hours.clone(),
                    last: p.last,
                });
            }
        }
        let hours = found.hours.iter().map(|(h, (a, r))| (*h, *a, *r)).collect();
        (hours, found.last)
    }

    /// The last uses not yet written of the credentials `ids`.
    fn pending_last_uses(&self, ids: &[&str]) -> Vec<(String, i64)> {
        let mut last: HashMap<&str, i64> = HashMap::new();
        for shard in &self.pending {
            let all = lock(shard);
            for id in ids {
                if let Some((at, _)) = all.get(*id).and_then(|p| p.last) {
                    let kept = last.entry(id).or_insert(at);
                    *kept = (*kept).max(at);
                }
            }
        }
        last.into_iter()
            .map(|(id, at)| (id.to_string(), at))
            .collect()
    }
}

/// `GET …/{id}/usage`: the last use and every hour of the last 7 days, oldest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Usage {
    pub last_used_at: Option<i64>,
    pub last_used_ip: Option<String>,
    /// `(hour_start, allowed, refused)`, 168 hours ending with the current one.
    pub hours: Vec<HourCounts>,
    /// API Clients only: which secret last authenticated, while a rotation keeps two.
    pub last_used_secret: Option<SecretUsed>,
}

/// Which of an API Client's two secrets (during a rotation's grace) was used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretUsed {
    Current,
    Previous,
}

impl SecretUsed {
    pub fn as_str(self) -> &'static str {
        match self {
            SecretUsed::Current => "current",
            SecretUsed::Previous => "previous",
        }
    }
}

/// Which kind of credential an id names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CredentialKind {
    ApiClient,
    RestrictedToken,
}

impl Services {
    /// Counts a request that authenticated as `credential_id`.
    pub fn record_use(&self, credential_id: &str, allowed: bool, now: i64, from: Option<IpAddr>) {
        self.usage_recorder()
            .record(credential_id, allowed, now, from);
    }

    /// Writes the counts gathered since the last flush, in one transaction (and which secret
    /// each API Client last used, in another).
    pub async fn flush_usage(&self) -> Result<(), ServiceError> {
        let secrets = self.usage_recorder().take_secrets();
        if !secrets.is_empty() {
            let uses: Vec<_> = secrets
                .iter()
                .map(|(id, (version, at))| (id.clone(), *version, *at))
                .collect();
            if let Err(err) = self.store().note_secret_uses(&uses).await {
                self.usage_recorder().restore_secrets(secrets);
                return Err(err.into());
            }
        }
        let taken = self.usage_recorder().take();
        if taken.is_empty() {
            return Ok(());
        }
        let mut deltas = Vec::new();
        let mut last_uses = Vec::new();
        for (id, pending) in &taken {
            for (hour, (allowed, refused)) in &pending.hours {
                deltas.push(UsageDelta {
                    credential_id: id.clone(),
                    hour_start: *hour,
                    allowed: *allowed,
                    refused: *refused,
                });
            }
            if let Some((at, from)) = pending.last {
                last_uses.push(LastUse {
                    credential_id: id.clone(),
                    used_at: at,
                    address: from.map(|ip| ip.to_canonical().to_string()),
                });
            }
        }
        if let Err(err) = self.store().add_usage(&deltas, &last_uses).await {
            self.usage_recorder().restore(taken);
            return Err(err.into());
        }
        Ok(())
    }

    /// A credential's usage, for whoever may view the organization's credentials: written
    /// counts plus this instance's unwritten ones. `NotFound` for another organization's id.
    pub async fn credential_usage(
        &self,
        viewer: CredentialViewer<'_>,
        kind: CredentialKind,
        id: &str,
        now: i64,
    ) -> Result<Usage, ServiceError> {
        let org = viewer.organization_id();
        let last_used_secret = match kind {
            CredentialKind::ApiClient => self.last_used_secret(org, id, now).await?,
            CredentialKind::RestrictedToken => {
                drop(
                    self.store()
                        .get_restricted_token(OrgId::new(org), CredentialId::new(id))
                        .await?,
                );
                None
            }
        };
        let current_hour = now - now.rem_euclid(HOUR);
        let first_hour = current_hour - KEEP_SECONDS + HOUR;
        let mut by_hour: HashMap<i64, (i64, i64)> = HashMap::new();
        for (hour, allowed, refused) in self.store().usage_hours(id, first_hour).await? {
            let counts = by_hour.entry(hour).or_default();
            counts.0 += allowed;
            counts.1 += refused;
        }
        let (pending, pending_last) = self.usage_recorder().pending_of(id);
        for (hour, allowed, refused) in pending {
            let counts = by_hour.entry(hour).or_default();
            counts.0 += allowed;
            counts.1 += refused;
        }
        let hours = (0..KEEP_SECONDS / HOUR)
            .map(|n| {
                let hour = first_hour + n * HOUR;
                let (allowed, refused) = by_hour.get(&hour).copied().unwrap_or_default();
                (hour, allowed, refused)
            })
            .collect();
        let stored = self.store().last_use(id).await?;
        let pending_last = pending_last.map(|(at, from)| LastUse {
            credential_id: id.to_string(),
            used_at: at,
            address: from.map(|ip| ip.to_canonical().to_string()),
        });
        let newest = [pending_last, stored]
            .into_iter()
            .flatten()
            .max_by_key(|u| u.used_at);
        let (last_used_at, last_used_ip) = match newest {
            Some(u) => (Some(u.used_at), u.address),
            None => (None, None),
        };
        Ok(Usage {
            last_used_at,
            last_used_ip,
            hours,
            last_used_secret,
        })
    }

    /// Which secret of API Client `id` last authenticated (written or not): the current one,
    /// the one a rotation keeps, or `None` (never, or a secret that no longer works).
    async fn last_used_secret(
        &self,
        org: &str,
        id: &str,
        now: i64,
    ) -> Result<Option<SecretUsed>, ServiceError> {
        let client = self
            .store()
            .get_api_client(OrgId::new(org), CredentialId::new(id))
            .await?;
        let current = client.secret_version;
        let stored = self.store().secret_last_use(id).await?;
        let pending = self.usage_recorder().pending_secret_of(id);
        let last = [stored, pending].into_iter().flatten().max_by_key(|u| u.1);
        Ok(match last {
            Some((version, _)) if version == current => Some(SecretUsed::Current),
            Some((version, _))
                if version == current - 1
                    && client.previous_secret.is_some_and(|p| p.expires_at > now) =>
            {
                Some(SecretUsed::Previous)
            }
            _ => None,
        })
    }

    /// When each of the credentials `ids` was last used (written or not).
    pub async fn last_used(&self, ids: &[&str]) -> Result<HashMap<String, i64>, ServiceError> {
        let mut last: HashMap<String, i64> = self
            .store()
            .last_uses(ids)
            .await?
            .into_iter()
            .map(|u| (u.credential_id, u.used_at))
            .collect();
        for (id, at) in self.usage_recorder().pending_last_uses(ids) {
            let entry = last.entry(id).or_insert(at);
            *entry = (*entry).max(at);
        }
        Ok(last)
    }

    /// Deletes hours older than 7 days (housekeeping).
    pub async fn prune_usage(&self, now: i64) -> Result<u64, ServiceError> {
        Ok(self.store().prune_usage(now - KEEP_SECONDS).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_800_000_000 - 1_800_000_000 % HOUR;

    /// Threads count into their own shards; reading and taking see the sum of all of them,
    /// and the latest use.
    #[test]
    fn counts_from_many_threads_add_up() {
        let recorder = UsageRecorder::default();
        let from = |i: u8| Some(IpAddr::from([127, 0, 0, i]));
        std::thread::scope(|s| {
            for i in 0..(SHARDS as u8 + 4) {
                let recorder = &recorder;
                s.spawn(move || {
                    for _ in 0..100 {
                        recorder.record("a", true, T0 + i64::from(i), from(i));
                    }
                    recorder.record("a", false, T0 + HOUR, from(i));
                });
            }
        });
        let threads = SHARDS as i64 + 4;
        let (mut hours, last) = recorder.pending_of("a");
        hours.sort();
        assert_eq!(hours, vec![(T0, threads * 100, 0), (T0 + HOUR, 0, threads)]);
        assert_eq!(last.map(|(at, _)| at), Some(T0 + HOUR));
        assert_eq!(
            recorder.pending_last_uses(&["a", "b"]),
            vec![("a".to_string(), T0 + HOUR)]
        );
        let taken = recorder.take();
        assert_eq!(taken["a"].hours[&T0], (threads * 100, 0));
        assert!(recorder.take().is_empty(), "taking empties every shard");
        recorder.restore(taken);
        assert_eq!(
            recorder.pending_of("a").0.len(),
            2,
            "restored for the next flush"
        );
    }
}
