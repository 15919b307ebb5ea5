//! The API Clients and Restricted Access Tokens tables, rendered by the server. Each is hidden
//! while the organization has none; rows come sorted by name. Managers open a row by click or
//! Enter (`live::LiveTables`); a table of more than 10 rows gets **Filter by name**, and
//! **Load more** follows while pages remain.

use super::lifecycle::previous_line;
use super::live::LiveTables;
use super::logo::logo_image;
use super::{ApiQuery, Can, Panel, href};
use crate::components::copy::CopyText;
use domain::credentials::{ApplicationTypes, CredentialStatus, TokenStatus};
use domain::models::{ApiClientView, CredentialsPage, RestrictedTokenView, time_ago};
use leptos::prelude::*;

const ORIGINS_HINT: &str =
    "Browsers on these origins pass the API's CORS check; requests from other origins are refused.";
const TOKEN_HINT: &str = "Only the last four characters are kept. The full token cannot be shown again: if it is lost, delete the token and create a new one.";

/// A table with more rows than this gets **Filter by name**.
const FILTER_FROM: usize = 10;

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

pub(super) fn status_class(ok: bool) -> &'static str {
    if ok {
        "status status-ok"
    } else {
        "status status-bad"
    }
}

/// One table's place in the URL and its page: the filter, the cursor and what follows.
struct TableQuery {
    /// The section's id, which the browser finds the table by.
    id: &'static str,
    label: &'static str,
    /// The query parameters of its filter and cursor.
    name_key: &'static str,
    after_key: &'static str,
    name: String,
    after: String,
    next: Option<String>,
    rows: usize,
    /// The other table's filter, kept when this one's changes.
    other: (&'static str, String),
}

impl TableQuery {
    /// Shown at all: it has rows, or a filter or cursor that found none.
    fn shown(&self) -> bool {
        self.rows > 0 || !self.name.is_empty() || !self.after.is_empty()
    }

