//! The signed-in console: sidebar, account menu, the Overview and the Settings modal.

use super::settings::SettingsModal;
use crate::api::account::SignOutOtherSessions;
use crate::api::auth::{SignOut, get_me};
use crate::components::menu::MenuButton;
use crate::csrf::CsrfField;
use crate::error::AppError;
use domain::models::Me;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

/// The signed-in member, shared with the pages below so they can refresh it.
pub type MeResource = Resource<Result<Me, AppError>>;

/// The link that opens the Settings modal on `page`.
pub fn settings_link(page: &str) -> String {
    format!("/?settings-modal=open&path={page}")
}

#[component]
pub fn ConsolePage() -> impl IntoView {
    let me: MeResource = Resource::new(|| (), |_| get_me());
    provide_context(me);
    // Here, outside the closures below, which the server runs more than once.
    super::settings::SettingsData::provide();
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
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
    let query = use_query_map();
    let settings_open = move || query.read().get("settings-modal").as_deref() == Some("open");
    let navigate = leptos_router::hooks::use_navigate();
    let open_settings = move |_| navigate(&settings_link("general"), Default::default());
    let modal_me = me.clone();
    view! {
        <div class="console">
            <aside class="sidebar" aria-hidden=move || settings_open().then_some("true")>
                <p class="brand">"Portcullis"</p>
                <nav class="sidebar-nav" aria-label="Main">
                    <a href="/" class="nav-item active" aria-current="page">"Overview"</a>
                </nav>
                <div class="sidebar-bottom">
                    <button type="button" class="nav-item" on:click=open_settings>"Settings"</button>
                </div>
            </aside>
            <div class="console-main" aria-hidden=move || settings_open().then_some("true")>
                <header class="topbar">
                    <span class="org-name">{me.organization.name.clone()}</span>
                    <AccountMenu me=me.clone()/>
                </header>
                <Overview me/>
            </div>
            <Show when=settings_open>
                <SettingsModal me=modal_me.clone()/>
            </Show>
        </div>
    }
    .into_any()
}

#[component]
fn AccountMenu(me: Me) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    let sign_out_others = ServerAction::<SignOutOtherSessions>::new();
    let others_ended = move || match sign_out_others.value().get() {
        Some(Ok(1)) => Some("1 other session was signed out.".to_string()),
        Some(Ok(n)) => Some(format!("{n} other sessions were signed out.")),
        Some(Err(e)) => Some(e.to_string()),
        None => None,
    };
    Effect::new(move |_| {
        if let Some(Ok(())) = sign_out.value().get() {
            // A full load: nothing of the signed-in page stays in memory.
            let _ = window().location().set_href("/login");
        }
    });
    view! {
        <MenuButton label="Account" id="account-button" button_class="account-button" class="account">
            <div class="menu-header">
                <strong>{me.name.clone()}</strong>
                <span class="muted">{me.email.clone()}</span>
            </div>
            <a href="/account/password" role="menuitem" tabindex="-1" class="menu-item">"Change password"</a>
            <ActionForm action=sign_out_others>
                <CsrfField/>
                <button type="submit" role="menuitem" tabindex="-1" class="menu-item">
                    "Sign out other sessions"
                </button>
            </ActionForm>
            {move || others_ended().map(|msg| view! { <p class="menu-status" role="status">{msg}</p> })}
            <ActionForm action=sign_out>
                <CsrfField/>
                <button type="submit" role="menuitem" tabindex="-1" class="menu-item">"Sign out"</button>
            </ActionForm>
        </MenuButton>
    }
    .into_any()
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
