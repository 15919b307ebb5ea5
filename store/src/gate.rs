//! What the authorization server and the `/api/v1` gate read and write: credentials looked up by
//! Client ID or token digest (with their organization), signing keys, revoked access tokens, and
//! revoked access tokens. Each change records itself in the change log (`change_log`).

use crate::audit::{NewAuditEvent, record_audit};
use crate::change_log::{GateEventKind, record_event};
use crate::credentials::split_list;
use crate::{Store, StoreError};
use domain::ClientId;
use sqlx::any::AnyRow;
use sqlx::{Acquire, AnyConnection, Row};

/// An API Client as the token endpoint and the gate need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GateClientRecord {
    pub id: String,
    pub organization_id: String,
    pub organization_name: String,
    pub api_access: bool,
    pub name: String,
    pub client_id: String,
    pub secret_digest: String,
    /// Counts the rotations: usage tells the secrets apart by it.
    pub secret_version: i64,
    /// The secret before the last rotation, while it is kept: its digest and its end.
    pub previous_secret: Option<(String, i64)>,
    pub allowed_origins: Vec<String>,
    pub scopes: String,
    pub disabled: bool,
    pub expires_at: Option<i64>,
    pub rate_limit: Option<domain::credentials::RateLimit>,
    pub quota: Option<domain::credentials::Quota>,
}

/// A Restricted Access Token as the gate needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GateTokenRecord {
    pub id: String,
    pub organization_id: String,
    pub organization_name: String,
    pub api_access: bool,
    pub name: String,
    pub allowed_ips: Vec<String>,
    pub expires_at: Option<i64>,
    /// Looked up by the token it had before a regeneration: when that one stops working.
    pub grace_ends_at: Option<i64>,
    pub revoked: bool,
    pub created_at: i64,
    pub rate_limit: Option<domain::credentials::RateLimit>,
    pub quota: Option<domain::credentials::Quota>,
}

#[derive(Clone, PartialEq, Eq)]
pub struct SigningKeyRecord {
    pub kid: String,
    pub alg: String,
    /// The private key as stored: PKCS#8 DER in base64, or sealed (`enc1:…`, see
    /// `services::key_wrap`). Never printed.
    pub private_der: String,
    pub created_at: i64,
    pub retired_at: Option<i64>,
}

impl std::fmt::Debug for SigningKeyRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeyRecord")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("private_der", &"(redacted)")
            .field("created_at", &self.created_at)
            .field("retired_at", &self.retired_at)
            .finish()
    }
}

fn gate_client_from_row(row: &AnyRow) -> Result<GateClientRecord, StoreError> {
    let (rate_limit, quota) = crate::credentials::limits_of(row)?;
    Ok(GateClientRecord {
        rate_limit,
        quota,
        id: row.try_get("id")?,
        organization_id: row.try_get("organization_id")?,
        organization_name: row.try_get("organization_name")?,
        api_access: row.try_get::<i64, _>("api_access")? != 0,
        name: row.try_get("name")?,
        client_id: row.try_get("client_id")?,
        secret_digest: row.try_get("secret_digest")?,
        secret_version: row.try_get("secret_version")?,
        previous_secret: row
            .try_get::<Option<String>, _>("previous_secret_digest")?
            .zip(row.try_get::<Option<i64>, _>("previous_secret_expires_at")?),
        allowed_origins: split_list(&row.try_get::<String, _>("allowed_origins")?),
        scopes: row.try_get("scopes")?,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
        expires_at: row.try_get("expires_at")?,
    })
}

fn gate_token_from_row(row: &AnyRow) -> Result<GateTokenRecord, StoreError> {
    let (rate_limit, quota) = crate::credentials::limits_of(row)?;
    Ok(GateTokenRecord {
        rate_limit,
        quota,
        id: row.try_get("id")?,
        organization_id: row.try_get("organization_id")?,
        organization_name: row.try_get("organization_name")?,
        api_access: row.try_get::<i64, _>("api_access")? != 0,
        name: row.try_get("name")?,
        allowed_ips: split_list(&row.try_get::<String, _>("allowed_ips")?),
        expires_at: row.try_get("expires_at")?,
        grace_ends_at: row.try_get("grace_ends_at")?,
        revoked: row.try_get::<Option<i64>, _>("revoked_at")?.is_some(),
        created_at: row.try_get("created_at")?,
    })
}

