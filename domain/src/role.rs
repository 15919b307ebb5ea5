//! Roles and the permission matrix of PRODUCT.md §2.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    Admin,
    Developer,
    Member,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Developer, Role::Member];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Developer => "Developer",
            Role::Member => "Member",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str().eq_ignore_ascii_case(value.trim()))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one member may do, derived from their role, their **Manage API credentials** flag and
/// their organization's **API access** switch. The UI uses it to hide and disable; the server
/// uses the same answers to refuse.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permissions {
    pub role: Role,
    pub manage_credentials: bool,
    pub api_access: bool,
}

impl Permissions {
    pub fn new(role: Role, manage_credentials: bool, api_access: bool) -> Self {
        // The flag is always on for Admins, whatever is stored.
        let manage_credentials = manage_credentials || role == Role::Admin;
        Permissions {
            role,
            manage_credentials,
            api_access,
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Invite, change roles and flags, remove members, rename the organization.
    pub fn can_manage_members(&self) -> bool {
        self.is_admin()
    }

    /// The API page is in Settings for everyone, but only while API access is on.
    pub fn can_view_api_page(&self) -> bool {
        self.api_access
    }

    /// View Docs, Run in Postman and Add New; create, edit and delete Restricted Access Tokens.
    pub fn can_manage_restricted_tokens(&self) -> bool {
        self.api_access && self.manage_credentials
    }

    /// Create, edit and delete API Clients: a Member with the flag may not.
    pub fn can_manage_api_clients(&self) -> bool {
        self.api_access && self.manage_credentials && self.role != Role::Member
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_parses_its_own_names_only() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse(" admin "), Some(Role::Admin));
        assert_eq!(Role::parse("Owner"), None);
        assert_eq!(Role::parse(""), None);
    }

    #[test]
    fn the_permission_matrix_of_the_product() {
        let admin = Permissions::new(Role::Admin, false, true);
        assert!(admin.manage_credentials, "the flag is always on for Admins");
        assert!(admin.can_manage_api_clients() && admin.can_manage_restricted_tokens());
        assert!(admin.can_manage_members());

        let dev = Permissions::new(Role::Developer, true, true);
        assert!(dev.can_manage_api_clients() && dev.can_manage_restricted_tokens());
        assert!(!dev.can_manage_members());

        let member_flag = Permissions::new(Role::Member, true, true);
        assert!(member_flag.can_manage_restricted_tokens());
        assert!(!member_flag.can_manage_api_clients());

        for role in [Role::Developer, Role::Member] {
            let read_only = Permissions::new(role, false, true);
            assert!(read_only.can_view_api_page());
            assert!(!read_only.can_manage_restricted_tokens());
            assert!(!read_only.can_manage_api_clients());
        }

        let no_access = Permissions::new(Role::Admin, true, false);
        assert!(!no_access.can_view_api_page());
        assert!(!no_access.can_manage_api_clients());
        assert!(no_access.can_manage_members());
    }
}
