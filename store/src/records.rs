//! Rows as the rest of the server sees them.

use crate::StoreError;
use domain::Role;
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgRecord {
    pub id: String,
    pub name: String,
    pub api_access: bool,
    pub created_at: i64,
}

#[derive(Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: String,
    pub organization_id: String,
    pub name: String,
    pub email: String,
    pub password_hash: String,
    pub role: Role,
    pub manage_credentials: bool,
    pub created_at: i64,
}

impl std::fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRecord")
            .field("id", &self.id)
            .field("organization_id", &self.organization_id)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InviteRecord {
    pub id: String,
    pub organization_id: String,
    pub organization_name: String,
    pub email: String,
    pub role: Role,
    pub manage_credentials: bool,
    pub created_at: i64,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
}

pub struct NewOrganization<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub api_access: bool,
}

pub struct NewUser<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub manage_credentials: bool,
}

pub struct NewInvite<'a> {
    pub id: &'a str,
    pub token_digest: &'a str,
    pub organization_id: &'a str,
    pub email: &'a str,
    pub role: Role,
    pub manage_credentials: bool,
    pub created_by: &'a str,
    pub expires_at: i64,
}

/// A change to one member's role and flag.
#[derive(Clone, Copy, Debug)]
pub struct MemberUpdate {
    pub role: Role,
    pub manage_credentials: bool,
}

pub(crate) fn role_of(value: &str) -> Result<Role, StoreError> {
    Role::parse(value).ok_or_else(|| StoreError::Corrupt(format!("role {value:?}")))
}

macro_rules! user_columns {
    () => {
        "u.id, u.organization_id, u.name, u.email, u.password_hash, u.role, \
         u.manage_credentials, u.created_at"
    };
}
pub(crate) use user_columns;

pub(crate) fn user_from_row(row: &AnyRow) -> Result<UserRecord, StoreError> {
    Ok(UserRecord {
        id: row.try_get("id")?,
        organization_id: row.try_get("organization_id")?,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        password_hash: row.try_get("password_hash")?,
        role: role_of(&row.try_get::<String, _>("role")?)?,
        manage_credentials: row.try_get::<i64, _>("manage_credentials")? != 0,
        created_at: row.try_get("created_at")?,
    })
}

macro_rules! org_columns {
    () => {
        "o.id AS org_id, o.name AS org_name, o.api_access AS org_api_access, \
         o.created_at AS org_created_at"
    };
}
pub(crate) use org_columns;

pub(crate) fn org_from_row(row: &AnyRow) -> Result<OrgRecord, StoreError> {
    Ok(OrgRecord {
        id: row.try_get("org_id")?,
        name: row.try_get("org_name")?,
        api_access: row.try_get::<i64, _>("org_api_access")? != 0,
        created_at: row.try_get("org_created_at")?,
    })
}