fn signing_key_from_row(row: &AnyRow) -> Result<SigningKeyRecord, StoreError> {
    Ok(SigningKeyRecord {
        kid: row.try_get("kid")?,
        alg: row.try_get("alg")?,
        private_der: row.try_get("private_der")?,
        created_at: row.try_get("created_at")?,
        retired_at: row.try_get("retired_at")?,
    })
}

impl Store {
    pub async fn gate_client(
        &self,
        client_id: ClientId<'_>,
    ) -> Result<Option<GateClientRecord>, StoreError> {
        let client_id = client_id.as_str();
        let row = sqlx::query(
            "SELECT c.id, c.organization_id, o.name AS organization_name, o.api_access, c.name, \
             c.client_id, c.secret_digest, c.allowed_origins, c.scopes, c.disabled, c.expires_at, \
             c.rate_limit, c.quota, c.secret_version, c.previous_secret_digest, \
             c.previous_secret_expires_at \
             FROM api_clients c JOIN organizations o ON o.id = c.organization_id \
             WHERE c.client_id = $1",
        )
        .bind(client_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(gate_client_from_row).transpose()
    }

    pub async fn gate_token(
        &self,
        token_digest: &str,
    ) -> Result<Option<GateTokenRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT t.id, t.organization_id, o.name AS organization_name, o.api_access, t.name, \
             t.allowed_ips, t.expires_at, t.created_at, t.rate_limit, t.quota, t.revoked_at, \
             CASE WHEN t.token_digest = $1 THEN NULL ELSE t.previous_token_expires_at END \
             AS grace_ends_at \
             FROM restricted_tokens t JOIN organizations o ON o.id = t.organization_id \
             WHERE t.token_digest = $1 OR t.previous_token_digest = $1",
        )
        .bind(token_digest)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(gate_token_from_row).transpose()
    }

    /// The keys to publish: every key still signing, and those retired after `retired_after`.
    pub async fn signing_keys(
        &self,
        retired_after: i64,
    ) -> Result<Vec<SigningKeyRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT kid, alg, private_der, created_at, retired_at FROM signing_keys \
             WHERE retired_at IS NULL OR retired_at > $1 ORDER BY created_at, kid",
        )
        .bind(retired_after)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(signing_key_from_row).collect()
    }

    /// Adds a key that signs from now on. The keys it replaces are retired (they stay
    /// published while their tokens may still be in use): those of its algorithm, or with
    /// `retire_all` every key (an operator's rotation).
    pub async fn rotate_signing_key(
        &self,
        key: &SigningKeyRecord,
        retire_all: bool,
        audit: Option<&NewAuditEvent>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let conn = tx.acquire().await?;
        add_signing_key(conn, key, retire_all).await?;
        record_event(conn, GateEventKind::Keys, "").await?;
        if let Some(audit) = audit {
            record_audit(conn, audit).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Every stored key's id and stored private key, retired or not.
    pub async fn stored_private_keys(&self) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query("SELECT kid, private_der FROM signing_keys ORDER BY kid")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("kid")?, row.try_get("private_der")?)))
            .collect()
    }

    /// Replaces key `kid`'s stored private key by `new` if it is still `old` (another instance
    /// starting at the same time may have sealed it first); answers whether it did.
    pub async fn replace_private_key(
        &self,
        kid: &str,
        old: &str,
        new: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE signing_keys SET private_der = $1 WHERE kid = $2 AND private_der = $3",
        )
        .bind(new)
        .bind(kid)
        .bind(old)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// After private keys were rewritten in place: rebuilds the table so that no earlier
    /// version of a row stays behind in free pages (SQLite: `VACUUM` and a truncating WAL
    /// checkpoint; PostgreSQL: `VACUUM FULL` of the table, which writes it anew).
    pub async fn scrub_signing_keys(&self) -> Result<(), StoreError> {
        let statements: &[&'static str] = match self.backend() {
            crate::Backend::Sqlite => &[
                "PRAGMA wal_checkpoint(TRUNCATE)",
                "VACUUM",
                "PRAGMA wal_checkpoint(TRUNCATE)",
            ],
            crate::Backend::Postgres => &["VACUUM FULL signing_keys"],
        };
        for &statement in statements {
            sqlx::query(statement).execute(&self.pool).await?;
        }
        Ok(())
    }

    /// Forgets keys retired at or before `retired_before` (their tokens have all expired).
    pub async fn delete_retired_signing_keys(
        &self,
        retired_before: i64,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM signing_keys WHERE retired_at IS NOT NULL AND retired_at <= $1",
        )
        .bind(retired_before)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Revokes an access token until it would have expired. Revoking twice is harmless.
    pub async fn revoke_access_token(
        &self,
        jti: &str,
        client_id: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let conn = tx.acquire().await?;
        sqlx::query(
            "INSERT INTO revoked_tokens (jti, client_id, expires_at, revoked_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (jti) DO NOTHING",
        )
        .bind(jti)
        .bind(client_id)
        .bind(expires_at)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        record_event(conn, GateEventKind::Revoked, jti).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Revoked tokens that have not expired yet: `(jti, expires_at)`.
    pub async fn revoked_access_tokens(&self, now: i64) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query("SELECT jti, expires_at FROM revoked_tokens WHERE expires_at > $1")
            .bind(now)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("jti")?, row.try_get("expires_at")?)))
            .collect()
    }

    pub async fn is_access_token_revoked(&self, jti: &str) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT 1 AS one FROM revoked_tokens WHERE jti = $1")
            .bind(jti)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    /// Drops revocations of tokens that have expired anyway.
    pub async fn prune_revocations(&self, now: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM revoked_tokens WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

impl Store {
    /// Withdraws a signing key at once (a stolen key): it leaves the JWKS and nothing it signed
    /// verifies any more. `replacement`, when given, is added first, in the same transaction,
    /// and retires the other keys of its algorithm (the withdrawn key was signing). Answers
    /// `NotFound` when there is no such key; then nothing changes.
    pub async fn revoke_signing_key(
        &self,
        kid: &str,
        replacement: Option<&SigningKeyRecord>,
        audit: &NewAuditEvent,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let conn = tx.acquire().await?;
        if let Some(key) = replacement {
            add_signing_key(conn, key, false).await?;
        }
        let done = sqlx::query("DELETE FROM signing_keys WHERE kid = $1")
            .bind(kid)
            .execute(&mut *conn)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        record_event(conn, GateEventKind::Keys, "").await?;
        record_audit(conn, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The key `kid`, retired or not.
    pub async fn signing_key(&self, kid: &str) -> Result<Option<SigningKeyRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT kid, alg, private_der, created_at, retired_at FROM signing_keys WHERE kid = $1",
        )
        .bind(kid)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(signing_key_from_row).transpose()
    }
}

/// Inserts a key that signs from now on, retiring the keys it replaces (they stay published
/// while their tokens may still be in use): those of its algorithm, or every key.
async fn add_signing_key(
    conn: &mut AnyConnection,
    key: &SigningKeyRecord,
    retire_all: bool,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE signing_keys SET retired_at = $1 WHERE retired_at IS NULL AND (alg = $2 OR $3 = 1)",
    )
    .bind(key.created_at)
    .bind(&key.alg)
    .bind(i64::from(retire_all))
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO signing_keys (kid, alg, private_der, created_at, retired_at) \
         VALUES ($1, $2, $3, $4, NULL)",
    )
    .bind(&key.kid)
    .bind(&key.alg)
    .bind(&key.private_der)
    .bind(key.created_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
