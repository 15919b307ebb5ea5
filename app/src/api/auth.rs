use crate::error::AppError;
use crate::rpc_client::CsrfClient;
use domain::models::{InvitePreview, Me};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::ssr::{context, fail};

#[server(prefix = "/rpc", endpoint = "setup", client = CsrfClient)]
pub async fn set_up(
    name: String,
    email: String,
    password: String,
    organization_name: String,
) -> Result<(), AppError> {
    let ctx = context()?;
    let form = services::NewAccount {
        name,
        email,
        password,
        organization_name,
        client_address: crate::ssr::client_address(),
    };
    let signed_in = ctx
        .services
        .set_up(form, ctx.services.now())
        .await
        .map_err(fail)?;
    crate::ssr::replace_session(&ctx, signed_in.session_token.expose()).await?;
    leptos_axum::redirect("/");
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "signup", client = CsrfClient)]
pub async fn sign_up(
    name: String,
    email: String,
    password: String,
    organization_name: String,
) -> Result<(), AppError> {
    let ctx = context()?;
    let form = services::NewAccount {
        name,
        email,
        password,
        organization_name,
        client_address: crate::ssr::client_address(),
    };
    let signed_in = ctx
        .services
        .sign_up(form, ctx.services.now())
        .await
        .map_err(fail)?;
    crate::ssr::replace_session(&ctx, signed_in.session_token.expose()).await?;
    leptos_axum::redirect("/");
    Ok(())
}

/// Where to go after signing in: a path on this site only, never another host.
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.chars().any(char::is_control) =>
        {
            path
        }
        _ => "/",
    }
}

#[server(prefix = "/rpc", endpoint = "login", client = CsrfClient)]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    let ctx = context()?;
    let form = services::SignIn {
        email,
        password,
        client_address: crate::ssr::client_address(),
    };
    let signed_in = ctx
        .services
        .sign_in(form, ctx.services.now())
        .await
        .map_err(fail)?;
    // A new session token on every sign-in: nothing from before survives.
    crate::ssr::replace_session(&ctx, signed_in.session_token.expose()).await?;
    leptos_axum::redirect(safe_next(next.as_deref()));
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "logout", client = CsrfClient)]
pub async fn sign_out() -> Result<(), AppError> {
    let ctx = context()?;
    if let Some(token) = crate::ssr::session_token() {
        ctx.services.sign_out(&token).await.map_err(fail)?;
    }
    crate::ssr::clear_session_cookie(ctx.cookies);
    leptos_axum::redirect("/login");
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "me", client = CsrfClient)]
pub async fn get_me() -> Result<Me, AppError> {
    Ok(crate::ssr::principal().await?.me())
}

#[server(prefix = "/rpc", endpoint = "invite/preview", client = CsrfClient)]
pub async fn get_invite(token: String) -> Result<InvitePreview, AppError> {
    let ctx = context()?;
    ctx.services
        .invite_preview(&token, ctx.services.now())
        .await
        .map_err(fail)
}

#[server(prefix = "/rpc", endpoint = "invite/accept", client = CsrfClient)]
pub async fn accept_invite(token: String, name: String, password: String) -> Result<(), AppError> {
    let ctx = context()?;
    let signed_in = ctx
        .services
        .accept_invite(
            &token,
            &name,
            &password,
            crate::ssr::client_address(),
            ctx.services.now(),
        )
        .await
        .map_err(fail)?;
    crate::ssr::replace_session(&ctx, signed_in.session_token.expose()).await?;
    leptos_axum::redirect("/");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(
            safe_next(Some("/?settings-modal=open&path=api")),
            "/?settings-modal=open&path=api"
        );
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "evil",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
