//! What the token endpoint and the `/api/v1` gate need on every request, kept in memory so the
//! hot path costs no database round-trip: API Clients by Client ID, Restricted Access Tokens by
//! digest, revoked `jti`s, and JWTs already verified.
//!
//! Entries are loaded on first use and dropped on every change: at once by the instance that
//! made it, and by every other instance when its follower reads the change log
//! (`crate::follower`). Nothing stays unchecked for long: an entry older than
//! `REVALIDATE_SECONDS` is read again even if no change came. A generation counter, bumped
//! under the write lock by every drop, keeps a load that raced a change from caching what it
//! read before it.

use crate::tokens::AccessClaims;
use domain::credentials::{AllowedIps, Limits, Scope, Scopes};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use store::{GateClientRecord, GateTokenRecord};

/// More entries than this and a map is emptied (it refills from the database as used).
const MAX_ENTRIES: usize = 200_000;
const MAX_VERIFIED: usize = 100_000;

/// A cached credential is read from the database again after this long, change or not.
pub const REVALIDATE_SECONDS: i64 = 30;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientEntry {
    pub id: String,
    pub organization_id: String,
    pub organization_name: String,
    pub api_access: bool,
    pub name: String,
    pub client_id: String,
    /// The raw SHA-256 of the current secret (`secrets::stored_digest`).
    pub secret_digest: [u8; 32],
    pub secret_version: i64,
    /// The secret before the last rotation while it is kept: its digest and its end.
    pub previous_secret: Option<([u8; 32], i64)>,
    pub allowed_origins: Vec<String>,
    pub scopes: Vec<Scope>,
    pub disabled: bool,
    pub expires_at: Option<i64>,
    pub limits: Limits,
}

impl ClientEntry {
    /// May this client get and use tokens at `now`?
    pub fn is_usable(&self, now: i64) -> bool {
        self.api_access && !self.disabled && self.expires_at.is_none_or(|at| at > now)
    }
}

impl From<GateClientRecord> for ClientEntry {
    fn from(r: GateClientRecord) -> Self {
        let scopes = Scopes::from_stored(&r.scopes);
        ClientEntry {
            id: r.id,
            organization_id: r.organization_id,
            organization_name: r.organization_name,
            api_access: r.api_access,
            name: r.name,
            client_id: r.client_id,
            secret_digest: crate::secrets::stored_digest(&r.secret_digest),
            secret_version: r.secret_version,
            previous_secret: r
                .previous_secret
                .map(|(digest, ends_at)| (crate::secrets::stored_digest(&digest), ends_at)),
            allowed_origins: r.allowed_origins,
            scopes,
            disabled: r.disabled,
            expires_at: r.expires_at,
            limits: Limits {
                rate_limit: r.rate_limit,
                quota: r.quota,
            },
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenEntry {
    pub id: String,
    pub organization_id: String,
    pub organization_name: String,
    pub api_access: bool,
    pub name: String,
    pub allowed_ips: AllowedIps,
    pub expires_at: Option<i64>,
    /// Found by the token it had before a regeneration: when that token stops working.
    pub grace_ends_at: Option<i64>,
    pub revoked: bool,
    pub created_at: i64,
    pub limits: Limits,
    /// What the server derives from this entry for its answers (its `GET /api/v1/me` body,
    /// its identity headers), made once: it depends on nothing but the entry, which is never
    /// changed (a change replaces it).
    pub derived: Derived,
}

/// A value derived from an entry once, on first use, of a type this crate does not know (the
/// server's answers are its own business). Not part of what the entry is: two entries are equal
/// whatever it holds.
#[derive(Clone, Default)]
pub struct Derived(std::sync::OnceLock<std::sync::Arc<dyn std::any::Any + Send + Sync>>);

impl Derived {
    /// The value, made by `make` on first use. Two requests may make it at once: both make
    /// the same, the first is kept. `None` if a value of another type was made first.
    pub fn get_or_make<T: std::any::Any + Send + Sync>(
        &self,
        make: impl FnOnce() -> T,
    ) -> Option<&T> {
        self.0
            .get_or_init(|| std::sync::Arc::new(make()))
            .downcast_ref::<T>()
    }
}

impl PartialEq for Derived {
    fn eq(&self, _: &Derived) -> bool {
        true
    }
}

impl Eq for Derived {}

impl std::fmt::Debug for Derived {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.get().is_some() {
            "Derived(made)"
        } else {
            "Derived(not yet)"
        })
    }
}

impl TokenEntry {
    /// May the token it was found by be used at `now`? Not once revoked, expired, or (for
    /// the token a regeneration replaced) past its end, to the second.
    pub fn is_usable(&self, now: i64) -> bool {
        self.api_access
            && !self.revoked
            && self.expires_at.is_none_or(|at| at > now)
            && self.grace_ends_at.is_none_or(|at| at > now)
    }
}

impl TokenEntry {
    /// `None` when the stored list no longer parses (then the token opens nothing).
    pub(crate) fn from_record(r: GateTokenRecord) -> Option<Self> {
        let allowed_ips =
            AllowedIps::parse_entries(r.allowed_ips.iter().map(String::as_str)).ok()?;
        Some(TokenEntry {
            id: r.id,
            organization_id: r.organization_id,
            organization_name: r.organization_name,
            api_access: r.api_access,
            name: r.name,
            allowed_ips,
            expires_at: r.expires_at,
            grace_ends_at: r.grace_ends_at,
            revoked: r.revoked,
            created_at: r.created_at,
            limits: Limits {
                rate_limit: r.rate_limit,
                quota: r.quota,
            },
            derived: Derived::default(),
        })
    }
}

/// `None` records that the database has no such credential. Client IDs and tokens are random,
/// so an unknown one never becomes known later; a deletion drops the entry like any change.
#[derive(Default)]
struct Credentials {
    generation: u64,
    clients: HashMap<String, Cached<ClientEntry>>,
    /// By the raw SHA-256 of the token.
    tokens: HashMap<[u8; 32], Cached<TokenEntry>>,
}

/// What was read, and when (Unix seconds).
struct Cached<T> {
    entry: Option<Arc<T>>,
    loaded_at: i64,
}

impl<T> Cached<T> {
    /// The entry while it is fresh at `now`. A clock that moved back keeps it no longer than
    /// the same span forwards would.
    fn fresh(&self, now: i64) -> Option<Option<Arc<T>>> {
        ((now - self.loaded_at).abs() < REVALIDATE_SECONDS).then(|| self.entry.clone())
    }

