//! Organizations and their members.

use crate::audit::{NewAuditEvent, record_audit};
use crate::change_log::{GateEventKind, record_event};
use crate::records::{org_columns, org_from_row, user_columns, user_from_row};
use crate::{
    MemberUpdate, NewOrganization, NewUser, OrgRecord, Store, StoreError, UserRecord, flag,
};
use domain::Role;
use sqlx::AnyConnection;
use sqlx::{Acquire, Row};

impl Store {
    /// True once the first account exists: `/setup` is then gone.
    pub async fn is_set_up(&self) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM users")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }

    /// Creates the instance's first organization and its first Admin. Fails with
    /// `AlreadySetUp` if setup already happened, even when two requests race.
    pub async fn create_first_admin(
        &self,
        org: NewOrganization<'_>,
        user: NewUser<'_>,
        now: i64,
    ) -> Result<UserRecord, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("INSERT INTO instance_setup (singleton, set_up_at) VALUES (1, $1)")
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::from_insert(e, StoreError::AlreadySetUp))?;
        if sqlx::query("SELECT COUNT(*) AS n FROM users")
            .fetch_one(&mut *tx)
            .await?
            .try_get::<i64, _>("n")?
            > 0
        {
            return Err(StoreError::AlreadySetUp);
        }
        let record = insert_org_and_user(&mut tx, &org, &user, now).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Creates a new organization with `user` as its Admin (open sign-up).
    pub async fn create_organization_with_admin(
        &self,
        org: NewOrganization<'_>,
        user: NewUser<'_>,
        now: i64,
    ) -> Result<UserRecord, StoreError> {
        let mut tx = self.pool.begin().await?;
        let record = insert_org_and_user(&mut tx, &org, &user, now).await?;
        tx.commit().await?;
        Ok(record)
    }

    pub async fn find_user_by_email(&self, email: &str) -> Result<Option<UserRecord>, StoreError> {
        let sql = concat!(
            "SELECT ",
            user_columns!(),
            " FROM users u WHERE u.email = $1"
        );
        let row = sqlx::query(sql)
            .bind(email)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    pub async fn list_members(&self, organization_id: &str) -> Result<Vec<UserRecord>, StoreError> {
        let sql = concat!(
            "SELECT ",
            user_columns!(),
            " FROM users u WHERE u.organization_id = $1 \
             ORDER BY LOWER(u.name), u.email LIMIT 1000"
        );
        let rows = sqlx::query(sql)
            .bind(organization_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(user_from_row).collect()
    }

    /// Changes a member's role and flag, keeping at least one Admin. A user of another
    /// organization is `NotFound`.
    pub async fn update_member(
        &self,
        organization_id: &str,
        user_id: &str,
        update: MemberUpdate,
        now: i64,
        audit: impl FnOnce(&UserRecord, &UserRecord) -> NewAuditEvent,
    ) -> Result<UserRecord, StoreError> {
        let mut tx = self.pool.begin().await?;
        let conn = tx.acquire().await?;
        let target = lock_org_and_load_member(conn, organization_id, user_id, now).await?;
        if target.role == Role::Admin && update.role != Role::Admin {
            ensure_another_admin(conn, organization_id).await?;
        }
        let manage = update.manage_credentials || update.role == Role::Admin;
        sqlx::query(
            "UPDATE users SET role = $1, manage_credentials = $2 \
             WHERE id = $3 AND organization_id = $4",
        )
        .bind(update.role.as_str())
        .bind(flag(manage))
        .bind(user_id)
        .bind(organization_id)
        .execute(&mut *conn)
        .await?;
        let updated = UserRecord {
            role: update.role,
            manage_credentials: manage,
            ..target.clone()
        };
        record_audit(conn, &audit(&target, &updated)).await?;
        tx.commit().await?;
        Ok(updated)
    }

    /// Removes a member (and their sessions), keeping at least one Admin.
    pub async fn remove_member(
        &self,
        organization_id: &str,
        user_id: &str,
        now: i64,
        audit: impl FnOnce(&UserRecord) -> NewAuditEvent,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let conn = tx.acquire().await?;
        let target = lock_org_and_load_member(conn, organization_id, user_id, now).await?;
        if target.role == Role::Admin {
            ensure_another_admin(conn, organization_id).await?;
        }
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *conn)
            .await?;
        sqlx::query("DELETE FROM users WHERE id = $1 AND organization_id = $2")
            .bind(user_id)
            .bind(organization_id)
            .execute(&mut *conn)
            .await?;
        record_audit(conn, &audit(&target)).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn rename_organization(
        &self,
        organization_id: &str,
        name: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let conn = tx.acquire().await?;
        let done = sqlx::query("UPDATE organizations SET name = $1, updated_at = $2 WHERE id = $3")
            .bind(name)
            .bind(now)
            .bind(organization_id)
            .execute(&mut *conn)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        record_event(conn, GateEventKind::Organization, organization_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Finds an organization by its id, or else by its exact name (which must be unique).
    pub async fn find_organization(&self, id_or_name: &str) -> Result<OrgRecord, StoreError> {
        let sql = concat!(
            "SELECT ",
            org_columns!(),
            " FROM organizations o WHERE o.id = $1"
        );
        if let Some(row) = sqlx::query(sql)
            .bind(id_or_name)
            .fetch_optional(&self.pool)
            .await?
        {
            return org_from_row(&row);
        }
        let sql = concat!(
            "SELECT ",
            org_columns!(),
            " FROM organizations o WHERE o.name = $1 LIMIT 2"
        );
        let rows = sqlx::query(sql)
            .bind(id_or_name)
            .fetch_all(&self.pool)
            .await?;
        match rows.as_slice() {
            [row] => org_from_row(row),
            [] => Err(StoreError::NotFound),
            _ => Err(StoreError::Config(format!(
                "more than one organization is named {id_or_name:?}: use its id"
            ))),
        }
    }

    pub async fn set_api_access(
        &self,
        organization_id: &str,
        on: bool,
        now: i64,
        audit: &NewAuditEvent,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let conn = tx.acquire().await?;
        let done =
            sqlx::query("UPDATE organizations SET api_access = $1, updated_at = $2 WHERE id = $3")
                .bind(flag(on))
                .bind(now)
                .bind(organization_id)
                .execute(&mut *conn)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        record_event(conn, GateEventKind::Organization, organization_id).await?;
        record_audit(conn, audit).await?;
        tx.commit().await?;
        Ok(())
    }
}

pub(crate) async fn insert_org_and_user(
    conn: &mut AnyConnection,
    org: &NewOrganization<'_>,
    user: &NewUser<'_>,
    now: i64,
) -> Result<UserRecord, StoreError> {
    sqlx::query(
        "INSERT INTO organizations (id, name, api_access, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(org.id)
    .bind(org.name)
    .bind(flag(org.api_access))
    .bind(now)
    .execute(&mut *conn)
    .await?;
    insert_user(conn, org.id, user, now).await
}

pub(crate) async fn insert_user(
    conn: &mut AnyConnection,
    organization_id: &str,
    user: &NewUser<'_>,
    now: i64,
) -> Result<UserRecord, StoreError> {
    let manage = user.manage_credentials || user.role == Role::Admin;
    sqlx::query(
        "INSERT INTO users (id, organization_id, name, email, password_hash, role, \
         manage_credentials, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(user.id)
    .bind(organization_id)
    .bind(user.name)
    .bind(user.email)
    .bind(user.password_hash)
    .bind(user.role.as_str())
    .bind(flag(manage))
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(|e| StoreError::from_insert(e, StoreError::EmailTaken))?;
    Ok(UserRecord {
        id: user.id.to_string(),
        organization_id: organization_id.to_string(),
        name: user.name.to_string(),
        email: user.email.to_string(),
        password_hash: user.password_hash.to_string(),
        role: user.role,
        manage_credentials: manage,
        created_at: now,
    })
}

/// Locks the organization first (see `lock_organization`), so that two concurrent role
/// changes cannot both see "another Admin remains".
async fn lock_org_and_load_member(
    conn: &mut AnyConnection,
    organization_id: &str,
    user_id: &str,
    now: i64,
) -> Result<UserRecord, StoreError> {
    lock_organization(conn, organization_id, now).await?;
    let sql = concat!(
        "SELECT ",
        user_columns!(),
        " FROM users u WHERE u.id = $1 AND u.organization_id = $2"
    );
    let row = sqlx::query(sql)
        .bind(user_id)
        .bind(organization_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    user_from_row(&row)
}

async fn ensure_another_admin(
    conn: &mut AnyConnection,
    organization_id: &str,
) -> Result<(), StoreError> {
    let admins: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM users WHERE organization_id = $1 AND role = 'Admin'",
    )
    .bind(organization_id)
    .fetch_one(&mut *conn)
    .await?
    .try_get("n")?;
    if admins <= 1 {
        return Err(StoreError::LastAdmin);
    }
    Ok(())
}

/// Takes the organization's row lock for the rest of the transaction (an UPDATE locks on both
/// backends): changes that check a count across the organization's rows run one at a time.
/// An unknown organization is `NotFound`.
pub(crate) async fn lock_organization(
    conn: &mut AnyConnection,
    organization_id: &str,
    now: i64,
) -> Result<(), StoreError> {
    let locked = sqlx::query("UPDATE organizations SET updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(organization_id)
        .execute(&mut *conn)
        .await?;
    if locked.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}
