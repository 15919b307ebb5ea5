//! What the token endpoint and the `/api/v1` gate need on every request, kept in memory so the
//! hot path costs no database round-trip: API Clients by Client ID, Restricted Access Tokens by
//! digest, revoked `jti`s, and JWTs already verified.
//!
//! Entries are loaded on first use and dropped on every change: at once by the instance that
//! made it, and by every other instance when it reads the change log (`gate_events`), which
//! `follow_changes` polls every 200 ms. A generation counter, bumped under the write lock by
//! every drop, keeps a load that raced a change from caching what it read before it.

use crate::tokens::AccessClaims;
use domain::credentials::{AllowedIps, Scope, Scopes};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use store::{GateClientRecord, GateTokenRecord};

/// More entries than this and a map is emptied (it refills from the database as used).
const MAX_ENTRIES: usize = 200_000;
const MAX_VERIFIED: usize = 100_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientEntry {
    pub id: String,
    pub organization_id: String,
    pub organization_name: String,
    pub api_access: bool,
    pub name: String,
    pub client_id: String,
    pub secret_digest: String,
    pub allowed_origins: Vec<String>,
    pub scopes: Vec<Scope>,
    pub disabled: bool,
    pub expires_at: Option<i64>,
}

impl ClientEntry {
    /// May this client get and use tokens at `now`?
    pub fn is_usable(&self, now: i64) -> bool {
        self.api_access && !self.disabled && self.expires_at.is_none_or(|at| at > now)
    }
}

impl From<GateClientRecord> for ClientEntry {
    fn from(r: GateClientRecord) -> Self {
        let scopes = Scopes::parse(&r.scopes)
            .map(|s| s.as_slice().to_vec())
            .unwrap_or_default();
        ClientEntry {
            id: r.id,
            organization_id: r.organization_id,
            organization_name: r.organization_name,
            api_access: r.api_access,
            name: r.name,
            client_id: r.client_id,
            secret_digest: r.secret_digest,
            allowed_origins: r.allowed_origins,
            scopes,
            disabled: r.disabled,
            expires_at: r.expires_at,
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
    pub created_at: i64,
}

impl TokenEntry {
    pub fn is_usable(&self, now: i64) -> bool {
        self.api_access && self.expires_at.is_none_or(|at| at > now)
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
            created_at: r.created_at,
        })
    }
}

/// `None` records that the database has no such credential. Client IDs and tokens are random,
/// so an unknown one never becomes known later; a deletion drops the entry like any change.
#[derive(Default)]
struct Credentials {
    generation: u64,
    clients: HashMap<String, Option<Arc<ClientEntry>>>,
    tokens: HashMap<String, Option<Arc<TokenEntry>>>,
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

impl GateCache {
    /// The current generation, to pass back to `put_*` after a database read.
    pub fn generation(&self) -> u64 {
        read(&self.credentials).generation
    }

    /// `None` when not cached; `Some(None)` when known not to exist.
    pub fn client(&self, client_id: &str) -> Option<Option<Arc<ClientEntry>>> {
        read(&self.credentials).clients.get(client_id).cloned()
    }

    pub fn token(&self, digest: &str) -> Option<Option<Arc<TokenEntry>>> {
        read(&self.credentials).tokens.get(digest).cloned()
    }

    /// Caches what was read at `generation`, unless something changed since.
    pub fn put_client(&self, client_id: String, entry: Option<Arc<ClientEntry>>, generation: u64) {
        let mut c = write(&self.credentials);
        if c.generation == generation {
            if c.clients.len() >= MAX_ENTRIES {
                c.clients.clear();
            }
            c.clients.insert(client_id, entry);
        }
    }

    pub fn put_token(&self, digest: String, entry: Option<Arc<TokenEntry>>, generation: u64) {
        let mut c = write(&self.credentials);
        if c.generation == generation {
            if c.tokens.len() >= MAX_ENTRIES {
                c.tokens.clear();
            }
            c.tokens.insert(digest, entry);
        }
    }

    pub fn forget_client(&self, client_id: &str) {
        let mut c = write(&self.credentials);
        c.generation += 1;
        c.clients.remove(client_id);
    }

    pub fn forget_token(&self, digest: &str) {
        let mut c = write(&self.credentials);
        c.generation += 1;
        c.tokens.remove(digest);
    }

    /// Drops a token by its credential id (the digest is not kept in the database's rows the
    /// console edits by).
    pub fn forget_token_id(&self, id: &str) {
        let mut c = write(&self.credentials);
        c.generation += 1;
        c.tokens
            .retain(|_, e| e.as_ref().is_none_or(|e| e.id != id));
    }

    pub fn forget_organization(&self, organization_id: &str) {
        let mut c = write(&self.credentials);
        c.generation += 1;
        c.clients.retain(|_, e| {
            e.as_ref()
                .is_none_or(|e| e.organization_id != organization_id)
        });
        c.tokens.retain(|_, e| {
            e.as_ref()
                .is_none_or(|e| e.organization_id != organization_id)
        });
    }

    /// Drops every cached credential (used when changes can no longer be followed).
    pub fn forget_all(&self) {
        let mut c = write(&self.credentials);
        c.generation += 1;
        c.clients.clear();
        c.tokens.clear();
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

    pub fn prune_revoked(&self, now: i64) {
        write(&self.revoked).retain(|_, expires_at| *expires_at > now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(client_id: &str, org: &str) -> Arc<ClientEntry> {
        Arc::new(ClientEntry {
            id: "id".into(),
            organization_id: org.into(),
            organization_name: "Org".into(),
            api_access: true,
            name: "n".into(),
            client_id: client_id.into(),
            secret_digest: "d".into(),
            allowed_origins: vec![],
            scopes: vec![Scope::CredentialsRead],
            disabled: false,
            expires_at: None,
        })
    }

    #[test]
    fn a_load_that_raced_a_change_is_not_cached() {
        let cache = GateCache::default();
        let before = cache.generation();
        cache.forget_client("pci_a");
        cache.put_client("pci_a".into(), Some(entry("pci_a", "o1")), before);
        assert!(cache.client("pci_a").is_none());
        cache.put_client(
            "pci_a".into(),
            Some(entry("pci_a", "o1")),
            cache.generation(),
        );
        assert!(cache.client("pci_a").is_some_and(|e| e.is_some()));
        // Known absent, until a change says otherwise.
        cache.put_client("pci_b".into(), None, cache.generation());
        assert_eq!(cache.client("pci_b"), Some(None));
        cache.forget_client("pci_b");
        assert_eq!(cache.client("pci_b"), None);
    }

    #[test]
    fn an_organization_change_drops_its_entries_only() {
        let cache = GateCache::default();
        cache.put_client(
            "pci_a".into(),
            Some(entry("pci_a", "o1")),
            cache.generation(),
        );
        cache.put_client(
            "pci_b".into(),
            Some(entry("pci_b", "o2")),
            cache.generation(),
        );
        cache.forget_organization("o1");
        assert!(cache.client("pci_a").is_none());
        assert!(cache.client("pci_b").is_some());
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
}
