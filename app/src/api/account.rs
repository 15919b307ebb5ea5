//! Account › Change password and Sign out other sessions: the signed-in person's own sessions.

use crate::error::AppError;
use crate::rpc_client::CsrfClient;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::ssr::{context, fail, principal, session_token};

/// Changes the password (the current one must be right) and ends every other session; then the
/// page again, which says so.
#[server(prefix = "/rpc", endpoint = "account/password", client = CsrfClient)]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    let ctx = context()?;
    let me = principal().await?;
    let token = session_token().ok_or(AppError::Unauthenticated)?;
    let change = services::PasswordChange {
        current_password,
        new_password,
    };
    ctx.services
        .change_password(&me, &token, change, ctx.services.now())
        .await
        .map_err(fail)?;
    leptos_axum::redirect("/account/password?changed=1");
    Ok(())
}

/// Ends every session of the signed-in person but this one; answers how many ended, and comes
/// back to the console saying so.
#[server(prefix = "/rpc", endpoint = "account/sign-out-others", client = CsrfClient)]
pub async fn sign_out_other_sessions() -> Result<u64, AppError> {
    let ctx = context()?;
    let me = principal().await?;
    let token = session_token().ok_or(AppError::Unauthenticated)?;
    let ended = ctx
        .services
        .sign_out_other_sessions(&me, &token)
        .await
        .map_err(fail)?;
    leptos_axum::redirect(&format!("/?others-signed-out={ended}"));
    Ok(ended)
}
