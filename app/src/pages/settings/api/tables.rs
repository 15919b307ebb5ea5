//! The API Clients and Restricted Access Tokens tables. Each is hidden while empty; rows come
//! sorted by name from the server. Managers open a row by click or Enter.

use super::lifecycle::previous_line;
use super::{ApiPage, Panel};
use crate::components::copy::CopyValue;
use domain::credentials::{CredentialStatus, TokenStatus};
use domain::models::{ApiClientView, CredentialsPage, RestrictedTokenView, time_ago};
use leptos::prelude::*;

const ORIGINS_HINT: &str =
    "Browsers on these origins pass the API's CORS check; requests from other origins are refused.";
const TOKEN_HINT: &str = "Only the last four characters are kept. The full token cannot be shown again: if it is lost, delete the token and create a new one.";

fn dash_or_pills(items: Vec<String>) -> AnyView {
    if items.is_empty() {
        view! { <span class="muted">"-"</span> }.into_any()
    } else {
        view! {
            <ul class="pills">
                {items.into_iter().map(|i| view! { <li class="pill">{i}</li> }).collect_view()}
            </ul>
        }
        .into_any()
    }
}

/// Makes a row open `panel` on click and on Enter, for those who may manage it.
fn row_handlers(
    page: ApiPage,
    interactive: bool,
    panel: Panel,
) -> (
    Option<&'static str>,
    impl Fn(leptos::ev::MouseEvent) + 'static,
    impl Fn(leptos::ev::KeyboardEvent) + 'static,
) {
    let on_click = {
        let panel = panel.clone();
        move |_| {
            if interactive {
                page.open(panel.clone());
            }
        }
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if interactive && ev.key() == "Enter" {
            page.open(panel.clone());
        }
    };
    (interactive.then_some("0"), on_click, on_key)
}

#[component]
pub(super) fn CredentialTables(list: CredentialsPage, page: ApiPage) -> impl IntoView {
    let clients = (!list.api_clients.is_empty())
        .then(|| view! { <ClientsTable clients=list.api_clients now=list.now page/> });
    let tokens = (!list.restricted_tokens.is_empty())
        .then(|| view! { <TokensTable tokens=list.restricted_tokens now=list.now page/> });
    let empty = clients.is_none() && tokens.is_none();
    view! {
        {clients}
        {tokens}
        {empty.then(|| view! { <p class="muted empty">"No credentials yet."</p> })}
    }
}

#[component]
fn ClientsTable(clients: Vec<ApiClientView>, now: i64, page: ApiPage) -> impl IntoView {
    // Members with the flag may open an API Client, but only to see it (disabled form).
    let interactive = page.can_manage_tokens;
    let rows = clients
        .into_iter()
        .map(|client| {
            let (tabindex, on_click, on_key) = row_handlers(page, interactive, Panel::EditClient(client.clone()));
            let status_class = if client.status == CredentialStatus::Active { "status status-ok" } else { "status status-bad" };
            view! {
                <tr class:clickable=interactive tabindex=tabindex on:click=on_click on:keydown=on_key>
                    <td>{client.name.clone()}</td>
                    <td>{client.description.clone().unwrap_or_else(|| "-".to_string())}</td>
                    <td><CopyValue value=client.client_id.clone() label="Client ID"/></td>
                    <td class="mono">
                        {format!("•••• {}", client.secret_last_four)}
                        {previous_line(client.previous_secret.clone())}
                    </td>
                    <td>{dash_or_pills(client.allowed_origins.clone())}</td>
                    <td><span class=status_class>{client.status.as_str()}</span></td>
                    <td>{time_ago(client.last_used_at, now)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="credential-section">
            <h4>"API Clients"</h4>
            <div class="table-scroll">
                <table class="table credentials-table">
                    <thead>
                        <tr>
                            <th>"Name"</th>
                            <th>"Description"</th>
                            <th>"Client ID"</th>
                            <th>"Client Secret"</th>
                            <th title=ORIGINS_HINT>
                                "Allowed Origins"
                                <span class="hint-icon" aria-hidden="true" data-hint=ORIGINS_HINT>"?"</span>
                            </th>
                            <th>"Status"</th>
                            <th>"Last used"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn TokensTable(tokens: Vec<RestrictedTokenView>, now: i64, page: ApiPage) -> impl IntoView {
    let interactive = page.can_manage_tokens;
    let rows = tokens
        .into_iter()
        .map(|token| {
            let (tabindex, on_click, on_key) = row_handlers(page, interactive, Panel::EditToken(token.clone()));
            let status_class = if token.status == TokenStatus::Active { "status status-ok" } else { "status status-bad" };
            view! {
                <tr class:clickable=interactive tabindex=tabindex on:click=on_click on:keydown=on_key>
                    <td>{token.name.clone()}</td>
                    <td class="mono">
                        {format!("•••• {}", token.token_last_four)}
                        {previous_line(token.previous_token.clone())}
                    </td>
                    <td>{dash_or_pills(token.allowed_ips.clone())}</td>
                    <td><span class=status_class>{token.status.as_str()}</span></td>
                    <td>{time_ago(token.last_used_at, now)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="credential-section">
            <h4>"Restricted Access Tokens"</h4>
            <div class="table-scroll">
                <table class="table credentials-table">
                    <thead>
                        <tr>
                            <th>"Name"</th>
                            <th title=TOKEN_HINT>
                                "Token"
                                <span class="hint-icon" aria-hidden="true" data-hint=TOKEN_HINT>"?"</span>
                            </th>
                            <th>"Allowed IPs"</th>
                            <th>"Status"</th>
                            <th>"Last used"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
}
