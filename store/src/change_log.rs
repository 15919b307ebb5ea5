//! The change log (`gate_events`): one row per change the gate of every instance must learn of,
//! written in the same transaction as the change itself, and read back in the order the
//! database committed it, never by anyone's clock.
//!
//! PostgreSQL hands out `seq` when a row is inserted, not when its transaction commits, so a
//! slow transaction can make `seq` 7 visible after `seq` 9. Each row therefore carries the id
//! of the transaction that wrote it (`tx`), and a reader asks the database for its horizon: the
//! oldest transaction still running (`pg_snapshot_xmin`). Every row below the horizon is final
//! (its transaction has ended) and no new one can appear there; rows at or above it may still
//! be joined by others, so a follower reads from its last horizon on and skips the rows it has
//! applied already (`services::follower`). SQLite has one writer at a time, so `seq` order is
//! commit order: there `tx` is `seq` itself and the horizon is the next `seq`.
//!
//! On PostgreSQL every insert also sends a notification (a trigger, delivered at commit) that
//! followers `LISTEN` for; polling stays as the net for a lost one.

use crate::{Backend, Store, StoreError};
use sqlx::{AnyConnection, Row};

/// The PostgreSQL notification channel (see the trigger in the migrations).
pub const CHANNEL: &str = "portcullis_gate_events";

/// Change-log rows are kept this long (by the database's clock), far longer than any follower
/// may lag: a follower that cannot read for 5 s starts over from an empty cache.
const KEEP_MS: i64 = 60 * 60 * 1000;

/// What changed, as the cache keys it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GateEventKind {
    /// Key: a Client ID.
    Client,
    /// Key: a Restricted Access Token's digest.
    Token,
    /// Key: an organization id (API access switched, renamed).
    Organization,
    /// Key: the `jti` of a revoked access token.
    Revoked,
    /// The signing keys changed (key: empty).
    Keys,
}

impl GateEventKind {
    fn as_str(self) -> &'static str {
        match self {
            GateEventKind::Client => "client",
            GateEventKind::Token => "token",
            GateEventKind::Organization => "organization",
            GateEventKind::Revoked => "revoked",
            GateEventKind::Keys => "keys",
        }
    }

    fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "client" => GateEventKind::Client,
            "token" => GateEventKind::Token,
            "organization" => GateEventKind::Organization,
            "revoked" => GateEventKind::Revoked,
            "keys" => GateEventKind::Keys,
            _ => return None,
        })
    }
}

/// One change, at its place in commit order: `(tx, seq)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GateEvent {
    pub tx: i64,
    pub seq: i64,
    /// `None` for a kind this version does not know (written by a newer instance).
    pub kind: Option<GateEventKind>,
    pub key: String,
}

impl GateEvent {
    pub fn position(&self) -> (i64, i64) {
        (self.tx, self.seq)
    }
}

/// Records a change in the same transaction as the change itself.
pub(crate) async fn record_event(
    conn: &mut AnyConnection,
    kind: GateEventKind,
    key: &str,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO gate_events (kind, key) VALUES ($1, $2)")
        .bind(kind.as_str())
        .bind(key)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Records a change to the API Client `id` (keyed by its Client ID), before it is deleted or
/// after it is changed, in the caller's transaction.
pub(crate) async fn record_client_event(
    conn: &mut AnyConnection,
    organization_id: &str,
    id: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO gate_events (kind, key) \
         SELECT 'client', client_id FROM api_clients WHERE organization_id = $1 AND id = $2",
    )
    .bind(organization_id)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Records a change to the Restricted Access Token `id`, keyed by its digest and by the digest
/// of the token it replaced, if one is kept (caches know it by either). Called before a change
/// of the digests, so that both old keys are dropped.
pub(crate) async fn record_token_event(
    conn: &mut AnyConnection,
    organization_id: &str,
    id: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO gate_events (kind, key) \
         SELECT 'token', token_digest FROM restricted_tokens \
         WHERE organization_id = $1 AND id = $2 \
         UNION ALL SELECT 'token', previous_token_digest FROM restricted_tokens \
         WHERE organization_id = $1 AND id = $2 AND previous_token_digest IS NOT NULL",
    )
    .bind(organization_id)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl Store {
    /// The change log's horizon now: every row whose `tx` is below it is final.
    pub async fn change_log_horizon(&self) -> Result<i64, StoreError> {
        let sql = match self.backend {
            Backend::Postgres => {
                "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS horizon"
            }
            Backend::Sqlite => "SELECT COALESCE(MAX(seq), 0) + 1 AS horizon FROM gate_events",
        };
        let row = sqlx::query(sql).fetch_one(&self.pool).await?;
        Ok(row.try_get("horizon")?)
    }

    /// Up to `limit` changes after position `after` (`(tx, seq)`), in commit order.
    pub async fn changes_after(
        &self,
        after: (i64, i64),
        limit: i64,
    ) -> Result<Vec<GateEvent>, StoreError> {
        let sql = match self.backend {
            Backend::Postgres => {
                "SELECT tx, seq, kind, key FROM gate_events \
                 WHERE (tx, seq) > ($1, $2) ORDER BY tx, seq LIMIT ($3 + 0)"
            }
            Backend::Sqlite => {
                "SELECT seq AS tx, seq, kind, key FROM gate_events \
                 WHERE seq > $1 OR (seq = $1 AND seq > $2) ORDER BY seq LIMIT ($3 + 0)"
            }
        };
        let rows = sqlx::query(sql)
            .bind(after.0)
            .bind(after.1)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(GateEvent {
                    tx: row.try_get("tx")?,
                    seq: row.try_get("seq")?,
                    kind: GateEventKind::parse(&row.try_get::<String, _>("kind")?),
                    key: row.try_get("key")?,
                })
            })
            .collect()
    }

    /// Listens for committed changes (PostgreSQL); `None` on SQLite, where this process is the
    /// only writer and polling costs nothing.
    pub async fn listen_for_changes(&self) -> Result<Option<ChangeListener>, StoreError> {
        if self.backend != Backend::Postgres {
            return Ok(None);
        }
        let mut listener = sqlx::postgres::PgListener::connect(&self.url).await?;
        listener.listen(CHANNEL).await?;
        Ok(Some(ChangeListener(listener)))
    }

    /// Drops change-log rows older than an hour by the database's clock.
    pub async fn prune_change_log(&self) -> Result<u64, StoreError> {
        let sql = match self.backend {
            Backend::Postgres => {
                "DELETE FROM gate_events \
                 WHERE created_ms < (extract(epoch FROM clock_timestamp()) * 1000)::bigint - $1"
            }
            Backend::Sqlite => {
                "DELETE FROM gate_events \
                 WHERE created_ms < CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) - $1"
            }
        };
        let done = sqlx::query(sql).bind(KEEP_MS).execute(&self.pool).await?;
        Ok(done.rows_affected())
    }
}

/// Notifications of committed changes.
pub struct ChangeListener(sqlx::postgres::PgListener);

impl ChangeListener {
    /// Waits for the next notification. An error means the connection was lost (notifications
    /// may have been missed); the next call reconnects.
    pub async fn changed(&mut self) -> Result<(), StoreError> {
        self.0.recv().await?;
        Ok(())
    }
}
