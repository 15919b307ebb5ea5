//! API Client logos: kept on the client's row (`logo`, `logo_content_type`, `logo_updated_at`),
//! read on their own so lists never carry the bytes.

use crate::audit::record_audit;
use crate::{NewAuditEvent, Store, StoreError};
use domain::{CredentialId, OrgId};
use sqlx::{Acquire, Row};

impl Store {
    /// Sets (`Some((content_type, bytes))`) or removes (`None`) an API Client's logo, with its
    /// audit event, in one transaction. The gate does not use logos: no change-log row.
    pub async fn set_api_client_logo(
        &self,
        organization_id: OrgId<'_>,
        id: CredentialId<'_>,
        logo: Option<(&str, &[u8])>,
        now: i64,
        audit: &NewAuditEvent,
    ) -> Result<(), StoreError> {
        let (organization_id, id) = (organization_id.as_str(), id.as_str());
        let mut tx = self.pool.begin().await?;
        let conn = tx.acquire().await?;
        let done = sqlx::query(
            "UPDATE api_clients SET logo = $1, logo_content_type = $2, logo_updated_at = $3, \
             updated_at = $4 WHERE organization_id = $5 AND id = $6",
        )
        .bind(logo.map(|(_, bytes)| bytes.to_vec()))
        .bind(logo.map(|(content_type, _)| content_type))
        .bind(logo.map(|_| now))
        .bind(now)
        .bind(organization_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        record_audit(conn, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The logo's content type and bytes; `NotFound` when the client or its logo is not there.
    pub async fn api_client_logo(
        &self,
        organization_id: OrgId<'_>,
        id: CredentialId<'_>,
    ) -> Result<(String, Vec<u8>), StoreError> {
        let (organization_id, id) = (organization_id.as_str(), id.as_str());
        let row = sqlx::query(
            "SELECT logo_content_type, logo FROM api_clients \
             WHERE organization_id = $1 AND id = $2 AND logo IS NOT NULL",
        )
        .bind(organization_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }
}