    fn filtered(&self) -> bool {
        self.rows > FILTER_FROM
            || self.next.is_some()
            || !self.name.is_empty()
            || !self.after.is_empty()
    }
}

#[component]
pub(super) fn CredentialTables(list: CredentialsPage, query: ApiQuery, can: Can) -> impl IntoView {
    let clients = TableQuery {
        id: "api-clients",
        label: "API Clients",
        name_key: "clients-name",
        after_key: "clients-after",
        name: query.clients_name.clone(),
        after: query.clients_after.clone(),
        next: list.api_clients_next.clone(),
        rows: list.api_clients.len(),
        other: ("tokens-name", query.tokens_name.clone()),
    };
    let tokens = TableQuery {
        id: "restricted-tokens",
        label: "Restricted Access Tokens",
        name_key: "tokens-name",
        after_key: "tokens-after",
        name: query.tokens_name.clone(),
        after: query.tokens_after.clone(),
        next: list.restricted_tokens_next.clone(),
        rows: list.restricted_tokens.len(),
        other: ("clients-name", query.clients_name.clone()),
    };
    let empty = !clients.shown() && !tokens.shown();
    let (clients_shown, tokens_shown) = (clients.shown(), tokens.shown());
    let (now, types) = (list.now, list.application_types.clone());
    let client_rows = list
        .api_clients
        .into_iter()
        .map(|client| view! { <ClientRow client types=types.clone() now can/> })
        .collect_view();
    let token_rows = list
        .restricted_tokens
        .into_iter()
        .map(|token| view! { <TokenRow token now can/> })
        .collect_view();
    let client_head = view! {
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
    };
    let token_head = view! {
        <th>"Name"</th>
        <th title=TOKEN_HINT>
            "Token"
            <span class="hint-icon" aria-hidden="true" data-hint=TOKEN_HINT>"?"</span>
        </th>
        <th>"Allowed IPs"</th>
        <th>"Status"</th>
        <th>"Last used"</th>
    };
    view! {
        <LiveTables>
            {clients_shown.then(|| table_section(clients, client_head.into_any(), client_rows.into_any()))}
            {tokens_shown.then(|| table_section(tokens, token_head.into_any(), token_rows.into_any()))}
        </LiveTables>
        {empty.then(|| view! { <p class="muted empty">"No credentials yet."</p> })}
    }
}

/// A table's section: its filter, the table, and under it what the rows leave to say.
fn table_section(table: TableQuery, head: AnyView, rows: AnyView) -> impl IntoView {
    let filter_form = table.filtered().then(|| filter(&table));
    let nothing = (table.rows == 0).then(|| view! { <p class="muted">"No names match."</p> });
    let more = table.next.clone().map(|next| {
        view! {
            <form method="get" action="/" class="load-more" data-load-more=table.id>
                {super::here(&[(table.name_key, &table.name), (table.after_key, &next)])
                    .into_iter()
                    .map(|(name, value)| view! { <input type="hidden" name=name value=value/> })
                    .collect_view()}
                <button type="submit" class="btn btn-ghost">"Load more"</button>
            </form>
        }
    });
    view! {
        <section class="credential-section" id=table.id>
            <h4>{table.label}</h4>
            {filter_form}
            // Focusable so the keyboard can scroll it sideways when it is wider than the page.
            <div class="table-scroll" tabindex="0" role="region" aria-label=table.label>
                <table class="table credentials-table card-rows">
                    <thead><tr>{head}</tr></thead>
                    <tbody data-rows="">{rows}</tbody>
                </table>
            </div>
            <div data-below="">{nothing}{more}</div>
        </section>
    }
}

/// **Filter by name**: a `GET` form (its **Filter** button without JavaScript; with it,
/// `LiveTables` narrows the table as one types).
fn filter(table: &TableQuery) -> impl IntoView + use<> {
    let input_id = format!("filter-{}", table.id);
    let mut keep = super::here(&[]);
    if !table.other.1.is_empty() {
        keep.push((table.other.0, table.other.1.clone()));
    }
    view! {
        <form method="get" action="/" class="field table-filter" role="search" data-filter-form=table.id>
            {keep
                .into_iter()
                .map(|(name, value)| view! { <input type="hidden" name=name value=value/> })
                .collect_view()}
            <label for=input_id.clone()>"Filter by name"</label>
            <input
                id=input_id
                type="search"
                name=table.name_key
                value=table.name.clone()
                autocomplete="off"
                maxlength="70"
                data-filter=table.id
            />
            <noscript><button type="submit" class="btn btn-small">"Filter"</button></noscript>
        </form>
    }
}

/// What makes a row open its Edit slide-over, for those who may.
fn row_link(
    can: Can,
    panel: Panel,
    id: &str,
) -> (Option<String>, Option<String>, Option<&'static str>) {
    if !can.tokens {
        return (None, None, None);
    }
    (
        Some(href(&[("panel", panel.code()), ("id", id)])),
        Some(format!("row-{id}")),
        Some("0"),
    )
}

/// A row's name: for those who may open it, the link that opens it (stretched over the row by
/// the style sheet; out of the Tab order, where the row itself stands for it).
fn row_name(name: String, link: Option<String>) -> AnyView {
    match link {
        Some(href) => view! { <a class="row-link" href=href tabindex="-1">{name}</a> }.into_any(),
        None => name.into_any(),
    }
}

#[component]
fn ClientRow(client: ApiClientView, types: ApplicationTypes, now: i64, can: Can) -> impl IntoView {
    // Members with the flag may open an API Client, but only to see it (disabled form).
    let (link, key, tabindex) = row_link(can, Panel::EditClient, &client.id);
    let clickable = if link.is_some() { "clickable" } else { "" };
    let name = row_name(client.name.clone(), link.clone());
    view! {
        <tr class=clickable tabindex=tabindex data-href=link data-focus-key=key>
            <td data-label="Name">
                <span class="credential-name">{logo_image(client.logo_url.clone())}{name}</span>
                <span class="app-type muted">{types.label_of(&client.application_type)}</span>
            </td>
            <td data-label="Description">{client.description.clone().unwrap_or_else(|| "-".to_string())}</td>
            <td data-label="Client ID" class="client-id"><CopyText value=client.client_id.clone() label="Client ID"/></td>
            <td data-label="Client Secret" class="mono">
                {format!("•••• {}", client.secret_last_four)}
                {previous_line(client.previous_secret.clone())}
            </td>
            <td data-label="Allowed Origins">{dash_or_pills(client.allowed_origins.clone())}</td>
            <td data-label="Status">
                <span class=status_class(client.status == CredentialStatus::Active)>{client.status.as_str()}</span>
            </td>
            <td data-label="Last used">{time_ago(client.last_used_at, now)}</td>
        </tr>
    }
}

#[component]
fn TokenRow(token: RestrictedTokenView, now: i64, can: Can) -> impl IntoView {
    let (link, key, tabindex) = row_link(can, Panel::EditToken, &token.id);
    let clickable = if link.is_some() { "clickable" } else { "" };
    let name = row_name(token.name.clone(), link.clone());
    view! {
        <tr class=clickable tabindex=tabindex data-href=link data-focus-key=key>
            <td data-label="Name">{name}</td>
            <td data-label="Token" class="mono">
                {format!("•••• {}", token.token_last_four)}
                {previous_line(token.previous_token.clone())}
            </td>
            <td data-label="Allowed IPs">{dash_or_pills(token.allowed_ips.clone())}</td>
            <td data-label="Status">
                <span class=status_class(token.status == TokenStatus::Active)>{token.status.as_str()}</span>
            </td>
            <td data-label="Last used">{time_ago(token.last_used_at, now)}</td>
        </tr>
    }
}
