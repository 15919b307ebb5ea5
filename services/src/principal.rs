//! Who is asking. Operations that need a permission take the type that proves it.

use crate::ServiceError;
use crate::audit::{Actor, AuditReader};
use domain::Permissions;
use domain::audit::ActorKind;
use domain::credentials::Scope;
use domain::models::{Me, OrganizationView};
use store::{OrgRecord, UserRecord};

/// A signed-in member of one organization.
#[derive(Clone, Debug)]
pub struct Principal {
    pub user: UserRecord,
    pub org: OrgRecord,
    /// Where this request comes from (for the audit log), when the server knows it.
    pub address: Option<std::net::IpAddr>,
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
            Ok(AdminPrincipal::of(self))
        } else {
            Err(ServiceError::Forbidden)
        }
    }

    /// The proof that this principal may read the organization's audit log (Admins only).
    pub fn audit_reader(&self) -> Result<AuditReader<'_>, ServiceError> {
        Ok(AuditReader::new(self.admin()?.organization_id))
    }

    /// This member, as the audit log names them.
    pub fn actor(&self) -> Actor<'_> {
        Actor {
            kind: ActorKind::User,
            id: &self.user.id,
            name: &self.user.name,
            address: self.address,
        }
    }

    /// The proof that this principal may see the API page (its organization has API access).
    pub fn credential_viewer(&self) -> Result<CredentialViewer<'_>, ServiceError> {
        if self.permissions().can_view_api_page() {
            Ok(CredentialViewer::of(self))
        } else {
            Err(ServiceError::Forbidden)
        }
    }

    /// The proof that this principal may create, edit and delete Restricted Access Tokens.
    pub fn token_manager(&self) -> Result<TokenManager<'_>, ServiceError> {
        if self.permissions().can_manage_restricted_tokens() {
            Ok(TokenManager::of(self))
        } else {
            Err(ServiceError::Forbidden)
        }
    }

    /// The proof that this principal may create, edit and delete API Clients.
    pub fn client_manager(&self) -> Result<ClientManager<'_>, ServiceError> {
        if self.permissions().can_manage_api_clients() {
            Ok(ClientManager::of(self))
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

macro_rules! permission_handle {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug)]
        pub struct $name<'a> {
            organization_id: &'a str,
            /// The member, or the API Client, acting.
            actor: Actor<'a>,
        }

        impl<'a> $name<'a> {
            fn of(principal: &'a Principal) -> Self {
                $name {
                    organization_id: &principal.org.id,
                    actor: principal.actor(),
                }
            }

            /// For a caller of the public API whose token grants the scope (see
            /// `tokens::Caller`); the actor is its credential.
            #[allow(dead_code)]
            pub(crate) fn for_api(organization_id: &'a str, actor: Actor<'a>) -> Self {
                $name { organization_id, actor }
            }

            pub fn organization_id(&self) -> &str {
                self.organization_id
            }

            /// The organization's id as the store takes it.
            pub fn org(&self) -> domain::OrgId<'a> {
                domain::OrgId::new(self.organization_id)
            }

            pub fn user_id(&self) -> &str {
                self.actor.id
            }

            /// Who acts through this handle, for the audit log.
            pub fn actor(&self) -> Actor<'a> {
                self.actor
            }
        }
    };
}

permission_handle!(
    /// Only `Principal::admin` makes one.
    AdminPrincipal
);

impl<'a> AdminPrincipal<'a> {
    /// An Admin may read the audit log.
    pub fn audit_reader(&self) -> AuditReader<'a> {
        AuditReader::new(self.organization_id)
    }
}
permission_handle!(
    /// Only `Principal::credential_viewer` makes one.
    CredentialViewer
);
permission_handle!(
    /// Only `Principal::token_manager` makes one.
    TokenManager
);
permission_handle!(
    /// Only `Principal::client_manager` makes one.
    ClientManager
);

// What an API caller's token must grant for each handle: the one statement of the `/api/v1`
// scope rule. The gate's route table (`server::api::ROUTES`) and the OpenAPI `security` of each
// endpoint are written from these.
impl CredentialViewer<'_> {
    pub const SCOPE: Scope = Scope::CredentialsRead;
}

impl ClientManager<'_> {
    pub const SCOPE: Scope = Scope::CredentialsWrite;
}

impl TokenManager<'_> {
    pub const SCOPE: Scope = Scope::CredentialsWrite;
}
