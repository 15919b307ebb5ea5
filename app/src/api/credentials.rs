//! The API page's server functions. Each takes the permission handle for what it does: a
//! forged call from someone without it gets 403 and changes nothing.
// Each argument of a server function is one field of the form the browser posts (the
// console's forms work before the WASM too), so the credential forms have many.
#![allow(clippy::too_many_arguments)]

use crate::error::AppError;
use crate::rpc_client::CsrfClient;
use domain::models::{
    ApiClientView, CreatedApiClient, CreatedRestrictedToken, CredentialsPage, RestrictedTokenView,
    UsageView,
};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::notice::Notice;
#[cfg(feature = "ssr")]
use crate::ssr::{context, fail, principal};

/// The scopes a form sent: space-separated in `scopes`, and one per ticked box in `scope[]`.
#[cfg(feature = "ssr")]
fn scopes_of(scopes: String, ticked: Vec<String>) -> String {
    let mut all = scopes;
    for name in ticked {
        if !all.is_empty() {
            all.push(' ');
        }
        all.push_str(&name);
    }
    all
}

/// What the API page shows: a page of each table, each with its own filter and cursor (empty:
/// all names, the first page).
#[server(prefix = "/rpc", endpoint = "credentials/list", client = CsrfClient)]
pub async fn list_credentials(
    #[server(default)] clients_name: String,
    #[server(default)] clients_after: String,
    #[server(default)] tokens_name: String,
    #[server(default)] tokens_after: String,
) -> Result<CredentialsPage, AppError> {
    use services::pages::ListQuery;
    let who = principal().await?;
    let viewer = who.credential_viewer().map_err(fail)?;
    let query = |name: &str, after: &str| {
        ListQuery::parse(Some(name), None, Some(after)).map_err(|e| fail(e.into()))
    };
    let clients = query(&clients_name, &clients_after)?;
    let tokens = query(&tokens_name, &tokens_after)?;
    let ctx = context()?;
    ctx.services
        .credentials_page(viewer, &clients, &tokens, ctx.services.now())
        .await
        .map_err(fail)
}

/// One API Client, for its Edit slide-over.
#[server(prefix = "/rpc", endpoint = "api-clients/get", client = CsrfClient)]
pub async fn get_api_client(id: String) -> Result<ApiClientView, AppError> {
    let who = principal().await?;
    let viewer = who.credential_viewer().map_err(fail)?;
    let ctx = context()?;
    ctx.services
        .api_client_of(viewer, &id, ctx.services.now())
        .await
        .map_err(fail)
}

/// One Restricted Access Token, for its Edit slide-over.
#[server(prefix = "/rpc", endpoint = "restricted-tokens/get", client = CsrfClient)]
pub async fn get_restricted_token(id: String) -> Result<RestrictedTokenView, AppError> {
    let who = principal().await?;
    let viewer = who.credential_viewer().map_err(fail)?;
    let ctx = context()?;
    ctx.services
        .restricted_token_of(viewer, &id, ctx.services.now())
        .await
        .map_err(fail)
}

/// A credential's usage for its Edit slide-over: `kind` is `api_client` or
/// `restricted_access_token`.
#[server(prefix = "/rpc", endpoint = "credentials/usage", client = CsrfClient)]
pub async fn credential_usage(kind: String, id: String) -> Result<UsageView, AppError> {
    use services::usage::CredentialKind;
    let who = principal().await?;
    let viewer = who.credential_viewer().map_err(fail)?;
    let kind = match kind.as_str() {
        "api_client" => CredentialKind::ApiClient,
        "restricted_access_token" => CredentialKind::RestrictedToken,
        _ => return Err(AppError::NotFound),
    };
    let ctx = context()?;
    let usage = ctx
        .services
        .credential_usage(viewer, kind, &id, ctx.services.now())
        .await
        .map_err(fail)?;
    Ok(UsageView {
        last_used_at: usage.last_used_at,
        last_used_ip: usage.last_used_ip,
        hours: usage.hours,
        now: ctx.services.now(),
        last_used_secret: usage.last_used_secret.map(|s| s.as_str().to_string()),
    })
}

