//! Rate-limit counts shared between instances (PRODUCT.md §9): each instance upserts the
//! absolute count it let through per (credential, policy, window), so a repeated write is
//! harmless, and reads the sum of the other instances' counts.

use crate::{Store, StoreError};
use sqlx::{Acquire, Row};

/// One instance's count in one window of one credential's policy (`rate` or `quota`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitCount {
    pub credential_id: String,
    pub policy: &'static str,
    pub window_start: i64,
    pub count: i64,
}

fn policy_of(name: &str) -> Option<&'static str> {
    match name {
        "rate" => Some("rate"),
        "quota" => Some("quota"),
        _ => None,
    }
}

impl Store {
    /// Writes `instance`'s counts (in one transaction).
    pub async fn put_limit_counts(
        &self,
        instance: &str,
        counts: &[LimitCount],
    ) -> Result<(), StoreError> {
        if counts.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        let conn = tx.acquire().await?;
        for c in counts {
            sqlx::query(
                "INSERT INTO limit_counts (credential_id, policy, window_start, instance_id, count) \
                 VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (credential_id, policy, window_start, instance_id) \
                 DO UPDATE SET count = excluded.count",
            )
            .bind(&c.credential_id)
            .bind(c.policy)
            .bind(c.window_start)
            .bind(instance)
            .bind(c.count)
            .execute(&mut *conn)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The other instances' counts, summed, in windows that started at or after `since`.
    pub async fn others_limit_counts(
        &self,
        instance: &str,
        since: i64,
    ) -> Result<Vec<LimitCount>, StoreError> {
        let rows = sqlx::query(
            "SELECT credential_id, policy, window_start, CAST(SUM(count) AS BIGINT) AS total \
             FROM limit_counts WHERE instance_id <> $1 AND window_start >= $2 \
             GROUP BY credential_id, policy, window_start",
        )
        .bind(instance)
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        let mut counts = Vec::with_capacity(rows.len());
        for row in &rows {
            let Some(policy) = policy_of(row.try_get::<String, _>("policy")?.as_str()) else {
                continue;
            };
            counts.push(LimitCount {
                credential_id: row.try_get("credential_id")?,
                policy,
                window_start: row.try_get("window_start")?,
                count: row.try_get("total")?,
            });
        }
        Ok(counts)
    }

    /// Deletes counts of windows that started before `before`.
    pub async fn prune_limit_counts(&self, before: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM limit_counts WHERE window_start < $1")
            .bind(before)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
