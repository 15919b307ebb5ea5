//! The credential lifecycle (PRODUCT.md §10): a new secret for an API Client, a new token for
//! a Restricted Access Token (each may keep the old one working until an end), and revoking a
//! token for good. Each runs in one transaction with its change-log entry and audit event.

use crate::audit::{NewAuditEvent, record_audit};
use crate::change_log::{record_client_event, record_token_event};
use crate::credentials::{
    ApiClientRecord, RestrictedTokenRecord, api_client_from_row, api_client_select,
    restricted_token_from_row, restricted_token_select,
};
use crate::{Store, StoreError};
use domain::{CredentialId, OrgId};
use sqlx::{Acquire, AnyConnection, Row};

/// A new secret (or token) replacing the current one, which keeps working until
/// `keep_old_until` (`None`: it stops at once).
pub struct Replacement<'a> {
    pub digest: &'a str,
    pub last_four: &'a str,
    pub keep_old_until: Option<i64>,
}

impl Replacement<'_> {
    /// `1` when the old secret is kept (bound for the `CASE` of the updates below).
    fn keeps(&self) -> i64 {
        i64::from(self.keep_old_until.is_some())
    }
}

/// Why an update of token `id` changed no row: it is revoked, or it is not there.
pub(crate) async fn why_unchanged(
    conn: &mut AnyConnection,
    organization_id: &str,
    id: &str,
) -> StoreError {
    let row = sqlx::query(
        "SELECT revoked_at FROM restricted_tokens WHERE organization_id = $1 AND id = $2",
    )
    .bind(organization_id)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await;
    match row {
        Ok(Some(row)) => match row.try_get::<Option<i64>, _>("revoked_at") {
            Ok(Some(_)) => StoreError::Revoked,
            Ok(None) => StoreError::NotFound,
            Err(e) => e.into(),
        },
        Ok(None) => StoreError::NotFound,
        Err(e) => e.into(),
    }
}

impl Store {
    /// Gives API Client `id` a new secret; the old one becomes its previous secret (or is
    /// dropped), replacing any earlier previous secret.
    pub async fn rotate_api_client_secret(
        &self,
        organization_id: OrgId<'_>,
        id: CredentialId<'_>,
        new: Replacement<'_>,
        now: i64,
        audit: &NewAuditEvent,
    ) -> Result<ApiClientRecord, StoreError> {
        let (organization_id, id) = (organization_id.as_str(), id.as_str());
        let mut tx = self.pool.begin().await?;
        let conn = tx.acquire().await?;
        let done = sqlx::query(
            "UPDATE api_clients SET \
             previous_secret_digest = CASE WHEN $3 = 1 THEN secret_digest ELSE NULL END, \
             previous_secret_last_four = CASE WHEN $3 = 1 THEN secret_last_four ELSE NULL END, \
             previous_secret_expires_at = $4, \
             secret_digest = $1, secret_last_four = $2, secret_version = secret_version + 1, \
             updated_at = $5 \
             WHERE organization_id = $6 AND id = $7",
        )
        .bind(new.digest)
        .bind(new.last_four)
        .bind(new.keeps())
        .bind(new.keep_old_until)
        .bind(now)
        .bind(organization_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        record_client_event(conn, organization_id, id).await?;
        record_audit(conn, audit).await?;
        let row = sqlx::query(api_client_select!(
            "WHERE c.organization_id = $1 AND c.id = $2"
        ))
        .bind(organization_id)
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
        let record = api_client_from_row(&row)?;
        tx.commit().await?;
        Ok(record)
    }

    /// Gives Restricted Access Token `id` a new token, like `rotate_api_client_secret`.
    /// `Revoked` for a revoked token.
    pub async fn regenerate_restricted_token(
        &self,
        organization_id: OrgId<'_>,
        id: CredentialId<'_>,
        new: Replacement<'_>,
        now: i64,
        audit: &NewAuditEvent,
    ) -> Result<RestrictedTokenRecord, StoreError> {
        let (organization_id, id) = (organization_id.as_str(), id.as_str());
        let mut tx = self.pool.begin().await?;
        let conn = tx.acquire().await?;
        // Both digests the caches may know it by, before they change.
        record_token_event(conn, organization_id, id).await?;
        let done = sqlx::query(
            "UPDATE restricted_tokens SET \
             previous_token_digest = CASE WHEN $3 = 1 THEN token_digest ELSE NULL END, \
             previous_token_last_four = CASE WHEN $3 = 1 THEN token_last_four ELSE NULL END, \
             previous_token_expires_at = $4, \
             token_digest = $1, token_last_four = $2, updated_at = $5 \
             WHERE organization_id = $6 AND id = $7 AND revoked_at IS NULL",
        )
        .bind(new.digest)
        .bind(new.last_four)
        .bind(new.keeps())
        .bind(new.keep_old_until)
        .bind(now)
        .bind(organization_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() == 0 {
            return Err(why_unchanged(conn, organization_id, id).await);
        }
        record_audit(conn, audit).await?;
        let record = token_in(conn, organization_id, id).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Revokes Restricted Access Token `id` for good: it stays listed, its token (and any kept
    /// previous one) is refused from the next request on. `Revoked` if it already is.
    pub async fn revoke_restricted_token(
        &self,
        organization_id: OrgId<'_>,
        id: CredentialId<'_>,
        now: i64,
        audit: &NewAuditEvent,
    ) -> Result<RestrictedTokenRecord, StoreError> {
        let (organization_id, id) = (organization_id.as_str(), id.as_str());
        let mut tx = self.pool.begin().await?;
        let conn = tx.acquire().await?;
        record_token_event(conn, organization_id, id).await?;
        let done = sqlx::query(
            "UPDATE restricted_tokens SET revoked_at = $1, updated_at = $1 \
             WHERE organization_id = $2 AND id = $3 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(organization_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() == 0 {
            return Err(why_unchanged(conn, organization_id, id).await);
        }
        record_audit(conn, audit).await?;
        let record = token_in(conn, organization_id, id).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Notes that API Client `credential_id` authenticated with its secret number `version`
    /// at `used_at` (a later use is never replaced by an earlier one).
    pub async fn note_secret_uses(&self, uses: &[(String, i64, i64)]) -> Result<(), StoreError> {
        if uses.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        let conn = tx.acquire().await?;
        for (credential_id, version, used_at) in uses {
            sqlx::query(
                "INSERT INTO secret_last_use (credential_id, secret_version, used_at) \
                 VALUES ($1, $2, $3) ON CONFLICT (credential_id) DO UPDATE SET \
                 secret_version = excluded.secret_version, used_at = excluded.used_at \
                 WHERE secret_last_use.used_at <= excluded.used_at",
            )
            .bind(credential_id)
            .bind(version)
            .bind(used_at)
            .execute(&mut *conn)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Which secret (its version) of API Client `credential_id` last authenticated, and when.
    pub async fn secret_last_use(
        &self,
        credential_id: &str,
    ) -> Result<Option<(i64, i64)>, StoreError> {
        let row = sqlx::query(
            "SELECT secret_version, used_at FROM secret_last_use WHERE credential_id = $1",
        )
        .bind(credential_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((r.try_get("secret_version")?, r.try_get("used_at")?)))
            .transpose()
    }
}

async fn token_in(
    conn: &mut AnyConnection,
    organization_id: &str,
    id: &str,
) -> Result<RestrictedTokenRecord, StoreError> {
    let row = sqlx::query(restricted_token_select!(
        "WHERE t.organization_id = $1 AND t.id = $2"
    ))
    .bind(organization_id)
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    restricted_token_from_row(&row)
}
