//! Setup, sign-up and sign-in.

use crate::audit::{Actor, Changes, Target, event};
use crate::throttle::SignInKeys;
use crate::{ServiceError, Services, SignedIn, secrets};
use domain::audit::{ActorKind, AuditAction};
use domain::{Email, OrgName, Password, PersonName, Role};
use std::net::IpAddr;
use store::{NewOrganization, NewUser};

/// The form of `/setup` and `/signup`, as typed, and where it came from.
pub struct NewAccount {
    pub name: String,
    pub email: String,
    pub password: String,
    pub organization_name: String,
    pub client_address: Option<IpAddr>,
}

/// The form of `/login`, as typed, and where it came from.
pub struct SignIn {
    pub email: String,
    pub password: String,
    pub client_address: Option<IpAddr>,
}

struct ParsedAccount {
    name: PersonName,
    email: Email,
    password: Password,
    organization_name: OrgName,
}

fn parse_account(form: &NewAccount) -> Result<ParsedAccount, ServiceError> {
    Ok(ParsedAccount {
        name: PersonName::parse(&form.name)?,
        email: Email::parse(&form.email)?,
        password: Password::parse(&form.password)?,
        organization_name: OrgName::parse(&form.organization_name)?,
    })
}

impl Services {
    pub async fn needs_setup(&self) -> Result<bool, ServiceError> {
        Ok(!self.store().is_set_up().await?)
    }

    /// `/setup`: the first organization and its first Admin, signed in.
    pub async fn set_up(&self, form: NewAccount, now: i64) -> Result<SignedIn, ServiceError> {
        if !self.needs_setup().await? {
            return Err(ServiceError::AlreadySetUp);
        }
        let account = parse_account(&form)?;
        let hash = self
            .hasher()
            .hash(account.password.expose().to_string())
            .await?;
        let (org_id, user_id) = (secrets::new_id(), secrets::new_id());
        self.store()
            .create_first_admin(
                NewOrganization {
                    id: &org_id,
                    name: account.organization_name.as_str(),
                    api_access: true,
                },
                new_admin(&user_id, &account, &hash),
                now,
            )
            .await?;
        tracing::info!(user_id, org_id, "instance set up");
        self.start_session(&user_id, now, None).await
    }

    /// `/signup`, when open: a new organization with this person as its Admin.
    pub async fn sign_up(&self, form: NewAccount, now: i64) -> Result<SignedIn, ServiceError> {
        if !self.open_signup() {
            return Err(ServiceError::SignupClosed);
        }
        let account = parse_account(&form)?;
        self.reserve_new_account(form.client_address, now).await?;
        let hash = self
            .hasher()
            .hash(account.password.expose().to_string())
            .await?;
        let (org_id, user_id) = (secrets::new_id(), secrets::new_id());
        self.store()
            .create_organization_with_admin(
                NewOrganization {
                    id: &org_id,
                    name: account.organization_name.as_str(),
                    api_access: true,
                },
                new_admin(&user_id, &account, &hash),
                now,
            )
            .await?;
        tracing::info!(user_id, org_id, "organization signed up");
        self.start_session(&user_id, now, None).await
    }

    /// `/login`. Unknown email and wrong password answer the same, in the same time. The
    /// attempt is reserved before the hash (see `throttle`): failures count per (email,
    /// address) and per address, and slow the email down.
    pub async fn sign_in(&self, form: SignIn, now: i64) -> Result<SignedIn, ServiceError> {
        let email = form.email.trim().to_lowercase();
        if email.is_empty() || form.password.is_empty() || form.password.len() > 1024 {
            return Err(ServiceError::InvalidCredentials);
        }
        let keys = SignInKeys::new(&email, form.client_address);
        self.reserve_sign_in(&keys, now).await?;
        let user = self.store().find_user_by_email(&email).await?;
        let stored = user.as_ref().map(|u| u.password_hash.clone());
        let ok = match self.hasher().verify(form.password, stored).await {
            Ok(ok) => ok,
            Err(err) => {
                // Never tried: the attempt is given back.
                self.release_sign_in(&keys, false).await?;
                return Err(err);
            }
        };
        match user {
            Some(user) if ok => {
                self.release_sign_in(&keys, true).await?;
                let audit = sign_in_event(Some(&user), &email, form.client_address, true, now);
                self.start_session(&user.id, now, Some(&audit)).await
            }
            user => {
                tracing::info!("failed sign-in");
                let audit = sign_in_event(user.as_ref(), &email, form.client_address, false, now);
                self.store().add_audit_event(&audit).await?;
                Err(ServiceError::InvalidCredentials)
            }
        }
    }
}

/// The longest typed email a failed sign-in's event repeats.
const MAX_LOGGED_EMAIL: usize = 254;

/// A sign-in, or a failed one, for the audit log: the member it was for (shown in their
/// organization's log), or the email as typed when nobody has it (shown in no organization's
/// log). Never the password.
fn sign_in_event(
    user: Option<&store::UserRecord>,
    email: &str,
    address: Option<IpAddr>,
    ok: bool,
    now: i64,
) -> store::NewAuditEvent {
    let email: String = email.chars().take(MAX_LOGGED_EMAIL).collect();
    let (id, name) = match user {
        Some(u) => (u.id.as_str(), u.name.as_str()),
        None => ("", email.as_str()),
    };
    event(
        Actor {
            kind: ActorKind::User,
            id,
            name,
            address,
        },
        user.map(|u| u.organization_id.as_str()),
        if ok {
            AuditAction::SignedIn
        } else {
            AuditAction::SignInFailed
        },
        Target {
            kind: "session",
            id,
            name,
        },
        Changes::new().set("email", &email),
        now,
    )
}

fn new_admin<'a>(user_id: &'a str, account: &'a ParsedAccount, hash: &'a str) -> NewUser<'a> {
    NewUser {
        id: user_id,
        name: account.name.as_str(),
        email: account.email.as_str(),
        password_hash: hash,
        role: Role::Admin,
        manage_credentials: true,
    }
}