/// Answers the new client with its secret, the only time the secret leaves the server.
#[server(prefix = "/rpc", endpoint = "api-clients/create", client = CsrfClient)]
pub async fn create_api_client(
    name: String,
    description: String,
    allowed_origins: String,
    // Space-separated (a client that is not a browser), or one `scope[]` per ticked box.
    #[server(default)] scopes: String,
    #[server(default)] scope: Vec<String>,
    expiration_date: String,
    #[server(default)] rate_limit_requests: String,
    #[server(default)] rate_limit_per: String,
    #[server(default)] quota_requests: String,
    #[server(default)] quota_per: String,
    #[server(default)] application_type: String,
) -> Result<CreatedApiClient, AppError> {
    let who = principal().await?;
    let manager = who.client_manager().map_err(fail)?;
    let form = domain::credentials::ApiClientForm {
        name,
        description,
        allowed_origins,
        scopes: scopes_of(scopes, scope),
        expiration_date,
        limits: domain::credentials::LimitsForm {
            rate_limit_requests,
            rate_limit_per,
            quota_requests,
            quota_per,
        },
        application_type,
    };
    let ctx = context()?;
    let spec = domain::credentials::ApiClientSpec::from_form(&form, ctx.services.scope_catalog())
        .map_err(|e| fail(e.into()))?;
    ctx.services
        .create_api_client(manager, &spec, ctx.services.now())
        .await
        .map_err(fail)
}

#[server(prefix = "/rpc", endpoint = "api-clients/update", client = CsrfClient)]
pub async fn update_api_client(
    id: String,
    name: String,
    description: String,
    allowed_origins: String,
    // Space-separated (a client that is not a browser), or one `scope[]` per ticked box.
    #[server(default)] scopes: String,
    #[server(default)] scope: Vec<String>,
    expiration_date: String,
    #[server(default)] rate_limit_requests: String,
    #[server(default)] rate_limit_per: String,
    #[server(default)] quota_requests: String,
    #[server(default)] quota_per: String,
    #[server(default)] application_type: String,
) -> Result<ApiClientView, AppError> {
    let who = principal().await?;
    let manager = who.client_manager().map_err(fail)?;
    let form = domain::credentials::ApiClientForm {
        name,
        description,
        allowed_origins,
        scopes: scopes_of(scopes, scope),
        expiration_date,
        limits: domain::credentials::LimitsForm {
            rate_limit_requests,
            rate_limit_per,
            quota_requests,
            quota_per,
        },
        application_type,
    };
    let ctx = context()?;
    let spec = domain::credentials::ApiClientSpec::from_form(&form, ctx.services.scope_catalog())
        .map_err(|e| fail(e.into()))?;
    let updated = ctx
        .services
        .update_api_client(manager, &id, &spec, ctx.services.now())
        .await
        .map_err(fail)?;
    leptos_axum::redirect(&Notice::ClientUpdated.href());
    Ok(updated)
}

#[server(prefix = "/rpc", endpoint = "api-clients/delete", client = CsrfClient)]
pub async fn delete_api_client(id: String) -> Result<(), AppError> {
    let who = principal().await?;
    let manager = who.client_manager().map_err(fail)?;
    let ctx = context()?;
    ctx.services
        .delete_api_client(manager, &id, ctx.services.now())
        .await
        .map_err(fail)?;
    leptos_axum::redirect(&Notice::ClientDeleted.href());
    Ok(())
}

/// Disable or enable an API Client: Admins only.
#[server(prefix = "/rpc", endpoint = "api-clients/set-disabled", client = CsrfClient)]
pub async fn set_api_client_disabled(
    id: String,
    disabled: bool,
) -> Result<ApiClientView, AppError> {
    let who = principal().await?;
    let admin = who.admin().map_err(fail)?;
    who.credential_viewer().map_err(fail)?;
    let ctx = context()?;
    let changed = ctx
        .services
        .set_api_client_disabled(admin, &id, disabled, ctx.services.now())
        .await
        .map_err(fail)?;
    let notice = if disabled {
        Notice::ClientDisabled
    } else {
        Notice::ClientEnabled
    };
    leptos_axum::redirect(&notice.href());
    Ok(changed)
}

/// **Rotate secret**: answers the client with its new secret, the only time it leaves the
/// server; the old one works for `keep_old_for_seconds` more.
#[server(prefix = "/rpc", endpoint = "api-clients/rotate-secret", client = CsrfClient)]
pub async fn rotate_client_secret(
    id: String,
    keep_old_for_seconds: String,
) -> Result<CreatedApiClient, AppError> {
    let who = principal().await?;
    let manager = who.client_manager().map_err(fail)?;
    let ctx = context()?;
    ctx.services
        .rotate_client_secret(manager, &id, &keep_old_for_seconds, ctx.services.now())
        .await
        .map_err(fail)
}

