#![recursion_limit = "256"]
//! The Portcullis console: Leptos components and the server functions they call.
//!
//! Built twice: with `ssr` into the server (rendering and running server functions) and with
//! `hydrate` into the WASM bundle. Rules live in the `domain` and `services` crates; this crate
//! only shows and forwards.

pub mod api;
mod components;
pub mod csrf;
pub mod error;
mod pages;
pub mod rpc_client;
#[cfg(feature = "ssr")]
pub mod ssr;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

/// Runs once the islands of a page are hydrated (the islands script hydrates them one after
/// another, in promise callbacks; a timer runs after them): gives the focus back where a closed
/// dialog left it, marks the page as interactive (end-to-end tests wait for the mark), and plays
/// back the forms posted and the Escape and Tab pressed before (see `early_keys.js`).
pub fn after_islands_hydrate() {
    set_timeout(
        || {
            components::modal::restore_remembered_focus();
            if let Some(root) = document().document_element() {
                let _ = root.set_attribute("data-hydrated", "true");
            }
            components::focus::replay_early_input();
        },
        std::time::Duration::ZERO,
    );
}

/// The script that keeps the forms posted and the Escape and Tab pressed before the islands run
/// (`early_keys.js`), in the page's head with this answer's CSP nonce.
#[component]
fn EarlyKeys() -> impl IntoView {
    let nonce = leptos::nonce::use_nonce();
    view! { <script nonce=nonce>{include_str!("early_keys.js")}</script> }
}

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="csrf-token" content=csrf::csrf_token()/>
                <AutoReload options=options.clone()/>
                <EarlyKeys/>
                <HydrationScripts options islands=true/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/portcullis.css"/>
        <Title text="Portcullis"/>
        <Router>
            <Routes fallback=pages::not_found::NotFound>
                <Route path=path!("/") view=pages::console::ConsolePage ssr=SsrMode::Async/>
                <Route path=path!("/setup") view=pages::auth::SetupPage/>
                <Route path=path!("/login") view=pages::auth::LoginPage/>
                <Route path=path!("/signup") view=pages::auth::SignupPage/>
                <Route path=path!("/account/password") view=pages::account::ChangePasswordPage/>
                <Route path=path!("/invite/:token") view=pages::auth::InvitePage ssr=SsrMode::Async/>
            </Routes>
        </Router>
    }
}
