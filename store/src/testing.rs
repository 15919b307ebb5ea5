//! Fresh databases for tests: a new SQLite file, or a new PostgreSQL database on the server of
//! `PORTCULLIS_TEST_POSTGRES` (default `postgres://postgres@127.0.0.1:5432`).
//!
//! When PostgreSQL cannot be reached, `fresh_postgres` answers `None` and says so on stderr,
//! unless `PORTCULLIS_REQUIRE_POSTGRES=1` (set by the test command when it runs with PostgreSQL,
//! and always in CI), in which case it panics: a required backend never silently passes.

use crate::{Backend, Store};
use sqlx::{Connection, Executor};

pub fn postgres_server_url() -> String {
    std::env::var("PORTCULLIS_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_string())
}

pub fn postgres_required() -> bool {
    std::env::var("PORTCULLIS_REQUIRE_POSTGRES").is_ok_and(|v| v == "1" || v == "true")
        || std::env::var("CI").is_ok_and(|v| v == "true")
}

#[allow(clippy::disallowed_methods)] // a unique name, not a rule's time
fn unique_name(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).expect("random source");
    let suffix: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{prefix}_{}_{nanos}_{suffix}", std::process::id())
}

/// A URL for a new, empty SQLite file under the system's temp folder.
pub fn fresh_sqlite_url() -> String {
    let dir = std::env::temp_dir().join("portcullis-tests");
    format!("sqlite://{}/{}.db", dir.display(), unique_name("t"))
}

/// A URL for a new, empty PostgreSQL database, or `None` when no server answers.
pub async fn fresh_postgres_url() -> Option<String> {
    sqlx::any::install_default_drivers();
    let server = postgres_server_url();
    let admin_url = format!("{server}/postgres");
    let mut conn = match sqlx::AnyConnection::connect(&admin_url).await {
        Ok(conn) => conn,
        Err(err) if postgres_required() => {
            panic!("PostgreSQL is required for this run but {admin_url} failed: {err}")
        }
        Err(err) => {
            eprintln!(
                "WARNING: PostgreSQL at {admin_url} is not reachable ({err}); \
                 this PostgreSQL test did NOT run"
            );
            return None;
        }
    };
    let name = unique_name("portcullis_test");
    conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .expect("create a test database");
    let _ = conn.close().await;
    Some(format!("{server}/{name}"))
}

/// A migrated store on a fresh database of `backend`, or `None` (PostgreSQL not reachable
/// and not required).
pub async fn fresh_store(backend: Backend) -> Option<Store> {
    let url = match backend {
        Backend::Sqlite => fresh_sqlite_url(),
        Backend::Postgres => fresh_postgres_url().await?,
    };
    Some(Store::open(&url).await.expect("open a fresh store"))
}

/// How many rows of `table` hold `needle` in `column`: tests use it to prove that a secret is
/// not stored as typed.
pub async fn count_rows_containing(store: &Store, table: &str, column: &str, needle: &str) -> i64 {
    use sqlx::Row;
    let sql = format!("SELECT COUNT(*) AS n FROM {table} WHERE {column} = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(needle)
        .fetch_one(store.pool())
        .await
        .expect("count rows")
        .try_get("n")
        .expect("a count")
}

/// An audit event for a test that writes through the store directly (seeding many rows).
pub fn seed_audit_event(organization_id: &str, target_id: &str) -> crate::NewAuditEvent {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("random source");
    crate::NewAuditEvent {
        id: bytes.iter().map(|b| format!("{b:02x}")).collect(),
        organization_id: Some(organization_id.to_string()),
        at: 0,
        actor_kind: domain::audit::ActorKind::Cli,
        actor_id: "cli".into(),
        actor_name: "test seed".into(),
        client_ip: None,
        action: domain::audit::AuditAction::ApiClientCreated,
        target_type: "api_client",
        target_id: target_id.into(),
        target_name: target_id.into(),
        changes: "{}".into(),
    }
}
