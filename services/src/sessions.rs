//! Console sessions: started at sign-in, alive while used (30 minutes idle, 12 hours at most),
//! ended by sign-out, by signing out the others, or by a password change.

use crate::throttle::MAX_PASSWORD_CHANGES;
use crate::{Principal, ServiceError, Services, secrets};
use domain::{FieldError, Password, SESSION_IDLE_SECONDS, SESSION_MAX_SECONDS};
use store::SessionCutoffs;

/// A session's last request is written at most this often (a console page makes several).
pub const TOUCH_EVERY_SECONDS: i64 = 60;

/// A fresh session. The token goes into the cookie and nowhere else.
#[derive(Debug)]
pub struct SignedIn {
    pub session_token: domain::Secret,
    pub user_id: String,
}

/// Account › Change password, as typed.
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

fn cutoffs(now: i64) -> SessionCutoffs {
    SessionCutoffs {
        idle_before: now - SESSION_IDLE_SECONDS,
        signed_in_before: now - SESSION_MAX_SECONDS,
    }
}

impl Services {
    /// The member behind a session cookie's value, if the session is live; the request counts
    /// as the session's last.
    pub async fn principal_for_session(
        &self,
        session_token: &str,
        now: i64,
    ) -> Result<Option<Principal>, ServiceError> {
        let digest = secrets::digest(session_token);
        let Some(live) = self.store().live_session(&digest, cutoffs(now)).await? else {
            return Ok(None);
        };
        if live.last_seen_at <= now - TOUCH_EVERY_SECONDS {
            self.store().touch_session(&digest, now).await?;
        }
        Ok(Some(Principal {
            user: live.user,
            org: live.org,
            address: None,
        }))
    }

    pub async fn sign_out(&self, session_token: &str) -> Result<(), ServiceError> {
        self.store()
            .delete_session(&secrets::digest(session_token))
            .await?;
        Ok(())
    }

    /// Account › Sign out other sessions: every session of the principal's but this one ends.
    pub async fn sign_out_other_sessions(
        &self,
        principal: &Principal,
        session_token: &str,
    ) -> Result<u64, ServiceError> {
        let ended = self
            .store()
            .delete_other_sessions(&principal.user.id, &secrets::digest(session_token))
            .await?;
        tracing::info!(
            user_id = principal.user.id,
            ended,
            "other sessions signed out"
        );
        Ok(ended)
    }

    /// Account › Change password: the current password must be right; the new one follows the
    /// password rules. Every other session of the user ends; this one stays.
    pub async fn change_password(
        &self,
        principal: &Principal,
        session_token: &str,
        change: PasswordChange,
        now: i64,
    ) -> Result<(), ServiceError> {
        let new = Password::parse(&change.new_password)
            .map_err(|e| FieldError::new("new_password", e.message))?;
        if change.current_password.is_empty() || change.current_password.len() > 1024 {
            return Err(wrong_current_password());
        }
        let key = format!("password-change:{}", principal.user.id);
        self.reserve(&key, MAX_PASSWORD_CHANGES, now).await?;
        let stored = principal.user.password_hash.clone();
        let hasher = self.hasher();
        if !hasher.verify(change.current_password, Some(stored)).await? {
            tracing::info!(
                user_id = principal.user.id,
                "password change: wrong password"
            );
            return Err(wrong_current_password());
        }
        let hash = hasher.hash(new.expose().to_string()).await?;
        self.store()
            .change_password(&principal.user.id, &hash, &secrets::digest(session_token))
            .await?;
        self.store().clear_attempts(&key).await?;
        tracing::info!(user_id = principal.user.id, "password changed");
        Ok(())
    }

    /// Starts a session for `user_id`; `audit` is the event it is recorded as, if any (a
    /// sign-in; an account's creation is its own event, or none).
    pub(crate) async fn start_session(
        &self,
        user_id: &str,
        now: i64,
        audit: Option<&store::NewAuditEvent>,
    ) -> Result<SignedIn, ServiceError> {
        let token = secrets::new_token();
        self.store()
            .create_session(
                &secrets::digest(&token),
                user_id,
                now,
                now + SESSION_MAX_SECONDS,
                audit,
            )
            .await?;
        Ok(SignedIn {
            session_token: token.into(),
            user_id: user_id.to_string(),
        })
    }

    /// Deletes the sessions that have ended by `now`.
    pub async fn delete_ended_sessions(&self, now: i64) -> Result<u64, ServiceError> {
        Ok(self
            .store()
            .delete_expired_sessions(now, cutoffs(now))
            .await?)
    }
}

fn wrong_current_password() -> ServiceError {
    ServiceError::Invalid(FieldError::new(
        "current_password",
        "The current password is not right",
    ))
}
