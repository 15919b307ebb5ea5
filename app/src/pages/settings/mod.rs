//! The Settings modal. Which page is open lives in the URL
//! (`?settings-modal=open&path=general|members|audit|api`), so it works as a deep link and on a full
//! page load. The frame (navigation, title, Close) is HTML from the server; each page is an
//! island of its own; the `ModalLayer` island keeps the keyboard inside.

mod api;
mod audit;
mod general;
mod members;

pub use super::console::{settings_link, settings_query};
use crate::components::modal::{ModalLayer, QueryButton};
pub use api::ApiQuery;
pub use audit::AuditQuery;
use domain::models::Me;
use leptos::prelude::*;

/// What the URL says about the open Settings page, beyond which one it is.
#[derive(Clone, Debug, Default)]
pub struct SettingsQuery {
    /// `path`: general, members, audit or api.
    pub page: String,
    /// General: the organization was just renamed.
    pub updated: bool,
    /// Members: whose removal to confirm.
    pub remove: Option<String>,
    /// Members: `invite`, the Invite member dialog.
    pub dialog: Option<String>,
    /// What the change that came back here did.
    pub notice: Option<String>,
    /// Audit log: the filters and page.
    pub audit: audit::AuditQuery,
    /// API: the slide-over or confirmation open, and the tables' filters and pages.
    pub api: api::ApiQuery,
}

#[component]
pub fn SettingsModal(me: Me, query: SettingsQuery) -> impl IntoView {
    let page = query.page.clone();
    let api_access = me.permissions.can_view_api_page();
    let is_admin = me.permissions.can_manage_members();
    let shown = page.clone();
    let item = move |key: &'static str, label: &'static str| {
        let here = shown == key;
        view! {
            <a
                href=settings_link(key)
                class="settings-nav-item"
                class:active=here
                aria-current=here.then_some("page")
            >
                {label}
            </a>
        }
    };
    let content = match page.as_str() {
        "members" => view! {
            <members::MembersSettings me remove=query.remove notice=query.notice dialog=query.dialog/>
        }
        .into_any(),
        "audit" => view! { <audit::AuditLogSettings query=query.audit/> }.into_any(),
        "api" => view! { <api::ApiSettings me query=query.api notice=query.notice/> }.into_any(),
        _ => view! { <general::GeneralSettings me updated=query.updated/> }.into_any(),
    };
    view! {
        <ModalLayer opener="settings".to_string()>
            <div class="backdrop">
                <div
                    class="settings-modal"
                    role="dialog"
                    aria-modal="true"
                    aria-labelledby="settings-title"
                    tabindex="-1"
                >
                    <nav class="settings-nav" aria-label="Settings pages">
                        <h2 id="settings-title" class="settings-title">"Settings"</h2>
                        <p class="settings-group">"Organization"</p>
                        {item("general", "General")}
                        {item("members", "Members")}
                        {is_admin.then(|| item("audit", "Audit log"))}
                        {api_access.then(|| view! {
                            <p class="settings-group">"Developer"</p>
                            {item("api", "API")}
                        })}
                    </nav>
                    <section class="settings-content">
                        <QueryButton query=Vec::new() label="Close" class="btn btn-ghost" close=true form_class="close"/>
                        {content}
                    </section>
                </div>
            </div>
        </ModalLayer>
    }
    .into_any()
}
