//! Settings › Developer › API, rendered by the server: the banner, the actions, the two
//! credential tables, and the slide-overs and dialogs that create, edit and delete credentials.
//! What is open lives in the URL (`&panel=add-client|add-token|edit-client|edit-token&id=ID`,
//! `&confirm=delete|revoke`, each table's `&clients-name=`/`&tokens-name=` filter and
//! `-after=` cursor), so each works on a full load and without JavaScript. Forms are posted by
//! `RpcForm`; a change comes back here with a notice (`&notice=`), a new secret is revealed in
//! its dialog and never travels through a URL. What the UI hides or disables here, the server
//! refuses on its own (see `api::credentials`).

mod client_panels;
mod fields;
mod lifecycle;
mod live;
mod logo;
mod tables;
mod token_panels;
mod usage_chart;

use crate::api::credentials::list_credentials;
use crate::api::notice::Notice;
use crate::components::menu::MenuIsland;
use domain::models::{CredentialsPage, Me};
use leptos::prelude::*;

/// The slide-over the URL opens (`&panel=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Panel {
    AddClient,
    AddToken,
    EditClient,
    EditToken,
}

impl Panel {
    const ALL: [Panel; 4] = [
        Panel::AddClient,
        Panel::AddToken,
        Panel::EditClient,
        Panel::EditToken,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Panel::AddClient => "add-client",
            Panel::AddToken => "add-token",
            Panel::EditClient => "edit-client",
            Panel::EditToken => "edit-token",
        }
    }

    fn parse(code: &str) -> Option<Panel> {
        Self::ALL.into_iter().find(|p| p.code() == code)
    }
}

/// The confirmation the URL opens over an Edit slide-over (`&confirm=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ask {
    Delete,
    Revoke,
}

impl Ask {
    const ALL: [Ask; 2] = [Ask::Delete, Ask::Revoke];

    pub fn code(self) -> &'static str {
        match self {
            Ask::Delete => "delete",
            Ask::Revoke => "revoke",
        }
    }

    /// The confirming button, and the start of the dialog's title.
    pub fn verb(self) -> &'static str {
        match self {
            Ask::Delete => "Delete",
            Ask::Revoke => "Revoke",
        }
    }

    fn parse(code: &str) -> Option<Ask> {
        Self::ALL.into_iter().find(|a| a.code() == code)
    }
}

/// What the URL says about the API page. Only known panels and confirmations are read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ApiQuery {
    pub panel: Option<Panel>,
    /// The credential an Edit slide-over shows.
    pub id: String,
    pub confirm: Option<Ask>,
    pub clients_name: String,
    pub clients_after: String,
    pub tokens_name: String,
    pub tokens_after: String,
    /// `add-new`: the Add New menu is open (its button, pressed before the page's script ran).
    pub menu: String,
}

impl ApiQuery {
    /// Reads it from the URL's query (`get`: a parameter's value).
    pub fn read(get: impl Fn(&str) -> Option<String>) -> ApiQuery {
        let get = |key: &str| get(key).unwrap_or_default();
        ApiQuery {
            panel: Panel::parse(&get("panel")),
            id: get("id"),
            confirm: Ask::parse(&get("confirm")),
            clients_name: get("clients-name"),
            clients_after: get("clients-after"),
            tokens_name: get("tokens-name"),
            tokens_after: get("tokens-after"),
            menu: get("menu"),
        }
    }
}

/// What the person may do here, for the pieces of the page.
#[derive(Clone, Copy, Debug)]
pub(super) struct Can {
    /// Open credentials and manage Restricted Access Tokens.
    pub tokens: bool,
    /// Create and change API Clients.
    pub clients: bool,
    /// Disable and enable API Clients.
    pub admin: bool,
}

/// The API page with `more` in its query, as a `QueryButton` takes it.
pub(super) fn here(more: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    super::settings_query("api", more)
}

