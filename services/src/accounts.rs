//! Setup, sign-up, sign-in, sessions and sign-out.

use crate::{
    MAX_FAILURES_PER_ADDRESS, MAX_FAILURES_PER_EMAIL, Principal, ServiceError, Services,
    THROTTLE_WINDOW_SECONDS, password, secrets,
};
use domain::{Email, OrgName, Password, PersonName, Role, SESSION_TTL_SECONDS};
use store::{NewOrganization, NewUser};

/// The form of `/setup` and `/signup`, as typed.
pub struct NewAccount {
    pub name: String,
    pub email: String,
    pub password: String,
    pub organization_name: String,
}

/// The form of `/login`, as typed, and where it came from.
pub struct SignIn {
    pub email: String,
    pub password: String,
    pub client_address: Option<String>,
}

/// A fresh session. The token goes into the cookie and nowhere else.
pub struct SignedIn {
    pub session_token: String,
    pub user_id: String,
}

impl std::fmt::Debug for SignedIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedIn")
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
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
        let hash = password::hash(account.password.expose().to_string()).await?;
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
        self.start_session(&user_id, now).await
    }

    /// `/signup`, when open: a new organization with this person as its Admin.
    pub async fn sign_up(&self, form: NewAccount, now: i64) -> Result<SignedIn, ServiceError> {
        if !self.open_signup() {
            return Err(ServiceError::SignupClosed);
        }
        let account = parse_account(&form)?;
        let hash = password::hash(account.password.expose().to_string()).await?;
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
        self.start_session(&user_id, now).await
    }

    /// `/login`. Unknown email and wrong password answer the same, in the same time; repeated
    /// failures per email and per client address are throttled.
    pub async fn sign_in(&self, form: SignIn, now: i64) -> Result<SignedIn, ServiceError> {
        let email = form.email.trim().to_lowercase();
        if email.is_empty() || form.password.is_empty() || form.password.len() > 1024 {
            return Err(ServiceError::InvalidCredentials);
        }
        let window_start = now - THROTTLE_WINDOW_SECONDS;
        let email_key = format!("email:{email}");
        let address_key = form.client_address.as_ref().map(|a| format!("addr:{a}"));
        let store = self.store();
        let mut throttled =
            store.sign_in_failures(&email_key, window_start).await? >= MAX_FAILURES_PER_EMAIL;
        if let Some(key) = &address_key {
            throttled |=
                store.sign_in_failures(key, window_start).await? >= MAX_FAILURES_PER_ADDRESS;
        }
        if throttled {
            tracing::warn!("sign-in throttled");
            return Err(ServiceError::Throttled {
                minutes: THROTTLE_WINDOW_SECONDS / 60,
            });
        }
        let user = store.find_user_by_email(&email).await?;
        let ok = password::verify(
            form.password,
            user.as_ref().map(|u| u.password_hash.clone()),
        )
        .await?;
        match user {
            Some(user) if ok => {
                store.clear_sign_in_failures(&email_key).await?;
                self.start_session(&user.id, now).await
            }
            _ => {
                store
                    .record_sign_in_failure(&email_key, now, window_start)
                    .await?;
                if let Some(key) = &address_key {
                    store.record_sign_in_failure(key, now, window_start).await?;
                }
                tracing::info!("failed sign-in");
                Err(ServiceError::InvalidCredentials)
            }
        }
    }

    /// The member behind a session cookie's value, if the session is live.
    pub async fn principal_for_session(
        &self,
        session_token: &str,
        now: i64,
    ) -> Result<Option<Principal>, ServiceError> {
        let found = self
            .store()
            .session_user(&secrets::digest(session_token), now)
            .await?;
        Ok(found.map(|(user, org)| Principal { user, org }))
    }

    pub async fn sign_out(&self, session_token: &str) -> Result<(), ServiceError> {
        self.store()
            .delete_session(&secrets::digest(session_token))
            .await?;
        Ok(())
    }

    pub(crate) async fn start_session(
        &self,
        user_id: &str,
        now: i64,
    ) -> Result<SignedIn, ServiceError> {
        let token = secrets::new_token();
        self.store()
            .create_session(
                &secrets::digest(&token),
                user_id,
                now,
                now + SESSION_TTL_SECONDS,
            )
            .await?;
        Ok(SignedIn {
            session_token: token,
            user_id: user_id.to_string(),
        })
    }
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
