//! The Members page: listing, invites, roles and removal.

use crate::audit::{Actor, Changes, Target, event};
use crate::{AdminPrincipal, Principal, ServiceError, Services, SignedIn, secrets};
use domain::audit::{ActorKind, AuditAction};
use domain::models::{InvitePreview, MemberView, MembersPage, PendingInviteView};
use domain::{Email, FieldError, INVITE_TTL_SECONDS, OrgName, Password, PersonName, Role};
use std::net::IpAddr;
use store::{MemberUpdate, NewInvite, NewUser};

const INVITE: &str = "invite";
const MEMBER: &str = "member";

/// The most pending invites an organization may hold at once.
pub const MAX_PENDING_INVITES: i64 = 100;

impl Services {
    /// Everyone in the organization sees its members; only Admins see pending invites.
    pub async fn members_page(
        &self,
        who: &Principal,
        now: i64,
    ) -> Result<MembersPage, ServiceError> {
        let members = self
            .store()
            .list_members(&who.org.id)
            .await?
            .into_iter()
            .map(|u| MemberView {
                user_id: u.id,
                name: u.name,
                email: u.email,
                role: u.role,
                manage_credentials: u.manage_credentials,
                joined_at: u.created_at,
            })
            .collect();
        let invites = match who.admin() {
            Ok(admin) => self
                .store()
                .list_pending_invites(admin.organization_id(), now)
                .await?
                .into_iter()
                .map(|i| PendingInviteView {
                    id: i.id,
                    email: i.email,
                    role: i.role,
                    manage_credentials: i.manage_credentials,
                    expires_at: i.expires_at,
                })
                .collect(),
            Err(_) => Vec::new(),
        };
        Ok(MembersPage { members, invites })
    }

    /// Creates a one-time invite and answers its secret token (shown once, in the link).
    pub async fn invite_member(
        &self,
        admin: AdminPrincipal<'_>,
        email: &str,
        role: &str,
        manage_credentials: bool,
        now: i64,
    ) -> Result<domain::Secret, ServiceError> {
        let email = Email::parse(email)?;
        let role = Role::parse(role).ok_or_else(|| FieldError::new("role", "Choose a role"))?;
        if self
            .store()
            .find_user_by_email(email.as_str())
            .await?
            .is_some()
        {
            return Err(
                FieldError::new("email", "An account with this email already exists").into(),
            );
        }
        if self
            .store()
            .count_pending_invites(admin.organization_id(), now)
            .await?
            >= MAX_PENDING_INVITES
        {
            return Err(FieldError::new(
                "email",
                format!("At most {MAX_PENDING_INVITES} invites can be pending: revoke some first"),
            )
            .into());
        }
        let token = secrets::new_token();
        let id = secrets::new_id();
        let manage_credentials = manage_credentials || role == Role::Admin;
        let audit = event(
            admin.actor(),
            Some(admin.organization_id()),
            AuditAction::MemberInvited,
            Target {
                kind: INVITE,
                id: &id,
                name: email.as_str(),
            },
            Changes::new()
                .set("email", email.as_str())
                .set("role", role.as_str())
                .set("manage_credentials", manage_credentials),
            now,
        );
        self.store()
            .create_invite(
                NewInvite {
                    id: &id,
                    token_digest: &secrets::digest(&token),
                    organization_id: admin.organization_id(),
                    email: email.as_str(),
                    role,
                    manage_credentials,
                    created_by: admin.user_id(),
                    expires_at: now + INVITE_TTL_SECONDS,
                },
                now,
                &audit,
            )
            .await?;
        tracing::info!(
            invite_id = id,
            org_id = admin.organization_id(),
            "invite created"
        );
        Ok(token.into())
    }

    pub async fn revoke_invite(
        &self,
        admin: AdminPrincipal<'_>,
        invite_id: &str,
        now: i64,
    ) -> Result<(), ServiceError> {
        let invite = self
            .store()
            .list_pending_invites(admin.organization_id(), now)
            .await?
            .into_iter()
            .find(|i| i.id == invite_id)
            .ok_or(ServiceError::NotFound)?;
        let audit = event(
            admin.actor(),
            Some(admin.organization_id()),
            AuditAction::InviteRevoked,
            Target {
                kind: INVITE,
                id: invite_id,
                name: &invite.email,
            },
            Changes::new(),
            now,
        );
        Ok(self
            .store()
            .revoke_invite(admin.organization_id(), invite_id, &audit)
            .await?)
    }

