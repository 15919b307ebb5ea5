//! API Clients and Restricted Access Tokens, always scoped to one organization: an id from
//! another organization is simply not found.

use crate::audit::{NewAuditEvent, record_audit};
use crate::change_log::{GateEventKind, record_client_event, record_event, record_token_event};
use crate::{Store, StoreError, flag};
use domain::credentials::{Quota, RateLimit};
use domain::{CredentialId, OrgId};
use sqlx::any::AnyRow;
use sqlx::{Acquire, Row};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiClientRecord {
    pub id: String,
    pub organization_id: String,
    pub name: String,
    pub description: Option<String>,
    pub client_id: String,
    pub secret_last_four: String,
    pub allowed_origins: Vec<String>,
    pub scopes: String,
    pub application_type: String,
    pub disabled: bool,
    pub expires_at: Option<i64>,
    pub rate_limit: Option<RateLimit>,
    pub quota: Option<Quota>,
    /// Counts the secrets it has had (1 until the first rotation).
    pub secret_version: i64,
    /// The secret before the last rotation, while it is kept.
    pub previous_secret: Option<PreviousSecret>,
    /// When its logo was set (`None`: it has none); the logo's address carries it, so a new
    /// logo is fetched again.
    pub logo_updated_at: Option<i64>,
    /// The creator's name (a member, or the API Client that created it through the API), or
    /// `None` once they are gone.
    pub created_by: Option<String>,
    pub created_at: i64,
}

/// A secret (or token) replaced by a rotation that keeps working until `expires_at`: what the
/// console shows of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreviousSecret {
    pub last_four: String,
    pub expires_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestrictedTokenRecord {
    pub id: String,
    pub organization_id: String,
    pub name: String,
    pub token_last_four: String,
    pub allowed_ips: Vec<String>,
    pub expires_at: Option<i64>,
    pub rate_limit: Option<RateLimit>,
    pub quota: Option<Quota>,
    /// The token before the last regeneration, while it still works.
    pub previous_token: Option<PreviousSecret>,
    /// When it was revoked: it stays listed and is refused for good.
    pub revoked_at: Option<i64>,
    pub created_by: Option<String>,
    pub created_at: i64,
}

pub struct NewApiClient<'a> {
    pub id: &'a str,
    pub organization_id: &'a str,
    pub client_id: &'a str,
    pub secret_digest: &'a str,
    pub secret_last_four: &'a str,
    pub created_by: &'a str,
    pub fields: ApiClientFields<'a>,
}

/// What an edit may change: metadata only, never the Client ID or the secret.
pub struct ApiClientFields<'a> {
    pub name: &'a str,
    pub description: Option<&'a str>,
    pub allowed_origins: &'a [String],
    pub scopes: &'a str,
    pub application_type: &'a str,
    pub expires_at: Option<i64>,
    pub rate_limit: Option<RateLimit>,
    pub quota: Option<Quota>,
}

pub struct NewRestrictedToken<'a> {
    pub id: &'a str,
    pub organization_id: &'a str,
    pub token_digest: &'a str,
    pub token_last_four: &'a str,
    pub created_by: &'a str,
    pub fields: RestrictedTokenFields<'a>,
}

pub struct RestrictedTokenFields<'a> {
    pub name: &'a str,
    pub allowed_ips: &'a [String],
    pub expires_at: Option<i64>,
    pub rate_limit: Option<RateLimit>,
    pub quota: Option<Quota>,
}

impl ApiClientRecord {
    pub fn limits(&self) -> domain::credentials::Limits {
        domain::credentials::Limits {
            rate_limit: self.rate_limit,
            quota: self.quota,
        }
    }
}

impl RestrictedTokenRecord {
    pub fn limits(&self) -> domain::credentials::Limits {
        domain::credentials::Limits {
            rate_limit: self.rate_limit,
            quota: self.quota,
        }
    }
}

/// What lists sort and filter a name by: the name lowercased (compared byte by byte).
pub fn name_key(name: &str) -> String {
    name.to_lowercase()
}

fn join_list(items: &[String]) -> String {
    items.join("\n")
}

/// The previous secret of a row from its `last_four` and `expires_at` columns (none when
/// either is empty).
pub(crate) fn previous_of(
    row: &AnyRow,
    last_four: &str,
    expires_at: &str,
) -> Result<Option<PreviousSecret>, StoreError> {
    let last_four: Option<String> = row.try_get(last_four)?;
    let expires_at: Option<i64> = row.try_get(expires_at)?;
    Ok(last_four
        .zip(expires_at)
        .map(|(last_four, expires_at)| PreviousSecret {
            last_four,
            expires_at,
        }))
}

