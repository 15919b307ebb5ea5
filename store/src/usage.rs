//! Usage per credential (PRODUCT.md §9): hourly counts added in batches, and the last use.

use crate::{Store, StoreError};
use sqlx::any::AnyRow;
use sqlx::{Acquire, Row};

/// Requests of one credential in one hour, to add to what is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsageDelta {
    pub credential_id: String,
    pub hour_start: i64,
    pub allowed: i64,
    pub refused: i64,
}

/// When and from where a credential was last used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LastUse {
    pub credential_id: String,
    pub used_at: i64,
    pub address: Option<String>,
}

fn last_use_from_row(r: &AnyRow) -> Result<LastUse, StoreError> {
    Ok(LastUse {
        credential_id: r.try_get("credential_id")?,
        used_at: r.try_get("used_at")?,
        address: r.try_get("address")?,
    })
}

impl Store {
    /// Adds a batch of counts and last uses, in one transaction; an older last use never
    /// replaces a newer one (another instance may have written it).
    pub async fn add_usage(
        &self,
        deltas: &[UsageDelta],
        last_uses: &[LastUse],
    ) -> Result<(), StoreError> {
        if deltas.is_empty() && last_uses.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        let conn = tx.acquire().await?;
        for d in deltas {
            sqlx::query(
                "INSERT INTO credential_usage (credential_id, hour_start, allowed, refused) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (credential_id, hour_start) DO UPDATE SET \
                 allowed = credential_usage.allowed + excluded.allowed, \
                 refused = credential_usage.refused + excluded.refused",
            )
            .bind(&d.credential_id)
            .bind(d.hour_start)
            .bind(d.allowed)
            .bind(d.refused)
            .execute(&mut *conn)
            .await?;
        }
        for u in last_uses {
            sqlx::query(
                "INSERT INTO credential_last_use (credential_id, used_at, address) \
                 VALUES ($1, $2, $3) ON CONFLICT (credential_id) DO UPDATE SET \
                 used_at = excluded.used_at, address = excluded.address \
                 WHERE credential_last_use.used_at <= excluded.used_at",
            )
            .bind(&u.credential_id)
            .bind(u.used_at)
            .bind(&u.address)
            .execute(&mut *conn)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// One credential's hours from `since` on: `(hour_start, allowed, refused)`, oldest first.
    pub async fn usage_hours(
        &self,
        credential_id: &str,
        since: i64,
    ) -> Result<Vec<(i64, i64, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT hour_start, allowed, refused FROM credential_usage \
             WHERE credential_id = $1 AND hour_start >= $2 ORDER BY hour_start",
        )
        .bind(credential_id)
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("hour_start")?,
                    r.try_get("allowed")?,
                    r.try_get("refused")?,
                ))
            })
            .collect()
    }

    /// One credential's last use.
    pub async fn last_use(&self, credential_id: &str) -> Result<Option<LastUse>, StoreError> {
        let row = sqlx::query(
            "SELECT credential_id, used_at, address FROM credential_last_use \
             WHERE credential_id = $1",
        )
        .bind(credential_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(last_use_from_row).transpose()
    }

    /// The last uses of every credential of an organization.
    /// The last uses of the credentials `ids` (one list page: at most a few hundred).
    pub async fn last_uses(&self, ids: &[&str]) -> Result<Vec<LastUse>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT credential_id, used_at, address FROM credential_last_use \
             WHERE credential_id IN ({})",
            placeholders.join(", ")
        );
        // Only numbered placeholders are added to the text; the ids are bound.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in ids {
            query = query.bind(*id);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(last_use_from_row).collect()
    }

    /// Deletes hours that started before `before`.
    pub async fn prune_usage(&self, before: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM credential_usage WHERE hour_start < $1")
            .bind(before)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
