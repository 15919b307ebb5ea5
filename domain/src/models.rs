//! The typed values that travel between the console in the browser and the server.

use crate::{Permissions, Role};
use serde::{Deserialize, Serialize};

/// The signed-in person as the console sees them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub organization: OrganizationView,
    pub permissions: Permissions,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationView {
    pub id: String,
    pub name: String,
    pub api_access: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub manage_credentials: bool,
    pub joined_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingInviteView {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub manage_credentials: bool,
    pub expires_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembersPage {
    pub members: Vec<MemberView>,
    pub invites: Vec<PendingInviteView>,
}

/// What the invite page shows before someone joins.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitePreview {
    pub email: String,
    pub organization_name: String,
    pub role: Role,
}