pub(crate) fn split_list(stored: &str) -> Vec<String> {
    stored
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// The stored `N/unit` limits of a row (a value this version cannot read counts as none).
pub(crate) fn limits_of(row: &AnyRow) -> Result<(Option<RateLimit>, Option<Quota>), StoreError> {
    let rate: Option<String> = row.try_get("rate_limit")?;
    let quota: Option<String> = row.try_get("quota")?;
    Ok((
        rate.as_deref().and_then(RateLimit::from_stored),
        quota.as_deref().and_then(Quota::from_stored),
    ))
}

pub(crate) fn api_client_from_row(row: &AnyRow) -> Result<ApiClientRecord, StoreError> {
    let (rate_limit, quota) = limits_of(row)?;
    Ok(ApiClientRecord {
        rate_limit,
        quota,
        id: row.try_get("id")?,
        organization_id: row.try_get("organization_id")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        client_id: row.try_get("client_id")?,
        secret_last_four: row.try_get("secret_last_four")?,
        allowed_origins: split_list(&row.try_get::<String, _>("allowed_origins")?),
        scopes: row.try_get("scopes")?,
        application_type: row.try_get("application_type")?,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
        expires_at: row.try_get("expires_at")?,
        secret_version: row.try_get("secret_version")?,
        previous_secret: previous_of(
            row,
            "previous_secret_last_four",
            "previous_secret_expires_at",
        )?,
        logo_updated_at: row.try_get("logo_updated_at")?,
        created_by: row.try_get("creator_name")?,
        created_at: row.try_get("created_at")?,
    })
}

pub(crate) fn restricted_token_from_row(row: &AnyRow) -> Result<RestrictedTokenRecord, StoreError> {
    let (rate_limit, quota) = limits_of(row)?;
    Ok(RestrictedTokenRecord {
        rate_limit,
        quota,
        id: row.try_get("id")?,
        organization_id: row.try_get("organization_id")?,
        name: row.try_get("name")?,
        token_last_four: row.try_get("token_last_four")?,
        allowed_ips: split_list(&row.try_get::<String, _>("allowed_ips")?),
        expires_at: row.try_get("expires_at")?,
        previous_token: previous_of(row, "previous_token_last_four", "previous_token_expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
        created_by: row.try_get("creator_name")?,
        created_at: row.try_get("created_at")?,
    })
}

macro_rules! api_client_select {
    ($where:literal) => {
        concat!(
            "SELECT c.id, c.organization_id, c.name, c.name_key, c.description, c.client_id, ",
            "c.secret_last_four, c.allowed_origins, c.scopes, c.application_type, c.disabled, ",
            "c.expires_at, ",
            "c.rate_limit, c.quota, c.secret_version, c.previous_secret_last_four, c.previous_secret_expires_at, ",
            "c.logo_updated_at, c.created_at, COALESCE(u.name, 'API Client ' || creator.name) AS creator_name FROM api_clients c ",
            "LEFT JOIN users u ON u.id = c.created_by ",
            "LEFT JOIN api_clients creator ON creator.id = c.created_by ",
            $where
        )
    };
}

macro_rules! restricted_token_select {
    ($where:literal) => {
        concat!(
            "SELECT t.id, t.organization_id, t.name, t.name_key, t.token_last_four, t.allowed_ips, ",
            "t.expires_at, t.rate_limit, t.quota, t.previous_token_last_four, ",
            "t.previous_token_expires_at, t.revoked_at, t.created_at, COALESCE(u.name, 'API Client ' || creator.name) AS creator_name ",
            "FROM restricted_tokens t ",
            "LEFT JOIN users u ON u.id = t.created_by ",
            "LEFT JOIN api_clients creator ON creator.id = t.created_by ",
            $where
        )
    };
}

pub(crate) use api_client_select;
pub(crate) use restricted_token_select;

impl Store {
    pub async fn get_api_client(
        &self,
        organization_id: OrgId<'_>,
        id: CredentialId<'_>,
    ) -> Result<ApiClientRecord, StoreError> {
        let (organization_id, id) = (organization_id.as_str(), id.as_str());
        let row = sqlx::query(api_client_select!(
            "WHERE c.organization_id = $1 AND c.id = $2"
        ))
        .bind(organization_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        api_client_from_row(&row)
    }

    /// Creates an API Client unless the organization already holds `max` of them.
    pub async fn create_api_client(
        &self,
        new: NewApiClient<'_>,
        max: i64,
        now: i64,
        audit: &NewAuditEvent,
    ) -> Result<ApiClientRecord, StoreError> {
        let mut tx = self.pool.begin().await?;
        let conn = tx.acquire().await?;
        make_room(conn, Kind::ApiClients, new.organization_id, max, now).await?;
        let f = &new.fields;
        sqlx::query(
            "INSERT INTO api_clients (id, organization_id, name, description, client_id, \
             secret_digest, secret_last_four, allowed_origins, scopes, disabled, expires_at, \
             created_by, created_at, updated_at, rate_limit, quota, name_key, application_type) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10, $11, $12, $12, $13, $14, $15, $16)",
        )
        .bind(new.id)
        .bind(new.organization_id)
        .bind(f.name)
        .bind(f.description)
        .bind(new.client_id)
        .bind(new.secret_digest)
        .bind(new.secret_last_four)
        .bind(join_list(f.allowed_origins))
        .bind(f.scopes)
        .bind(f.expires_at)
        .bind(new.created_by)
        .bind(now)
        .bind(f.rate_limit.map(RateLimit::to_stored))
        .bind(f.quota.map(Quota::to_stored))
        .bind(name_key(f.name))
        .bind(f.application_type)
        .execute(&mut *conn)
        .await?;
        let row = sqlx::query(api_client_select!(
            "WHERE c.organization_id = $1 AND c.id = $2"
        ))
        .bind(new.organization_id)
        .bind(new.id)
        .fetch_one(&mut *conn)
        .await?;
        let record = api_client_from_row(&row)?;
        record_audit(conn, audit).await?;
        tx.commit().await?;
        Ok(record)
    }

    pub async fn update_api_client(
        &self,
        organization_id: OrgId<'_>,
        id: CredentialId<'_>,
        fields: ApiClientFields<'_>,
        now: i64,
        audit: &NewAuditEvent,
    ) -> Result<ApiClientRecord, StoreError> {
        let (org, credential) = (organization_id, id);
        let (organization_id, id) = (org.as_str(), credential.as_str());
        let mut tx = self.pool.begin().await?;
        let conn = tx.acquire().await?;
        let done = sqlx::query(
            "UPDATE api_clients SET name = $1, description = $2, allowed_origins = $3, \
             scopes = $4, expires_at = $5, updated_at = $6, rate_limit = $9, quota = $10, \
             name_key = $11, application_type = $12 WHERE organization_id = $7 AND id = $8",
        )
        .bind(fields.name)
        .bind(fields.description)
        .bind(join_list(fields.allowed_origins))
        .bind(fields.scopes)
        .bind(fields.expires_at)
        .bind(now)
        .bind(organization_id)
        .bind(id)
        .bind(fields.rate_limit.map(RateLimit::to_stored))
        .bind(fields.quota.map(Quota::to_stored))
        .bind(name_key(fields.name))
        .bind(fields.application_type)
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        record_client_event(conn, organization_id, id).await?;
        record_audit(conn, audit).await?;
        tx.commit().await?;
        self.get_api_client(org, credential).await
    }

    pub async fn set_api_client_disabled(
        &self,
        organization_id: OrgId<'_>,
        id: CredentialId<'_>,
        disabled: bool,
        now: i64,
        audit: &NewAuditEvent,
    ) -> Result<ApiClientRecord, StoreError> {
        let (org, credential) = (organization_id, id);
        let (organization_id, id) = (org.as_str(), credential.as_str());
        let mut tx = self.pool.begin().await?;
        let conn = tx.acquire().await?;
        let done = sqlx::query(
            "UPDATE api_clients SET disabled = $1, updated_at = $2 WHERE organization_id = $3 AND id = $4",
        )
        .bind(flag(disabled))
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
        tx.commit().await?;
        self.get_api_client(org, credential).await
    }

    /// Deletes an API Client; answers its Client ID (what caches key it by).
    pub async fn delete_api_client(
        &self,
        organization_id: OrgId<'_>,
        id: CredentialId<'_>,
        audit: &NewAuditEvent,
    ) -> Result<String, StoreError> {
        let (organization_id, id) = (organization_id.as_str(), id.as_str());
        let mut tx = self.pool.begin().await?;
        let conn = tx.acquire().await?;
        let row = sqlx::query(
            "DELETE FROM api_clients WHERE organization_id = $1 AND id = $2 RETURNING client_id",
        )
        .bind(organization_id)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
        let client_id: String = row.try_get("client_id")?;
        record_event(conn, GateEventKind::Client, &client_id).await?;
        record_audit(conn, audit).await?;
        tx.commit().await?;
        Ok(client_id)
    }

    pub async fn get_restricted_token(
        &self,
        organization_id: OrgId<'_>,
        id: CredentialId<'_>,
    ) -> Result<RestrictedTokenRecord, StoreError> {
        let (organization_id, id) = (organization_id.as_str(), id.as_str());
        let row = sqlx::query(restricted_token_select!(
            "WHERE t.organization_id = $1 AND t.id = $2"
        ))
        .bind(organization_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        restricted_token_from_row(&row)
    }

    pub async fn create_restricted_token(
        &self,
        new: NewRestrictedToken<'_>,
        max: i64,
        now: i64,
        audit: &NewAuditEvent,
    ) -> Result<RestrictedTokenRecord, StoreError> {
        let mut tx = self.pool.begin().await?;
        let conn = tx.acquire().await?;
        make_room(conn, Kind::RestrictedTokens, new.organization_id, max, now).await?;
        let f = &new.fields;
        sqlx::query(
            "INSERT INTO restricted_tokens (id, organization_id, name, token_digest, \
             token_last_four, allowed_ips, expires_at, created_by, created_at, updated_at, \
             rate_limit, quota, name_key) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12)",
        )
        .bind(new.id)
        .bind(new.organization_id)
        .bind(f.name)
        .bind(new.token_digest)
        .bind(new.token_last_four)
        .bind(join_list(f.allowed_ips))
        .bind(f.expires_at)
        .bind(new.created_by)
        .bind(now)
        .bind(f.rate_limit.map(RateLimit::to_stored))
        .bind(f.quota.map(Quota::to_stored))
        .bind(name_key(f.name))
        .execute(&mut *conn)
        .await?;
        let row = sqlx::query(restricted_token_select!(
            "WHERE t.organization_id = $1 AND t.id = $2"
        ))
        .bind(new.organization_id)
        .bind(new.id)
        .fetch_one(&mut *conn)
        .await?;
        let record = restricted_token_from_row(&row)?;
        record_audit(conn, audit).await?;
        tx.commit().await?;
        Ok(record)
    }

    pub async fn update_restricted_token(
        &self,
        organization_id: OrgId<'_>,
        id: CredentialId<'_>,
        fields: RestrictedTokenFields<'_>,
        now: i64,
        audit: &NewAuditEvent,
    ) -> Result<RestrictedTokenRecord, StoreError> {
        let (org, credential) = (organization_id, id);
        let (organization_id, id) = (org.as_str(), credential.as_str());
        let mut tx = self.pool.begin().await?;
        let conn = tx.acquire().await?;
        let done = sqlx::query(
            "UPDATE restricted_tokens SET name = $1, allowed_ips = $2, expires_at = $3, \
             updated_at = $4, rate_limit = $7, quota = $8, name_key = $9 \
             WHERE organization_id = $5 AND id = $6 AND revoked_at IS NULL",
        )
        .bind(fields.name)
        .bind(join_list(fields.allowed_ips))
        .bind(fields.expires_at)
        .bind(now)
        .bind(organization_id)
        .bind(id)
        .bind(fields.rate_limit.map(RateLimit::to_stored))
        .bind(fields.quota.map(Quota::to_stored))
        .bind(name_key(fields.name))
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() == 0 {
            return Err(crate::lifecycle::why_unchanged(conn, organization_id, id).await);
        }
        record_token_event(conn, organization_id, id).await?;
        record_audit(conn, audit).await?;
        tx.commit().await?;
        self.get_restricted_token(org, credential).await
    }

    pub async fn delete_restricted_token(
        &self,
        organization_id: OrgId<'_>,
        id: CredentialId<'_>,
        audit: &NewAuditEvent,
    ) -> Result<(), StoreError> {
        let (organization_id, id) = (organization_id.as_str(), id.as_str());
        let mut tx = self.pool.begin().await?;
        let conn = tx.acquire().await?;
        record_token_event(conn, organization_id, id).await?;
        let done =
            sqlx::query("DELETE FROM restricted_tokens WHERE organization_id = $1 AND id = $2")
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
}

#[derive(Clone, Copy)]
enum Kind {
    ApiClients,
    RestrictedTokens,
}

/// Locks the organization (so concurrent creations run one at a time), then checks that it
/// holds fewer than `max` of `kind`.
async fn make_room(
    conn: &mut sqlx::AnyConnection,
    kind: Kind,
    organization_id: &str,
    max: i64,
    now: i64,
) -> Result<(), StoreError> {
    crate::accounts::lock_organization(conn, organization_id, now).await?;
    let count_sql = match kind {
        Kind::ApiClients => "SELECT COUNT(*) AS n FROM api_clients WHERE organization_id = $1",
        Kind::RestrictedTokens => {
            "SELECT COUNT(*) AS n FROM restricted_tokens WHERE organization_id = $1"
        }
    };
    let count: i64 = sqlx::query(count_sql)
        .bind(organization_id)
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
    if count >= max {
        return Err(StoreError::LimitReached);
    }
    Ok(())
}
