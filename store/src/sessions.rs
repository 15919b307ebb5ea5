//! Console sessions: created at sign-in, alive while used, ended by sign-out, a password
//! change or their limits (idle and absolute, decided by the caller's `SessionLimits`).

use crate::audit::{NewAuditEvent, record_audit};
use crate::records::{org_columns, org_from_row, user_columns, user_from_row};
use crate::{OrgRecord, Store, StoreError, UserRecord};
use sqlx::Row;

/// A live session's user and organization, and when it last saw a request.
pub struct LiveSession {
    pub user: UserRecord,
    pub org: OrgRecord,
    pub last_seen_at: i64,
}

/// When a session counts as ended: no request since `idle_before`, or signed in before
/// `signed_in_before`.
#[derive(Clone, Copy, Debug)]
pub struct SessionCutoffs {
    pub idle_before: i64,
    pub signed_in_before: i64,
}

impl Store {
    pub async fn create_session(
        &self,
        token_digest: &str,
        user_id: &str,
        now: i64,
        expires_at: i64,
        audit: Option<&NewAuditEvent>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO sessions (token_digest, user_id, created_at, expires_at, last_seen_at) \
             VALUES ($1, $2, $3, $4, $3)",
        )
        .bind(token_digest)
        .bind(user_id)
        .bind(now)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        if let Some(audit) = audit {
            record_audit(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The user and organization behind a session that has not ended by `cutoffs`.
    pub async fn live_session(
        &self,
        token_digest: &str,
        cutoffs: SessionCutoffs,
    ) -> Result<Option<LiveSession>, StoreError> {
        let sql = concat!(
            "SELECT ",
            user_columns!(),
            ", ",
            org_columns!(),
            ", s.last_seen_at FROM sessions s \
             JOIN users u ON u.id = s.user_id \
             JOIN organizations o ON o.id = u.organization_id \
             WHERE s.token_digest = $1 AND s.last_seen_at > $2 AND s.created_at > $3"
        );
        let row = sqlx::query(sql)
            .bind(token_digest)
            .bind(cutoffs.idle_before)
            .bind(cutoffs.signed_in_before)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => Ok(Some(LiveSession {
                user: user_from_row(&row)?,
                org: org_from_row(&row)?,
                last_seen_at: row.try_get("last_seen_at")?,
            })),
            None => Ok(None),
        }
    }

    /// Records that the session saw a request at `now`.
    pub async fn touch_session(&self, token_digest: &str, now: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE sessions SET last_seen_at = $2 WHERE token_digest = $1 AND last_seen_at < $2",
        )
        .bind(token_digest)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn delete_session(&self, token_digest: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE token_digest = $1")
            .bind(token_digest)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends every session of `user_id` but the one whose digest is `keep`. Answers how many.
    pub async fn delete_other_sessions(
        &self,
        user_id: &str,
        keep: &str,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_digest <> $2")
            .bind(user_id)
            .bind(keep)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Sets the user's password hash and ends every session of theirs but `keep`, together.
    pub async fn change_password(
        &self,
        user_id: &str,
        password_hash: &str,
        keep: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let changed = sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
            .bind(user_id)
            .bind(password_hash)
            .execute(&mut *tx)
            .await?;
        if changed.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_digest <> $2")
            .bind(user_id)
            .bind(keep)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes the sessions that have ended by `cutoffs` or by their recorded expiry.
    pub async fn delete_expired_sessions(
        &self,
        now: i64,
        cutoffs: SessionCutoffs,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2 OR created_at <= $3",
        )
        .bind(now)
        .bind(cutoffs.idle_before)
        .bind(cutoffs.signed_in_before)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}
