//! The API Clients and Restricted Access Tokens tables. Each is hidden while empty; rows come
//! sorted by name from the server. Managers open a row by click or Enter.

use super::lifecycle::previous_line;
use super::logo::logo_image;
use super::{ApiPage, Panel};
use crate::api::credentials::{more_api_clients, more_restricted_tokens};
use crate::components::copy::CopyValue;
use crate::error::AppError;
use domain::credentials::{ApplicationTypes, CredentialStatus, TokenStatus};
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

/// The rows a table shows: the pages loaded so far, for the name typed in its filter.
struct Paged<T: Send + Sync + 'static> {
    rows: RwSignal<Vec<T>>,
    next: RwSignal<Option<String>>,
    filter: RwSignal<String>,
    /// Counts the requests: an answer to an older one (typing went on) is dropped.
    asked: RwSignal<u64>,
    error: RwSignal<Option<String>>,
}

impl<T: Send + Sync + 'static> Clone for Paged<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Paged<T> {}

/// A table with more rows than this gets **Filter by name**.
const FILTER_FROM: usize = 10;

impl<T: Clone + Send + Sync + 'static> Paged<T> {
    fn new(rows: Vec<T>, next: Option<String>) -> Self {
        Paged {
            rows: RwSignal::new(rows),
            next: RwSignal::new(next),
            filter: RwSignal::new(String::new()),
            asked: RwSignal::new(0),
            error: RwSignal::new(None),
        }
    }

    /// Asks for the first page of the filter's rows (`more`: the page after those shown).
    fn load<F, Fut>(self, fetch: F, more: bool)
    where
        F: FnOnce(String, String) -> Fut,
        Fut: std::future::Future<Output = Result<(Vec<T>, Option<String>), AppError>> + 'static,
    {
        let asked = self.asked.get_untracked() + 1;
        self.asked.set(asked);
        let cursor = if more {
            self.next.get_untracked().unwrap_or_default()
        } else {
            String::new()
        };
        let answer = fetch(self.filter.get_untracked(), cursor);
        leptos::task::spawn_local(async move {
            let answer = answer.await;
            if self.asked.get_untracked() != asked {
                return;
            }
            match answer {
                Ok((rows, next)) => {
                    if more {
                        self.rows.update(|shown| shown.extend(rows));
                    } else {
                        self.rows.set(rows);
                    }
                    self.next.set(next);
                    self.error.set(None);
                }
                Err(e) => self.error.set(Some(e.to_string())),
            }
        });
    }
}

/// **Filter by name** over a table (when it has more than 10 rows), and **Load more** under
/// it while pages remain.
#[component]
fn FilterInput(id: &'static str, #[prop(into)] on_input: Callback<String>) -> impl IntoView {
    view! {
        <div class="field table-filter">
            <label for=id>"Filter by name"</label>
            <input
                id=id
                type="search"
                autocomplete="off"
                maxlength="70"
                on:input=move |ev| on_input.run(event_target_value(&ev))
            />
        </div>
    }
}

#[component]
pub(super) fn CredentialTables(list: CredentialsPage, page: ApiPage) -> impl IntoView {
    let clients = (!list.api_clients.is_empty()).then(|| {
        let paged = Paged::new(list.api_clients, list.api_clients_next);
        let types = list.application_types.clone();
        view! { <ClientsTable paged types now=list.now page/> }
    });
    let tokens = (!list.restricted_tokens.is_empty()).then(|| {
        let paged = Paged::new(list.restricted_tokens, list.restricted_tokens_next);
        view! { <TokensTable paged now=list.now page/> }
    });
    let empty = clients.is_none() && tokens.is_none();
    view! {
        {clients}
        {tokens}
        {empty.then(|| view! { <p class="muted empty">"No credentials yet."</p> })}
    }
}

