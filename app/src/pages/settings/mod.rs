//! The Settings modal. Which page is open lives in the URL
//! (`?settings-modal=open&path=general|members|audit|api`), so it works as a deep link and on a full
//! page load.

mod api;
mod audit;
mod data;
mod general;
mod members;

use super::console::settings_link;
pub use data::SettingsData;
use domain::models::Me;
use leptos::ev;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

#[component]
pub fn SettingsModal(me: Me) -> impl IntoView {
    let query = use_query_map();
    let page = move || query.read().get("path").unwrap_or_else(|| "general".into());
    let navigate = use_navigate();
    let close = Callback::new(move |()| navigate("/", Default::default()));
    let node = NodeRef::<leptos::html::Div>::new();
    // Escape that no dialog above took closes Settings.
    let on_escape = window_event_listener(ev::keydown, move |ev| {
        if ev.key() == "Escape" && !ev.default_prevented() {
            close.run(());
        }
    });
    on_cleanup(move || on_escape.remove());
    crate::components::focus::trap_tab_while_mounted();
    let mark = crate::components::focus::restore_focus_on_close(Some("settings"));
    Effect::new(move |_| {
        if let Some(el) = node.get() {
            let _ = el.focus();
        }
    });
    let api_access = me.permissions.can_view_api_page();
    let is_admin = me.permissions.can_manage_members();
    let item = move |key: &'static str, label: &'static str| {
        view! {
            <a
                href=settings_link(key)
                class="settings-nav-item"
                class:active=move || page() == key
                aria-current=move || (page() == key).then_some("page")
            >
                {label}
            </a>
        }
    };
    let content_me = me.clone();
    view! {
        <div class="backdrop">
            <div
                class="settings-modal"
                role="dialog"
                aria-modal="true"
                aria-labelledby="settings-title"
                data-modal=mark
                tabindex="-1"
                node_ref=node
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
                    <button type="button" class="btn btn-ghost close" on:click=move |_| close.run(())>
                        "Close"
                    </button>
                    // Rendered on the server with their data, then hydrated.
                    {move || {
                        let me = content_me.clone();
                        match page().as_str() {
                            "members" => view! { <members::MembersSettings me/> }.into_any(),
                            "audit" => view! { <audit::AuditLogSettings/> }.into_any(),
                            "api" => view! { <api::ApiSettings me/> }.into_any(),
                            _ => view! { <general::GeneralSettings me/> }.into_any(),
                        }
                    }}
                </section>
            </div>
        </div>
    }
    .into_any()
}