/// The API page with `more` in its query, as a link.
pub(super) fn href(more: &[(&'static str, &str)]) -> String {
    let pairs = here(more)
        .into_iter()
        .map(|(name, value)| format!("{name}={}", encode(&value)))
        .collect::<Vec<_>>();
    format!("/?{}", pairs.join("&"))
}

/// Percent-encodes a query value (a filter can hold anything).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[component]
pub fn ApiSettings(me: Me, query: ApiQuery, notice: Option<String>) -> impl IntoView {
    let perms = me.permissions;
    if !perms.can_view_api_page() {
        return view! {
            <div class="settings-page">
                <h3>"API"</h3>
                <div class="alert">"API access is not enabled for " {me.organization.name} "."</div>
            </div>
        }
        .into_any();
    }
    let can = Can {
        tokens: perms.can_manage_restricted_tokens(),
        clients: perms.can_manage_api_clients(),
        admin: perms.is_admin(),
    };
    let notice = notice
        .as_deref()
        .and_then(|code| Notice::parse("api", code))
        .map(Notice::text);
    let menu_open = query.menu == "add-new";
    // A Suspense of its own: the console's renders what it holds, not what a Suspend in it
    // would resolve to later.
    let content = Suspend::new(async move {
        let list = list_credentials(
            query.clients_name.clone(),
            query.clients_after.clone(),
            query.tokens_name.clone(),
            query.tokens_after.clone(),
        )
        .await;
        match list {
            Ok(list) => view! { <Loaded list query can/> }.into_any(),
            Err(e) => view! { <div class="alert alert-error" role="alert">{e.to_string()}</div> }
                .into_any(),
        }
    });
    view! {
        <div class="settings-page api-page">
            <h3>"API"</h3>
            <div class="banner" role="note">
                <h4>"Configure your API"</h4>
                <p>
                    "The recommended way to call the API is an API Client, which uses the secure "
                    "OAuth 2.0 client credentials flow from your own backend. Restricted Access "
                    "Tokens are for front-end apps that have no backend of their own."
                </p>
            </div>
            {can.tokens.then(|| view! { <Actions menu_open/> })}
            {notice.map(|text| view! { <div class="alert alert-success" role="status">{text}</div> })}
            <Suspense fallback=|| view! { <p class="muted">"Loading credentials…"</p> }>{content}</Suspense>
        </div>
    }
    .into_any()
}

/// The tables, and the slide-over the URL opens over them.
#[component]
fn Loaded(list: CredentialsPage, query: ApiQuery, can: Can) -> impl IntoView {
    let catalog = list.scopes.clone();
    let types = list.application_types.clone();
    let (id, confirm) = (query.id.clone(), query.confirm);
    let panel = query
        .panel
        .filter(|_| can.tokens)
        .and_then(|panel| match panel {
            Panel::AddClient => {
                Some(view! { <client_panels::AddClientPanel catalog types can/> }.into_any())
            }
            Panel::AddToken => Some(view! { <token_panels::AddTokenPanel/> }.into_any()),
            _ if id.is_empty() => None,
            Panel::EditClient => Some(
                view! { <client_panels::EditClientPanel id confirm catalog types can/> }.into_any(),
            ),
            Panel::EditToken => {
                Some(view! { <token_panels::EditTokenPanel id confirm/> }.into_any())
            }
        });
    view! {
        {list.api_name.clone().map(|name| view! {
            <p class="api-name">"These credentials call " <strong>{name}</strong> "."</p>
        })}
        <tables::CredentialTables list query can/>
        {panel}
    }
}

/// **View Docs**, **Run in Postman** and **Add New**, whose items open the Add slide-overs
/// (links; pressed before the page's script runs, Add New loads the page with its menu open).
#[component]
fn Actions(menu_open: bool) -> impl IntoView {
    let fallback = here(&[("menu", "add-new")])
        .into_iter()
        .map(|(name, value)| (name.to_string(), value))
        .collect::<Vec<_>>();
    view! {
        <div class="api-actions">
            <a class="btn" href="/docs" target="_blank" rel="noopener">"View Docs"</a>
            <a class="btn" href="/docs/postman-collection.json" download="portcullis.postman_collection.json">
                "Run in Postman"
            </a>
            <MenuIsland
                label="Add New".to_string()
                id="add-new-button".to_string()
                button_class="btn btn-primary".to_string()
                class="dropdown".to_string()
                fallback
                open_now=menu_open
            >
                <a role="menuitem" tabindex="-1" class="menu-item" href=href(&[("panel", Panel::AddClient.code())])>
                    <strong>"API Client"</strong>
                    <span class="muted">"Create a secure API client"</span>
                </a>
                <a role="menuitem" tabindex="-1" class="menu-item" href=href(&[("panel", Panel::AddToken.code())])>
                    <strong>"Restricted Access Token"</strong>
                    <span class="muted">"Create a restricted access token"</span>
                </a>
            </MenuIsland>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::{ApiQuery, Ask, Panel, href};

    #[test]
    fn a_filter_goes_into_a_link_encoded_and_comes_back_as_typed() {
        let typed = "a&b=c %/é";
        let link = href(&[("clients-name", typed)]);
        assert!(link.starts_with("/?settings-modal=open&path=api&clients-name="));
        let encoded = link.rsplit_once("clients-name=").unwrap().1;
        assert!(!encoded.contains(['&', '=', ' ', '/']));
        let decoded = percent_decode(encoded);
        let query = ApiQuery::read(|key| (key == "clients-name").then(|| decoded.clone()));
        assert_eq!(query.clients_name, typed);
        assert_eq!(query.panel, None);
    }

    #[test]
    fn only_known_panels_and_confirmations_are_read() {
        for panel in Panel::ALL {
            let query = ApiQuery::read(|key| (key == "panel").then(|| panel.code().to_string()));
            assert_eq!(query.panel, Some(panel));
        }
        for ask in Ask::ALL {
            let query = ApiQuery::read(|key| (key == "confirm").then(|| ask.code().to_string()));
            assert_eq!(query.confirm, Some(ask));
        }
        let odd = ApiQuery::read(|_| Some("<script>".to_string()));
        assert_eq!((odd.panel, odd.confirm), (None, None));
    }

    fn percent_decode(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }
}
