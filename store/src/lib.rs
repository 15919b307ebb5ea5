//! Persistence for Portcullis: one `Store` over SQLite or PostgreSQL.
//!
//! Queries go through sqlx's `Any` driver so that one set of SQL serves both backends; each
//! backend has its own migration folder. Everything is written with `$n` placeholders, integer
//! flags and Unix-second timestamps, which both databases read the same way. Every change that
//! touches several rows runs in one transaction.
//!
//! A `LIMIT` or a `LIKE` pattern that is bound is written as an expression, `LIMIT ($n + 0)`
//! and `LIKE ($n || '')`, never as a bare `$n`: SQLite (3.51) plans with the value of a bare
//! parameter in those places and so compiles the statement again each time a value is bound to
//! it, which was two thirds of the work of a console list request.

mod accounts;
mod audit;
mod change_log;
mod credentials;
mod error;
mod gate;
mod invites;
mod lifecycle;
mod limit_counts;
mod logos;
mod pages;
mod records;
mod sessions;
mod throttle;
mod usage;

pub use audit::{AuditActor, AuditEventRecord, NewAuditEvent};
pub use change_log::{ChangeListener, GateEvent, GateEventKind};
pub use credentials::{
    ApiClientFields, ApiClientRecord, NewApiClient, NewRestrictedToken, PreviousSecret,
    RestrictedTokenFields, RestrictedTokenRecord, name_key,
};
pub use error::StoreError;
pub use gate::{GateClientRecord, GateTokenRecord, SigningKeyRecord};
pub use lifecycle::Replacement;
pub use limit_counts::LimitCount;
pub use pages::{Page, PageKey, PageQuery};
pub use records::{
    InviteRecord, MemberUpdate, NewInvite, NewOrganization, NewUser, OrgRecord, UserRecord,
};
pub use sessions::{LiveSession, SessionCutoffs};
pub use usage::{LastUse, UsageDelta};

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Connection, Executor};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Result<Backend, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::Config(
                "DATABASE_URL must start with sqlite:, postgres:// or postgresql://".into(),
            ))
        }
    }
}

/// The handle every part of Portcullis uses to reach the database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// For connections outside the pool (`LISTEN`). Never printed: it may hold a password.
    url: Arc<str>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Connects without running migrations. A SQLite file (and its folder) is created if
    /// missing; SQLite connections use WAL, foreign keys and a busy timeout.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url)?;
        let url = match backend {
            Backend::Sqlite => sqlite_url_with_create(url)?,
            Backend::Postgres => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url)
            .map_err(|e| StoreError::Config(format!("DATABASE_URL is not valid: {e}")))?;
        let max_connections = match backend {
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(5))
            // No ping before every acquire (a round-trip per query on PostgreSQL): a broken
            // connection fails its query, is dropped, and the next acquire opens a new one.
            .test_before_acquire(false)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                             PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        Ok(Store {
            pool,
            backend,
            url: url.into(),
        })
    }

    /// Connects and brings the schema up to date.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        let store = Store::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    pub async fn migrate(&self) -> Result<(), StoreError> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&self.pool).await?;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Answers whether the database responds (for `/healthz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        conn.ping().await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Makes sure the SQLite file's folder exists and asks sqlx to create the file.
fn sqlite_url_with_create(url: &str) -> Result<String, StoreError> {
    let rest = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = rest.split('?').next().unwrap_or_default();
    let parent = Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty() && path != ":memory:");
    if let Some(parent) = parent {
        std::fs::create_dir_all(parent)
            .map_err(|e| StoreError::Config(format!("cannot create {}: {e}", parent.display())))?;
    }
    if url.contains("mode=") {
        Ok(url.to_string())
    } else if url.contains('?') {
        Ok(format!("{url}&mode=rwc"))
    } else {
        Ok(format!("{url}?mode=rwc"))
    }
}

fn flag(value: bool) -> i64 {
    i64::from(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_is_chosen_by_scheme() {
        assert_eq!(
            Backend::of_url("sqlite://data/x.db").unwrap(),
            Backend::Sqlite
        );
        assert_eq!(
            Backend::of_url("postgres://u@h/db").unwrap(),
            Backend::Postgres
        );
        assert!(Backend::of_url("mysql://h/db").is_err());
    }

    #[test]
    fn sqlite_urls_ask_for_creation() {
        let dir = std::env::temp_dir().join("portcullis-url-test");
        let url = format!("sqlite://{}/a.db", dir.display());
        assert!(sqlite_url_with_create(&url).unwrap().ends_with("?mode=rwc"));
        assert!(dir.exists());
        assert!(
            sqlite_url_with_create("sqlite::memory:?cache=shared")
                .unwrap()
                .ends_with("&mode=rwc")
        );
    }
}

#[cfg(feature = "testing")]
pub mod testing;
