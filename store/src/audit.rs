//! The audit log (`audit_events`, PRODUCT.md §9). Events are written only by `record_audit`,
//! inside the transaction of the change they record, so a change and its event commit or roll
//! back together. Nothing here updates an event; `prune_audit_events` (retention) is the one
//! delete.

use crate::{Store, StoreError, flag};
use domain::audit::{ActorKind, ActorView, AuditAction, AuditEventView, AuditFilter, TargetView};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// An event to write. Built by `services::audit`; `changes` is a JSON object that never holds a
/// secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAuditEvent {
    pub id: String,
    /// The organization whose log shows it (`None` for an instance-wide event, or a failed
    /// sign-in for an email nobody has).
    pub organization_id: Option<String>,
    pub at: i64,
    pub actor_kind: ActorKind,
    pub actor_id: String,
    pub actor_name: String,
    pub client_ip: Option<String>,
    pub action: AuditAction,
    pub target_type: &'static str,
    pub target_id: String,
    pub target_name: String,
    pub changes: String,
}

/// Writes `event` on `conn`, which is inside the transaction of the change it records.
pub(crate) async fn record_audit(
    conn: &mut AnyConnection,
    event: &NewAuditEvent,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_events (id, organization_id, instance_wide, at, actor_type, actor_id, \
         actor_name, client_ip, action, target_type, target_id, target_name, changes) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(&event.id)
    .bind(event.organization_id.as_deref())
    .bind(flag(event.action.is_instance_wide()))
    .bind(event.at)
    .bind(event.actor_kind.as_str())
    .bind(&event.actor_id)
    .bind(&event.actor_name)
    .bind(event.client_ip.as_deref())
    .bind(event.action.as_str())
    .bind(event.target_type)
    .bind(&event.target_id)
    .bind(&event.target_name)
    .bind(&event.changes)
    .execute(conn)
    .await?;
    Ok(())
}

/// An event as read back, with its position in the log (`seq`, what cursors hold).
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEventRecord {
    pub seq: i64,
    pub event: AuditEventView,
}

fn event_from_row(row: &AnyRow) -> Result<AuditEventRecord, StoreError> {
    let stored_action: String = row.try_get("action")?;
    let stored_kind: String = row.try_get("actor_type")?;
    let stored_changes: String = row.try_get("changes")?;
    let action = AuditAction::parse(&stored_action)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown audit action {stored_action}")))?;
    let kind = ActorKind::parse(&stored_kind)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown actor type {stored_kind}")))?;
    let changes = serde_json::from_str(&stored_changes)
        .map_err(|e| StoreError::Corrupt(format!("audit changes: {e}")))?;
    Ok(AuditEventRecord {
        seq: row.try_get("seq")?,
        event: AuditEventView {
            id: row.try_get("id")?,
            at: row.try_get("at")?,
            actor: ActorView {
                kind,
                id: row.try_get("actor_id")?,
                name: row.try_get("actor_name")?,
            },
            client_ip: row.try_get("client_ip")?,
            action,
            target: TargetView {
                kind: row.try_get("target_type")?,
                id: row.try_get("target_id")?,
                name: row.try_get("target_name")?,
            },
            changes,
        },
    })
}

/// Someone who appears in an organization's log, for the actor filter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditActor {
    pub kind: ActorKind,
    pub id: String,
    pub name: String,
}

/// The most actors the filter offers.
const MAX_ACTORS: i64 = 500;

impl Store {
    /// A page of `organization_id`'s log (its own events and the instance-wide ones), newest
    /// first, from just below `before` (a `seq`) when given.
    pub async fn list_audit_events(
        &self,
        organization_id: &str,
        filter: &AuditFilter,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditEventRecord>, StoreError> {
        let mut sql = String::from(
            "SELECT seq, id, at, actor_type, actor_id, actor_name, client_ip, action, \
             target_type, target_id, target_name, changes FROM audit_events \
             WHERE (organization_id = $1 OR instance_wide = 1)",
        );
        let mut n = 1;
        let mut next = |sql: &mut String, condition: &str| {
            n += 1;
            sql.push_str(&format!(" AND {condition} ${n}"));
        };
        if filter.action.is_some() {
            next(&mut sql, "action =");
        }
        if filter.actor_id.is_some() {
            next(&mut sql, "actor_id =");
        }
        if before.is_some() {
            next(&mut sql, "seq <");
        }
        // The limit as an expression: see the crate's documentation.
        n += 1;
        sql.push_str(&format!(" ORDER BY seq DESC LIMIT (${n} + 0)"));
        // Built from the constant fragments above only; every value is bound.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(organization_id);
        if let Some(action) = filter.action {
            query = query.bind(action.as_str());
        }
        if let Some(actor) = &filter.actor_id {
            query = query.bind(actor.as_str());
        }
        if let Some(before) = before {
            query = query.bind(before);
        }
        let rows = query.bind(limit).fetch_all(&self.pool).await?;
        rows.iter().map(event_from_row).collect()
    }

    /// Everyone who acted in `organization_id`'s log, by name.
    pub async fn audit_actors(&self, organization_id: &str) -> Result<Vec<AuditActor>, StoreError> {
        let rows = sqlx::query(
            "SELECT actor_type, actor_id, MAX(actor_name) AS actor_name FROM audit_events \
             WHERE organization_id = $1 OR instance_wide = 1 \
             GROUP BY actor_type, actor_id ORDER BY MAX(actor_name) LIMIT ($2 + 0)",
        )
        .bind(organization_id)
        .bind(MAX_ACTORS)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let kind: String = row.try_get("actor_type")?;
                Ok(AuditActor {
                    kind: ActorKind::parse(&kind)
                        .ok_or_else(|| StoreError::Corrupt(format!("unknown actor type {kind}")))?,
                    id: row.try_get("actor_id")?,
                    name: row.try_get("actor_name")?,
                })
            })
            .collect()
    }

    /// Writes one event outside any other change (a sign-in, a failed one).
    pub async fn add_audit_event(&self, event: &NewAuditEvent) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        record_audit(&mut conn, event).await
    }

    /// Retention: deletes the events from before `before` (Unix seconds).
    pub async fn prune_audit_events(&self, before: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM audit_events WHERE at < $1")
            .bind(before)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