/// **Regenerate token**: like `rotate_client_secret`, for a Restricted Access Token.
#[server(prefix = "/rpc", endpoint = "restricted-tokens/regenerate", client = CsrfClient)]
pub async fn regenerate_restricted_token(
    id: String,
    keep_old_for_seconds: String,
) -> Result<CreatedRestrictedToken, AppError> {
    let who = principal().await?;
    let manager = who.token_manager().map_err(fail)?;
    let ctx = context()?;
    ctx.services
        .regenerate_restricted_token(manager, &id, &keep_old_for_seconds, ctx.services.now())
        .await
        .map_err(fail)
}

/// **Revoke**: permanent; the token stays listed as revoked.
#[server(prefix = "/rpc", endpoint = "restricted-tokens/revoke", client = CsrfClient)]
pub async fn revoke_restricted_token(id: String) -> Result<RestrictedTokenView, AppError> {
    let who = principal().await?;
    let manager = who.token_manager().map_err(fail)?;
    let ctx = context()?;
    let revoked = ctx
        .services
        .revoke_restricted_token(manager, &id, ctx.services.now())
        .await
        .map_err(fail)?;
    leptos_axum::redirect(&Notice::TokenRevoked.href());
    Ok(revoked)
}

/// Answers the new token with its value, the only time it leaves the server.
#[server(prefix = "/rpc", endpoint = "restricted-tokens/create", client = CsrfClient)]
pub async fn create_restricted_token(
    name: String,
    allowed_ips: String,
    expiration_date: String,
    #[server(default)] rate_limit_requests: String,
    #[server(default)] rate_limit_per: String,
    #[server(default)] quota_requests: String,
    #[server(default)] quota_per: String,
) -> Result<CreatedRestrictedToken, AppError> {
    let who = principal().await?;
    let manager = who.token_manager().map_err(fail)?;
    let form = domain::credentials::RestrictedTokenForm {
        name,
        allowed_ips,
        expiration_date,
        limits: domain::credentials::LimitsForm {
            rate_limit_requests,
            rate_limit_per,
            quota_requests,
            quota_per,
        },
    };
    let ctx = context()?;
    let spec =
        domain::credentials::RestrictedTokenSpec::from_form(&form).map_err(|e| fail(e.into()))?;
    ctx.services
        .create_restricted_token(manager, &spec, ctx.services.now())
        .await
        .map_err(fail)
}

#[server(prefix = "/rpc", endpoint = "restricted-tokens/update", client = CsrfClient)]
pub async fn update_restricted_token(
    id: String,
    name: String,
    allowed_ips: String,
    expiration_date: String,
    #[server(default)] rate_limit_requests: String,
    #[server(default)] rate_limit_per: String,
    #[server(default)] quota_requests: String,
    #[server(default)] quota_per: String,
) -> Result<RestrictedTokenView, AppError> {
    let who = principal().await?;
    let manager = who.token_manager().map_err(fail)?;
    let form = domain::credentials::RestrictedTokenForm {
        name,
        allowed_ips,
        expiration_date,
        limits: domain::credentials::LimitsForm {
            rate_limit_requests,
            rate_limit_per,
            quota_requests,
            quota_per,
        },
    };
    let ctx = context()?;
    let spec =
        domain::credentials::RestrictedTokenSpec::from_form(&form).map_err(|e| fail(e.into()))?;
    let updated = ctx
        .services
        .update_restricted_token(manager, &id, &spec, ctx.services.now())
        .await
        .map_err(fail)?;
    leptos_axum::redirect(&Notice::TokenUpdated.href());
    Ok(updated)
}

#[server(prefix = "/rpc", endpoint = "restricted-tokens/delete", client = CsrfClient)]
pub async fn delete_restricted_token(id: String) -> Result<(), AppError> {
    let who = principal().await?;
    let manager = who.token_manager().map_err(fail)?;
    let ctx = context()?;
    ctx.services
        .delete_restricted_token(manager, &id, ctx.services.now())
        .await
        .map_err(fail)?;
    leptos_axum::redirect(&Notice::TokenDeleted.href());
    Ok(())
}