/// The filter (for a table of more than 10 rows), the error of a failed load, and **Load
/// more** while pages remain.
fn filter_of<T: Clone + Send + Sync + 'static, F, Fut>(
    paged: Paged<T>,
    id: &'static str,
    fetch: F,
) -> (Option<AnyView>, AnyView)
where
    F: Fn(String, String) -> Fut + Copy + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(Vec<T>, Option<String>), AppError>> + 'static,
{
    let many = paged.rows.with_untracked(Vec::len) > FILTER_FROM
        || paged.next.with_untracked(Option::is_some);
    let filter = many.then(|| {
        view! {
            <FilterInput id on_input=move |name: String| {
                paged.filter.set(name);
                paged.load(fetch, false);
            }/>
        }
        .into_any()
    });
    let below = view! {
        {move || paged.error.get().map(|e| view! { <div class="alert alert-error" role="alert">{e}</div> })}
        {move || paged.rows.with(Vec::is_empty).then(|| view! { <p class="muted">"No names match."</p> })}
        {move || paged.next.with(Option::is_some).then(|| view! {
            <button type="button" class="btn btn-ghost load-more" on:click=move |_| paged.load(fetch, true)>
                "Load more"
            </button>
        })}
    }
    .into_any();
    (filter, below)
}

#[component]
fn ClientsTable(
    paged: Paged<ApiClientView>,
    types: ApplicationTypes,
    now: i64,
    page: ApiPage,
) -> impl IntoView {
    // Members with the flag may open an API Client, but only to see it (disabled form).
    let interactive = page.can_manage_tokens;
    let (filter, below) = filter_of(paged, "filter-api-clients", more_api_clients);
    let rows = move || {
        paged.rows.get()
        .into_iter()
        .map(|client| {
            let (tabindex, on_click, on_key) = row_handlers(page, interactive, Panel::EditClient(client.clone()));
            let status_class = if client.status == CredentialStatus::Active { "status status-ok" } else { "status status-bad" };
            view! {
                <tr class:clickable=interactive tabindex=tabindex on:click=on_click on:keydown=on_key>
                    <td data-label="Name">
                        <span class="credential-name">{logo_image(client.logo_url.clone())}{client.name.clone()}</span>
                        <span class="app-type muted">{types.label_of(&client.application_type)}</span>
                    </td>
                    <td data-label="Description">{client.description.clone().unwrap_or_else(|| "-".to_string())}</td>
                    <td data-label="Client ID" class="client-id"><CopyValue value=client.client_id.clone() label="Client ID"/></td>
                    <td data-label="Client Secret" class="mono">
                        {format!("•••• {}", client.secret_last_four)}
                        {previous_line(client.previous_secret.clone())}
                    </td>
                    <td data-label="Allowed Origins">{dash_or_pills(client.allowed_origins.clone())}</td>
                    <td data-label="Status"><span class=status_class>{client.status.as_str()}</span></td>
                    <td data-label="Last used">{time_ago(client.last_used_at, now)}</td>
                </tr>
            }
        })
        .collect_view()
    };
    view! {
        <section class="credential-section">
            <h4>"API Clients"</h4>
            {filter}
            // Focusable so the keyboard can scroll it sideways when it is wider than the page.
            <div class="table-scroll" tabindex="0" role="region" aria-label="API Clients">
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
            {below}
        </section>
    }
}

#[component]
fn TokensTable(paged: Paged<RestrictedTokenView>, now: i64, page: ApiPage) -> impl IntoView {
    let interactive = page.can_manage_tokens;
    let (filter, below) = filter_of(paged, "filter-restricted-tokens", more_restricted_tokens);
    let rows = move || {
        paged.rows.get()
        .into_iter()
        .map(|token| {
            let (tabindex, on_click, on_key) = row_handlers(page, interactive, Panel::EditToken(token.clone()));
            let status_class = if token.status == TokenStatus::Active { "status status-ok" } else { "status status-bad" };
            view! {
                <tr class:clickable=interactive tabindex=tabindex on:click=on_click on:keydown=on_key>
                    <td data-label="Name">{token.name.clone()}</td>
                    <td data-label="Token" class="mono">
                        {format!("•••• {}", token.token_last_four)}
                        {previous_line(token.previous_token.clone())}
                    </td>
                    <td data-label="Allowed IPs">{dash_or_pills(token.allowed_ips.clone())}</td>
                    <td data-label="Status"><span class=status_class>{token.status.as_str()}</span></td>
                    <td data-label="Last used">{time_ago(token.last_used_at, now)}</td>
                </tr>
            }
        })
        .collect_view()
    };
    view! {
        <section class="credential-section">
            <h4>"Restricted Access Tokens"</h4>
            {filter}
            <div class="table-scroll" tabindex="0" role="region" aria-label="Restricted Access Tokens">
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
            {below}
        </section>
    }
}
