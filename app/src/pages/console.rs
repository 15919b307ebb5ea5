//! The signed-in console: sidebar, account menu, the Overview and the Settings modal. HTML from
//! the server; the Account menu and each Settings page are islands.

use super::settings::{ApiQuery, AuditQuery, SettingsModal, SettingsQuery};
use crate::api::account::SignOutOtherSessions;
use crate::api::auth::{SignOut, get_me};
use crate::components::menu::MenuIsland;
use crate::components::modal::QueryButton;
use crate::components::rpc_form::RpcForm;
use crate::csrf::CsrfField;
use crate::error::AppError;
use domain::models::Me;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;
use server_fn::ServerFn;

/// The link that opens the Settings modal on `page`.
pub fn settings_link(page: &str) -> String {
    format!("/?settings-modal=open&path={page}")
}

/// The same place as `settings_link`, as the query of a `QueryButton`, `more` pairs after it.
pub fn settings_query(page: &str, more: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    [("settings-modal", "open"), ("path", page)]
        .iter()
        .chain(more)
        .map(|&(name, value)| (name, value.to_string()))
        .collect()
}

#[component]
pub fn ConsolePage() -> impl IntoView {
    let me = Resource::new(|| (), |_| get_me());
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            // Not reactive: the server renders this page once, and a closure here would run
            // again when `me` resolves, making the islands below (and their resources) twice.
            {Suspend::new(async move {
                match me.await {
                    Ok(me) => view! { <ConsoleLayout me/> }.into_any(),
                    Err(AppError::Unauthenticated) => view! { <Redirect path="/login"/> }.into_any(),
                    Err(e) => view! {
                        <main class="auth-page">
                            <div class="alert alert-error" role="alert">{e.to_string()}</div>
                        </main>
                    }
                    .into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ConsoleLayout(me: Me) -> impl IntoView {
    let query = use_query_map().get_untracked();
    let settings = (query.get("settings-modal").as_deref() == Some("open")).then(|| {
        let audit = AuditQuery {
            action: query.get("action").unwrap_or_default(),
            actor: query.get("actor").unwrap_or_default(),
            cursor: query.get("cursor").unwrap_or_default(),
            newer: query.get("newer").unwrap_or_default(),
        };
        SettingsQuery {
            page: query.get("path").unwrap_or_else(|| "general".into()),
            updated: query.get("updated").is_some(),
            remove: query.get("remove"),
            dialog: query.get("dialog"),
            notice: query.get("notice"),
            audit,
            api: ApiQuery::read(|key| query.get(key)),
        }
    });
    let others_ended = query.get("others-signed-out").and_then(|n| n.parse().ok());
    let behind_settings = settings.is_some().then_some("true");
    let modal_me = me.clone();
    view! {
        <div class="console">
            <aside class="sidebar" aria-hidden=behind_settings>
                <p class="brand">"Portcullis"</p>
                <nav class="sidebar-nav" aria-label="Main">
                    <a href="/" class="nav-item active" aria-current="page">"Overview"</a>
                </nav>
                <QueryButton
                    query=settings_query("general", &[])
                    label="Settings"
                    class="nav-item"
                    focus_key="settings".to_string()
                    form_class="sidebar-bottom"
                />
            </aside>
            <div class="console-main" aria-hidden=behind_settings>
                <header class="topbar">
                    <span class="org-name">{me.organization.name.clone()}</span>
                    <AccountMenu name=me.name.clone() email=me.email.clone() others_ended/>
                </header>
                <Overview me/>
            </div>
            {settings.map(|query| view! { <SettingsModal me=modal_me query/> })}
        </div>
    }
    .into_any()
}

/// The Account menu: HTML from the server in a `MenuIsland`, its two forms posted by `RpcForm`.
/// Sign out goes to `/login`; Sign out other sessions comes back here saying how many ended
/// (`?others-signed-out=N`), or why not.
#[component]
fn AccountMenu(name: String, email: String, others_ended: Option<u64>) -> impl IntoView {
    let refused = ServerAction::<SignOutOtherSessions>::new()
        .value()
        .get_untracked()
        .and_then(Result::err)
        .map(|e| e.to_string());
    let status = match others_ended {
        Some(1) => Some("1 other session was signed out.".to_string()),
        Some(n) => Some(format!("{n} other sessions were signed out.")),
        None => refused,
    };
    view! {
        <RpcForm>
            <MenuIsland
                label="Account".to_string()
                id="account-button".to_string()
                button_class="account-button".to_string()
                class="account".to_string()
                fallback=Vec::new()
                open_now=false
            >
                <div class="menu-header">
                    <strong>{name}</strong>
                    <span class="muted">{email}</span>
                </div>
                <a href="/account/password" role="menuitem" tabindex="-1" class="menu-item">"Change password"</a>
                <form method="post" action=SignOutOtherSessions::PATH>
                    <CsrfField/>
                    <button type="submit" role="menuitem" tabindex="-1" class="menu-item">
                        "Sign out other sessions"
                    </button>
                </form>
                <form method="post" action=SignOut::PATH>
                    <CsrfField/>
                    <button type="submit" role="menuitem" tabindex="-1" class="menu-item">"Sign out"</button>
                </form>
            </MenuIsland>
            <p class="menu-status" role="status" data-error-for="" hidden=status.is_none()>{status.clone()}</p>
        </RpcForm>
    }
}

#[component]
fn Overview(me: Me) -> impl IntoView {
    let api = me.permissions.can_view_api_page();
    view! {
        <main class="content">
            <h1>"Overview"</h1>
            <p class="muted">
                "Welcome, " {me.name.clone()} ". You are " {me.permissions.role.as_str()} " of "
                <strong>{me.organization.name.clone()}</strong> "."
            </p>
            <div class="cards">
                <a class="card" href=settings_link("members")>
                    <h2>"Members"</h2>
                    <p>"See who is in your organization, invite colleagues and set their roles."</p>
                </a>
                {api.then(|| view! {
                    <a class="card" href=settings_link("api")>
                        <h2>"API credentials"</h2>
                        <p>"Create API Clients and Restricted Access Tokens for your systems."</p>
                    </a>
                })}
                <a class="card" href=settings_link("general")>
                    <h2>"Organization"</h2>
                    <p>"Your organization's name and plan."</p>
                </a>
            </div>
        </main>
    }
    .into_any()
}
