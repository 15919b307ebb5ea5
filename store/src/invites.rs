//! One-time invite links.

use crate::accounts::insert_user;
use crate::audit::{NewAuditEvent, record_audit};
use crate::records::role_of;
use crate::{InviteRecord, NewInvite, NewUser, Store, StoreError, UserRecord, flag};
use sqlx::Row;
use sqlx::any::AnyRow;

macro_rules! invite_columns {
    () => {
        "i.id, i.organization_id, o.name AS organization_name, i.email, i.role, \
         i.manage_credentials, i.created_at, i.expires_at, i.accepted_at"
    };
}

fn invite_from_row(row: &AnyRow) -> Result<InviteRecord, StoreError> {
    Ok(InviteRecord {
        id: row.try_get("id")?,
        organization_id: row.try_get("organization_id")?,
        organization_name: row.try_get("organization_name")?,
        email: row.try_get("email")?,
        role: role_of(&row.try_get::<String, _>("role")?)?,
        manage_credentials: row.try_get::<i64, _>("manage_credentials")? != 0,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        accepted_at: row.try_get("accepted_at")?,
    })
}

impl Store {
    pub async fn create_invite(
        &self,
        invite: NewInvite<'_>,
        now: i64,
        audit: &NewAuditEvent,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO invites (id, token_digest, organization_id, email, role, \
             manage_credentials, created_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(invite.id)
        .bind(invite.token_digest)
        .bind(invite.organization_id)
        .bind(invite.email)
        .bind(invite.role.as_str())
        .bind(flag(invite.manage_credentials))
        .bind(invite.created_by)
        .bind(now)
        .bind(invite.expires_at)
        .execute(&mut *tx)
        .await?;
        record_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn count_pending_invites(
        &self,
        organization_id: &str,
        now: i64,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM invites \
             WHERE organization_id = $1 AND accepted_at IS NULL AND expires_at > $2",
        )
        .bind(organization_id)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("n")?)
    }

    pub async fn list_pending_invites(
        &self,
        organization_id: &str,
        now: i64,
    ) -> Result<Vec<InviteRecord>, StoreError> {
        let sql = concat!(
            "SELECT ",
            invite_columns!(),
            " FROM invites i JOIN organizations o ON o.id = i.organization_id \
             WHERE i.organization_id = $1 AND i.accepted_at IS NULL AND i.expires_at > $2 \
             ORDER BY i.created_at DESC LIMIT 200"
        );
        let rows = sqlx::query(sql)
            .bind(organization_id)
            .bind(now)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(invite_from_row).collect()
    }

    pub async fn revoke_invite(
        &self,
        organization_id: &str,
        invite_id: &str,
        audit: &NewAuditEvent,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "DELETE FROM invites WHERE id = $1 AND organization_id = $2 AND accepted_at IS NULL",
        )
        .bind(invite_id)
        .bind(organization_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        record_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// An invite that can still be used.
    pub async fn find_open_invite(
        &self,
        token_digest: &str,
        now: i64,
    ) -> Result<Option<InviteRecord>, StoreError> {
        let sql = concat!(
            "SELECT ",
            invite_columns!(),
            " FROM invites i JOIN organizations o ON o.id = i.organization_id \
             WHERE i.token_digest = $1 AND i.accepted_at IS NULL AND i.expires_at > $2"
        );
        let row = sqlx::query(sql)
            .bind(token_digest)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(invite_from_row).transpose()
    }

    /// Uses the invite once and creates its account, in one transaction. The invite's email,
    /// role and flag win over anything in `user`.
    pub async fn accept_invite(
        &self,
        token_digest: &str,
        user: NewUser<'_>,
        now: i64,
        audit: impl FnOnce(&InviteRecord) -> NewAuditEvent,
    ) -> Result<UserRecord, StoreError> {
        let mut tx = self.pool.begin().await?;
        let sql = concat!(
            "SELECT ",
            invite_columns!(),
            " FROM invites i JOIN organizations o ON o.id = i.organization_id \
             WHERE i.token_digest = $1 AND i.accepted_at IS NULL AND i.expires_at > $2"
        );
        let invite = sqlx::query(sql)
            .bind(token_digest)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?
            .as_ref()
            .map(invite_from_row)
            .transpose()?
            .ok_or(StoreError::NotFound)?;
        let used = sqlx::query(
            "UPDATE invites SET accepted_at = $1 WHERE id = $2 AND accepted_at IS NULL",
        )
        .bind(now)
        .bind(&invite.id)
        .execute(&mut *tx)
        .await?;
        if used.rows_affected() != 1 {
            return Err(StoreError::NotFound);
        }
        let user = NewUser {
            email: &invite.email,
            role: invite.role,
            manage_credentials: invite.manage_credentials,
            ..user
        };
        let record = insert_user(&mut tx, &invite.organization_id, &user, now).await?;
        record_audit(&mut tx, &audit(&invite)).await?;
        tx.commit().await?;
        Ok(record)
    }
}
