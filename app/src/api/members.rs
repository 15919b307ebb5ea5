use crate::error::AppError;
use crate::rpc_client::CsrfClient;
use domain::models::{MemberView, MembersPage};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::notice::Notice;
#[cfg(feature = "ssr")]
use crate::ssr::{context, fail, principal};

#[server(prefix = "/rpc", endpoint = "members/list", client = CsrfClient)]
pub async fn list_members() -> Result<MembersPage, AppError> {
    let who = principal().await?;
    let ctx = context()?;
    ctx.services
        .members_page(&who, ctx.services.now())
        .await
        .map_err(fail)
}

/// Answers the invite link, shown once.
#[server(prefix = "/rpc", endpoint = "members/invite", client = CsrfClient)]
pub async fn invite_member(
    email: String,
    role: String,
    manage_credentials: Option<String>,
) -> Result<String, AppError> {
    let who = principal().await?;
    let ctx = context()?;
    let admin = who.admin().map_err(fail)?;
    let token = ctx
        .services
        .invite_member(
            admin,
            &email,
            &role,
            manage_credentials.is_some(),
            ctx.services.now(),
        )
        .await
        .map_err(fail)?;
    Ok(format!(
        "{}/invite/{}",
        ctx.public_url.trim_end_matches('/'),
        token.expose()
    ))
}

/// Sets a member's role and whether they manage API credentials (`manage_credentials`: present,
/// as a ticked checkbox sends it, or absent); then the Members page again, which says so.
#[server(prefix = "/rpc", endpoint = "members/update", client = CsrfClient)]
pub async fn update_member(
    user_id: String,
    role: String,
    manage_credentials: Option<String>,
) -> Result<MemberView, AppError> {
    let who = principal().await?;
    let admin = who.admin().map_err(fail)?;
    let ctx = context()?;
    let updated = ctx
        .services
        .update_member(
            admin,
            &user_id,
            &role,
            manage_credentials.is_some(),
            ctx.services.now(),
        )
        .await
        .map_err(fail)?;
    leptos_axum::redirect(&Notice::MemberUpdated.href());
    Ok(updated)
}

#[server(prefix = "/rpc", endpoint = "members/remove", client = CsrfClient)]
pub async fn remove_member(user_id: String) -> Result<(), AppError> {
    let who = principal().await?;
    let admin = who.admin().map_err(fail)?;
    let ctx = context()?;
    ctx.services
        .remove_member(admin, &user_id, ctx.services.now())
        .await
        .map_err(fail)?;
    leptos_axum::redirect(&Notice::MemberRemoved.href());
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "invites/revoke", client = CsrfClient)]
pub async fn revoke_invite(invite_id: String) -> Result<(), AppError> {
    let who = principal().await?;
    let admin = who.admin().map_err(fail)?;
    let ctx = context()?;
    ctx.services
        .revoke_invite(admin, &invite_id, ctx.services.now())
        .await
        .map_err(fail)?;
    leptos_axum::redirect(&Notice::InviteRevoked.href());
    Ok(())
}

/// Renames the organization; then Settings › General again, which says so (the new name shows
/// across the page).
#[server(prefix = "/rpc", endpoint = "organization/rename", client = CsrfClient)]
pub async fn rename_organization(name: String) -> Result<(), AppError> {
    let who = principal().await?;
    let admin = who.admin().map_err(fail)?;
    let ctx = context()?;
    ctx.services
        .rename_organization(admin, &name, ctx.services.now())
        .await
        .map_err(fail)?;
    leptos_axum::redirect(&format!(
        "{}&updated=1",
        crate::pages::console::settings_link("general")
    ));
    Ok(())
}
