//! The **Audit log** page's server functions (PRODUCT.md §9): Admins only.

use crate::error::AppError;
use crate::rpc_client::CsrfClient;
use domain::audit::{ActorView, AuditLogView};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::ssr::{context, fail, principal};

/// Events per page of the console's log.
pub const PAGE_SIZE: i64 = 50;

/// A page of the log, newest first, filtered by `action` and `actor` (empty: any), from
/// `cursor` (empty: the newest).
#[server(prefix = "/rpc", endpoint = "audit/list", client = CsrfClient)]
pub async fn audit_log(
    #[server(default)] action: String,
    #[server(default)] actor: String,
    #[server(default)] cursor: String,
) -> Result<AuditLogView, AppError> {
    use domain::FieldError;
    use services::ServiceError;
    let who = principal().await?;
    let reader = who.audit_reader().map_err(fail)?;
    let filter = domain::audit::AuditFilter::parse(Some(&action), Some(&actor))
        .map_err(|message| fail(ServiceError::Invalid(FieldError::new("filter", message))))?;
    let cursor = services::audit::parse_cursor(Some(&cursor))
        .map_err(|message| fail(ServiceError::Invalid(FieldError::new("cursor", message))))?;
    let ctx = context()?;
    let page = ctx
        .services
        .audit_page(reader, &filter, cursor, PAGE_SIZE)
        .await
        .map_err(fail)?;
    Ok(AuditLogView {
        page,
        now: ctx.services.now(),
    })
}

/// Who appears in the organization's log, for the actor filter.
#[server(prefix = "/rpc", endpoint = "audit/actors", client = CsrfClient)]
pub async fn audit_actor_list() -> Result<Vec<ActorView>, AppError> {
    let who = principal().await?;
    let reader = who.audit_reader().map_err(fail)?;
    let ctx = context()?;
    ctx.services.audit_actors(reader).await.map_err(fail)
}
