//! Counting failed sign-ins, so that guessing passwords gets slow. Kept in the database so
//! that every instance sharing it counts together.

use crate::{Store, StoreError};
use sqlx::Row;

impl Store {
    /// Failures for `key` since `window_start`.
    pub async fn sign_in_failures(&self, key: &str, window_start: i64) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT failures FROM sign_in_throttle WHERE throttle_key = $1 AND window_start > $2",
        )
        .bind(key)
        .bind(window_start)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(row) => row.try_get("failures")?,
            None => 0,
        })
    }

    /// Counts one failure; a count older than `window_start` starts again from one.
    pub async fn record_sign_in_failure(
        &self,
        key: &str,
        now: i64,
        window_start: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sign_in_throttle (throttle_key, failures, window_start) VALUES ($1, 1, $2) \
             ON CONFLICT (throttle_key) DO UPDATE SET \
               failures = CASE WHEN sign_in_throttle.window_start > $3 \
                               THEN sign_in_throttle.failures + 1 ELSE 1 END, \
               window_start = CASE WHEN sign_in_throttle.window_start > $3 \
                                   THEN sign_in_throttle.window_start ELSE $2 END",
        )
        .bind(key)
        .bind(now)
        .bind(window_start)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn clear_sign_in_failures(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sign_in_throttle WHERE throttle_key = $1")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
