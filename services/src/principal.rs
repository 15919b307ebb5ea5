//! Who is asking. Operations that need a permission take the type that proves it.

use crate::ServiceError;
use domain::Permissions;
use domain::models::{Me, OrganizationView};
use store::{OrgRecord, UserRecord};

/// A signed-in member of one organization.
#[derive(Clone, Debug)]
pub struct Principal {
    pub user: UserRecord,
    pub org: OrgRecord,
}

impl Principal {
    pub fn permissions(&self) -> Permissions {
        Permissions::new(
            self.user.role,
            self.user.manage_credentials,
            self.org.api_access,
        )
    }

    /// The proof that this principal is an Admin of its organization.
    pub fn admin(&self) -> Result<AdminPrincipal<'_>, ServiceError> {
        if self.permissions().can_manage_members() {
            Ok(AdminPrincipal { inner: self })
        } else {
            Err(ServiceError::Forbidden)
        }
    }

    pub fn me(&self) -> Me {
        Me {
            user_id: self.user.id.clone(),
            name: self.user.name.clone(),
            email: self.user.email.clone(),
            organization: OrganizationView {
                id: self.org.id.clone(),
                name: self.org.name.clone(),
                api_access: self.org.api_access,
            },
            permissions: self.permissions(),
        }
    }
}

/// Only `Principal::admin` makes one.
#[derive(Clone, Copy, Debug)]
pub struct AdminPrincipal<'a> {
    inner: &'a Principal,
}

impl AdminPrincipal<'_> {
    pub fn organization_id(&self) -> &str {
        &self.inner.org.id
    }

    pub fn user_id(&self) -> &str {
        &self.inner.user.id
    }
}