    fn entry(&self) -> Option<&Arc<T>> {
        self.entry.as_ref()
    }
}

#[derive(Default)]
pub struct GateCache {
    credentials: RwLock<Credentials>,
    verified: RwLock<HashMap<[u8; 32], Arc<AccessClaims>>>,
    /// Revoked `jti` → when the token expires anyway.
    revoked: RwLock<HashMap<String, i64>>,
    pub(crate) revoked_loaded: AtomicBool,
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Keeps a full map from growing: memos of unknown credentials (which anyone can mint by
/// sending random ids) and stale entries go first, so a flood of made-up ids does not push
/// out the credentials in use; only when what remains is still nearly full is it all dropped.
/// Each pass leaves at most 90% of the bound, so passes stay rare.
fn make_room<K, T>(map: &mut HashMap<K, Cached<T>>, now: i64) {
    if map.len() < MAX_ENTRIES {
        return;
    }
    map.retain(|_, cached| cached.entry.is_some() && cached.fresh(now).is_some());
    if map.len() >= MAX_ENTRIES / 10 * 9 {
        map.clear();
    }
}

impl GateCache {
    /// The current generation, to pass back to `put_*` after a database read.
    pub fn generation(&self) -> u64 {
        read(&self.credentials).generation
    }

    /// `None` when not cached or no longer fresh at `now`; `Some(None)` when known not to exist.
    pub fn client(&self, client_id: &str, now: i64) -> Option<Option<Arc<ClientEntry>>> {
        read(&self.credentials).clients.get(client_id)?.fresh(now)
    }

    pub fn token(&self, digest: &[u8; 32], now: i64) -> Option<Option<Arc<TokenEntry>>> {
        read(&self.credentials).tokens.get(digest)?.fresh(now)
    }

    /// Caches what was read at `generation` (at `now`), unless something changed since.
    pub fn put_client(
        &self,
        client_id: String,
        entry: Option<Arc<ClientEntry>>,
        generation: u64,
        now: i64,
    ) {
        let mut c = write(&self.credentials);
        if c.generation == generation {
            make_room(&mut c.clients, now);
            let cached = Cached {
                entry,
                loaded_at: now,
            };
            c.clients.insert(client_id, cached);
        }
    }

    pub fn put_token(
        &self,
        digest: [u8; 32],
        entry: Option<Arc<TokenEntry>>,
        generation: u64,
        now: i64,
    ) {
        let mut c = write(&self.credentials);
        if c.generation == generation {
            make_room(&mut c.tokens, now);
            let cached = Cached {
                entry,
                loaded_at: now,
            };
            c.tokens.insert(digest, cached);
        }
    }

    pub fn forget_client(&self, client_id: &str) {
        let mut c = write(&self.credentials);
        c.generation += 1;
        c.clients.remove(client_id);
    }

    pub fn forget_token(&self, digest: &[u8; 32]) {
        let mut c = write(&self.credentials);
        c.generation += 1;
        c.tokens.remove(digest);
    }

    /// Drops a token by its credential id (the digest is not kept in the database's rows the
    /// console edits by).
    pub fn forget_token_id(&self, id: &str) {
        let mut c = write(&self.credentials);
        c.generation += 1;
        c.tokens.retain(|_, e| e.entry().is_none_or(|e| e.id != id));
    }

    pub fn forget_organization(&self, organization_id: &str) {
        let mut c = write(&self.credentials);
        c.generation += 1;
        c.clients.retain(|_, e| {
            e.entry()
                .is_none_or(|e| e.organization_id != organization_id)
        });
        c.tokens.retain(|_, e| {
            e.entry()
                .is_none_or(|e| e.organization_id != organization_id)
        });
    }

    /// Drops everything this instance knows: credentials, verified JWTs and the revoked list
    /// (reloaded on next use). For when changes could not be followed.
    pub fn forget_all(&self) {
        {
            let mut c = write(&self.credentials);
            c.generation += 1;
            c.clients.clear();
            c.tokens.clear();
        }
        self.forget_verified();
        let mut revoked = write(&self.revoked);
        revoked.clear();
        self.revoked_loaded.store(false, Ordering::Release);
    }

    /// Drops every verified JWT (the signing keys changed: each is checked against them again).
    pub fn forget_verified(&self) {
        write(&self.verified).clear();
    }

    pub fn verified(&self, token_digest: &[u8; 32], now: i64) -> Option<Arc<AccessClaims>> {
        read(&self.verified)
            .get(token_digest)
            .filter(|claims| claims.exp > now)
            .cloned()
    }

    pub fn put_verified(&self, token_digest: [u8; 32], claims: Arc<AccessClaims>, now: i64) {
        let mut verified = write(&self.verified);
        if verified.len() >= MAX_VERIFIED {
            verified.retain(|_, c| c.exp > now);
            if verified.len() >= MAX_VERIFIED {
                verified.clear();
            }
        }
        verified.insert(token_digest, claims);
    }

    pub fn is_revoked(&self, jti: &str) -> bool {
        read(&self.revoked).contains_key(jti)
    }

    pub fn put_revoked(&self, jti: String, expires_at: i64) {
        write(&self.revoked).insert(jti, expires_at);
    }

    pub(crate) fn load_revoked(&self, revoked: Vec<(String, i64)>) {
        let mut map = write(&self.revoked);
        map.extend(revoked);
        self.revoked_loaded.store(true, Ordering::Release);
    }

    pub fn revoked_loaded(&self) -> bool {
        self.revoked_loaded.load(Ordering::Acquire)
    }

    pub fn prune_revoked(&self, now: i64) {
        write(&self.revoked).retain(|_, expires_at| *expires_at > now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn entry(client_id: &str, org: &str) -> Arc<ClientEntry> {
        Arc::new(ClientEntry {
            id: "id".into(),
            organization_id: org.into(),
            organization_name: "Org".into(),
            api_access: true,
            name: "n".into(),
            client_id: client_id.into(),
            secret_digest: [0; 32],
            secret_version: 1,
            previous_secret: None,
            allowed_origins: vec![],
            scopes: vec![Scope::CredentialsRead],
            disabled: false,
            expires_at: None,
            limits: Limits::default(),
        })
    }

    #[test]
    fn a_load_that_raced_a_change_is_not_cached() {
        let cache = GateCache::default();
        let before = cache.generation();
        cache.forget_client("pci_a");
        cache.put_client("pci_a".into(), Some(entry("pci_a", "o1")), before, NOW);
        assert!(cache.client("pci_a", NOW).is_none());
        cache.put_client(
            "pci_a".into(),
            Some(entry("pci_a", "o1")),
            cache.generation(),
            NOW,
        );
        assert!(cache.client("pci_a", NOW).is_some_and(|e| e.is_some()));
        // Known absent, until a change says otherwise.
        cache.put_client("pci_b".into(), None, cache.generation(), NOW);
        assert_eq!(cache.client("pci_b", NOW), Some(None));
        cache.forget_client("pci_b");
        assert_eq!(cache.client("pci_b", NOW), None);
    }

    #[test]
    fn an_organization_change_drops_its_entries_only() {
        let cache = GateCache::default();
        cache.put_client(
            "pci_a".into(),
            Some(entry("pci_a", "o1")),
            cache.generation(),
            NOW,
        );
        cache.put_client(
            "pci_b".into(),
            Some(entry("pci_b", "o2")),
            cache.generation(),
            NOW,
        );
        cache.forget_organization("o1");
        assert!(cache.client("pci_a", NOW).is_none());
        assert!(cache.client("pci_b", NOW).is_some());
    }

    #[test]
    fn entries_are_read_again_after_thirty_seconds_without_any_change() {
        let cache = GateCache::default();
        let generation = cache.generation();
        cache.put_client("pci_a".into(), Some(entry("pci_a", "o1")), generation, NOW);
        let digest = crate::secrets::digest_bytes("token");
        cache.put_token(digest, None, generation, NOW);
        let later = NOW + REVALIDATE_SECONDS - 1;
        assert!(cache.client("pci_a", later).is_some());
        assert_eq!(cache.token(&digest, later), Some(None));
        let stale = NOW + REVALIDATE_SECONDS;
        assert!(cache.client("pci_a", stale).is_none());
        assert!(cache.token(&digest, stale).is_none());
        // A clock set back does not make an entry live forever either.
        assert!(cache.client("pci_a", NOW - REVALIDATE_SECONDS).is_none());
    }

    #[test]
    fn a_flood_of_unknown_ids_does_not_push_out_known_clients() {
        let cache = GateCache::default();
        let known = entry("known", "org");
        cache.put_client("known".into(), Some(known), cache.generation(), NOW);
        for i in 0..MAX_ENTRIES + 10 {
            cache.put_client(format!("made-up-{i}"), None, cache.generation(), NOW);
        }
        assert!(
            matches!(cache.client("known", NOW), Some(Some(_))),
            "the known client stays cached"
        );
        assert!(read(&cache.credentials).clients.len() < MAX_ENTRIES);
    }

    #[test]
    fn forgetting_everything_drops_verified_tokens_and_the_revoked_list() {
        let cache = GateCache::default();
        cache.put_client(
            "pci_a".into(),
            Some(entry("pci_a", "o1")),
            cache.generation(),
            NOW,
        );
        let claims = Arc::new(AccessClaims {
            iss: "i".into(),
            sub: "pci_a".into(),
            client_id: "pci_a".into(),
            aud: "a".into(),
            iat: NOW,
            exp: NOW + 60,
            jti: "j".into(),
            scope: "credentials:read".into(),
            org: "o1".into(),
        });
        cache.put_verified([7; 32], claims, NOW);
        cache.load_revoked(vec![("j".into(), NOW + 60)]);
        assert!(cache.verified(&[7; 32], NOW).is_some() && cache.is_revoked("j"));
        cache.forget_all();
        assert!(cache.client("pci_a", NOW).is_none());
        assert!(cache.verified(&[7; 32], NOW).is_none());
        assert!(!cache.is_revoked("j"));
        assert!(
            !cache.revoked_loaded(),
            "the revoked list is read again on next use"
        );
    }

    #[test]
    fn usable_means_api_access_enabled_and_unexpired() {
        let mut e = (*entry("pci_a", "o1")).clone();
        assert!(e.is_usable(100));
        e.expires_at = Some(100);
        assert!(!e.is_usable(100));
        e.expires_at = None;
        e.disabled = true;
        assert!(!e.is_usable(100));
        e.disabled = false;
        e.api_access = false;
        assert!(!e.is_usable(100));
    }

    #[test]
    fn a_derived_value_is_made_once_and_is_not_part_of_equality() {
        let derived = Derived::default();
        let made = std::sync::atomic::AtomicUsize::new(0);
        let make = || {
            made.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            String::from("answer")
        };
        assert_eq!(
            derived.get_or_make(make).map(String::as_str),
            Some("answer")
        );
        assert_eq!(
            derived.get_or_make(make).map(String::as_str),
            Some("answer")
        );
        assert_eq!(made.load(std::sync::atomic::Ordering::Relaxed), 1);
        assert_eq!(
            derived.get_or_make(|| 7_u32),
            None,
            "another type is not made"
        );
        assert_eq!(derived, Derived::default());
    }
}
