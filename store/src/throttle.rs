//! Counting attempts at sign-in, sign-up and invite acceptance, so that guessing gets slow.
//! Kept in the database so that every instance sharing it counts together. An attempt is
//! reserved (counted) before the password is hashed, in one statement, so concurrent attempts
//! cannot overshoot a limit.

use crate::{Store, StoreError};
use sqlx::Row;

impl Store {
    /// Counts one attempt for `key` and answers the count in the current window, this one
    /// included. A count whose window began before `window_start` starts again from one.
    pub async fn reserve_attempt(
        &self,
        key: &str,
        now: i64,
        window_start: i64,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO sign_in_throttle (throttle_key, failures, window_start) VALUES ($1, 1, $2) \
             ON CONFLICT (throttle_key) DO UPDATE SET \
               failures = CASE WHEN sign_in_throttle.window_start > $3 \
                               THEN sign_in_throttle.failures + 1 ELSE 1 END, \
               window_start = CASE WHEN sign_in_throttle.window_start > $3 \
                                   THEN sign_in_throttle.window_start ELSE $2 END \
             RETURNING failures",
        )
        .bind(key)
        .bind(now)
        .bind(window_start)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("failures")?)
    }

    /// Gives back an attempt reserved for `key` (it succeeded, so it was no guess).
    pub async fn release_attempt(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE sign_in_throttle SET failures = failures - 1 \
             WHERE throttle_key = $1 AND failures > 0",
        )
        .bind(key)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Forgets every attempt for `key`.
    pub async fn clear_attempts(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sign_in_throttle WHERE throttle_key = $1")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Deletes the counts whose window began at or before `window_start`. Answers how many.
    pub async fn prune_attempts(&self, window_start: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sign_in_throttle WHERE window_start <= $1")
            .bind(window_start)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