    pub async fn update_member(
        &self,
        admin: AdminPrincipal<'_>,
        user_id: &str,
        role: &str,
        manage_credentials: bool,
        now: i64,
    ) -> Result<MemberView, ServiceError> {
        let role = Role::parse(role).ok_or_else(|| FieldError::new("role", "Choose a role"))?;
        let user = self
            .store()
            .update_member(
                admin.organization_id(),
                user_id,
                MemberUpdate {
                    role,
                    manage_credentials,
                },
                now,
                |before, after| {
                    event(
                        admin.actor(),
                        Some(admin.organization_id()),
                        AuditAction::MemberRoleChanged,
                        Target {
                            kind: MEMBER,
                            id: &after.id,
                            name: &after.name,
                        },
                        Changes::new()
                            .diff("role", before.role.as_str(), after.role.as_str())
                            .diff(
                                "manage_credentials",
                                before.manage_credentials,
                                after.manage_credentials,
                            ),
                        now,
                    )
                },
            )
            .await?;
        tracing::info!(user_id, org_id = admin.organization_id(), role = %role, "member updated");
        Ok(MemberView {
            user_id: user.id,
            name: user.name,
            email: user.email,
            role: user.role,
            manage_credentials: user.manage_credentials,
            joined_at: user.created_at,
        })
    }

    pub async fn remove_member(
        &self,
        admin: AdminPrincipal<'_>,
        user_id: &str,
        now: i64,
    ) -> Result<(), ServiceError> {
        self.store()
            .remove_member(admin.organization_id(), user_id, now, |member| {
                event(
                    admin.actor(),
                    Some(admin.organization_id()),
                    AuditAction::MemberRemoved,
                    Target {
                        kind: MEMBER,
                        id: &member.id,
                        name: &member.name,
                    },
                    Changes::new().set("email", &member.email),
                    now,
                )
            })
            .await?;
        tracing::info!(user_id, org_id = admin.organization_id(), "member removed");
        Ok(())
    }

    pub async fn rename_organization(
        &self,
        admin: AdminPrincipal<'_>,
        name: &str,
        now: i64,
    ) -> Result<(), ServiceError> {
        let name = OrgName::parse(name)?;
        self.store()
            .rename_organization(admin.organization_id(), name.as_str(), now)
            .await?;
        self.forget_organization(admin.organization_id());
        Ok(())
    }

    /// Turns the organization's API access (the paid plan) on or off (the CLI's
    /// `org api-access`). Running servers learn of it through the change log.
    pub async fn set_api_access(
        &self,
        actor: Actor<'_>,
        organization_id: &str,
        on: bool,
        now: i64,
    ) -> Result<(), ServiceError> {
        let org = self.store().find_organization(organization_id).await?;
        let audit = event(
            actor,
            Some(organization_id),
            AuditAction::ApiAccessChanged,
            Target {
                kind: "organization",
                id: organization_id,
                name: &org.name,
            },
            Changes::new().diff("api_access", org.api_access, on),
            now,
        );
        self.store()
            .set_api_access(organization_id, on, now, &audit)
            .await?;
        self.forget_organization(organization_id);
        Ok(())
    }

    /// What the invite page shows; an unknown, used or expired invite is `NotFound`.
    pub async fn invite_preview(
        &self,
        token: &str,
        now: i64,
    ) -> Result<InvitePreview, ServiceError> {
        let invite = self
            .store()
            .find_open_invite(&secrets::digest(token), now)
            .await?
            .ok_or(ServiceError::NotFound)?;
        Ok(InvitePreview {
            email: invite.email,
            organization_name: invite.organization_name,
            role: invite.role,
        })
    }

    /// Joins through an invite: creates the account, uses up the invite, signs in.
    pub async fn accept_invite(
        &self,
        token: &str,
        name: &str,
        password: &str,
        client_address: Option<IpAddr>,
        now: i64,
    ) -> Result<SignedIn, ServiceError> {
        let digest = secrets::digest(token);
        if self.store().find_open_invite(&digest, now).await?.is_none() {
            return Err(ServiceError::NotFound);
        }
        let name = PersonName::parse(name)?;
        let password = Password::parse(password)?;
        self.reserve_new_account(client_address, now).await?;
        let hash = self.hasher().hash(password.expose().to_string()).await?;
        let user_id = secrets::new_id();
        self.store()
            .accept_invite(
                &digest,
                NewUser {
                    id: &user_id,
                    name: name.as_str(),
                    email: "",
                    password_hash: &hash,
                    role: Role::Member,
                    manage_credentials: false,
                },
                now,
                |invite| {
                    event(
                        Actor {
                            kind: ActorKind::User,
                            id: &user_id,
                            name: name.as_str(),
                            address: client_address,
                        },
                        Some(&invite.organization_id),
                        AuditAction::MemberJoined,
                        Target {
                            kind: MEMBER,
                            id: &user_id,
                            name: name.as_str(),
                        },
                        Changes::new()
                            .set("email", &invite.email)
                            .set("role", invite.role.as_str())
                            .set("manage_credentials", invite.manage_credentials)
                            .set("invite_id", &invite.id),
                        now,
                    )
                },
            )
            .await?;
        tracing::info!(user_id, "invite accepted");
        self.start_session(&user_id, now, None).await
    }
}
