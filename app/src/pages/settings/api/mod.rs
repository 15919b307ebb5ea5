//! Settings › Developer › API: the banner, the actions, the two credential tables, and the
//! slide-overs and dialogs that create, edit and delete credentials. What the UI hides or
//! disables here, the server refuses on its own (see `api::credentials`).

mod client_panels;
mod fields;
mod lifecycle;
mod logo;
mod tables;
mod token_panels;
mod usage_chart;

use crate::api::credentials::{
    CreateApiClient, CreateRestrictedToken, DeleteApiClient, DeleteRestrictedToken,
    RegenerateRestrictedToken, RevokeRestrictedToken, RotateClientSecret, SetApiClientDisabled,
    UpdateApiClient, UpdateRestrictedToken, list_credentials,
};
use crate::components::dialog::Dialog;
use crate::components::menu::{MenuButton, MenuHandle};
use domain::credentials::{ApplicationTypes, ScopeCatalog};
use domain::models::{ApiClientView, Me, RestrictedTokenView};
use leptos::prelude::*;

/// Which slide-over is open.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Panel {
    Closed,
    AddClient,
    AddToken,
    EditClient(ApiClientView),
    EditToken(RestrictedTokenView),
}

/// What the page can do, for the pieces below it.
#[derive(Clone, Copy)]
pub(super) struct ApiPage {
    pub panel: RwSignal<Panel>,
    pub notice: RwSignal<Option<&'static str>>,
    pub confirm_delete: RwSignal<Option<(Kind, String, String)>>,
    pub create_client: ServerAction<CreateApiClient>,
    pub update_client: ServerAction<UpdateApiClient>,
    pub delete_client: ServerAction<DeleteApiClient>,
    pub set_disabled: ServerAction<SetApiClientDisabled>,
    pub create_token: ServerAction<CreateRestrictedToken>,
    pub update_token: ServerAction<UpdateRestrictedToken>,
    pub delete_token: ServerAction<DeleteRestrictedToken>,
    pub rotate_client: ServerAction<RotateClientSecret>,
    pub regenerate_token: ServerAction<RegenerateRestrictedToken>,
    pub revoke_token: ServerAction<RevokeRestrictedToken>,
    /// The token whose **Revoke NAME?** confirmation is open: `(id, name)`.
    pub confirm_revoke: RwSignal<Option<(String, String)>>,
    pub can_manage_tokens: bool,
    pub can_manage_clients: bool,
    pub is_admin: bool,
    /// The scopes API Clients may be given, as the server last listed them.
    pub scopes: RwSignal<ScopeCatalog>,
    /// The application types API Clients may have, likewise.
    pub app_types: RwSignal<ApplicationTypes>,
    /// Counts logo uploads and removals: each one reloads the tables.
    pub logo_version: RwSignal<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Kind {
    ApiClient,
    RestrictedToken,
}

impl ApiPage {
    /// Opens a panel with no error left over from the last one.
    pub fn open(&self, panel: Panel) {
        self.create_client.value().set(None);
        self.update_client.value().set(None);
        self.set_disabled.value().set(None);
        self.create_token.value().set(None);
        self.update_token.value().set(None);
        self.rotate_client.value().set(None);
        self.regenerate_token.value().set(None);
        self.revoke_token.value().set(None);
        self.notice.set(None);
        self.panel.set(panel);
    }

    pub fn close(&self) {
        self.panel.set(Panel::Closed);
    }
}

#[island]
pub fn ApiSettings(me: Me) -> impl IntoView {
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
    let page = ApiPage {
        panel: RwSignal::new(Panel::Closed),
        notice: RwSignal::new(None),
        confirm_delete: RwSignal::new(None),
        create_client: ServerAction::new(),
        update_client: ServerAction::new(),
        delete_client: ServerAction::new(),
        set_disabled: ServerAction::new(),
        create_token: ServerAction::new(),
        update_token: ServerAction::new(),
        delete_token: ServerAction::new(),
        rotate_client: ServerAction::new(),
        regenerate_token: ServerAction::new(),
        revoke_token: ServerAction::new(),
        confirm_revoke: RwSignal::new(None),
        can_manage_tokens: perms.can_manage_restricted_tokens(),
        can_manage_clients: perms.can_manage_api_clients(),
        is_admin: perms.is_admin(),
        scopes: RwSignal::new(ScopeCatalog::default()),
        app_types: RwSignal::new(ApplicationTypes::default()),
        logo_version: RwSignal::new(0),
    };
    // Loaded on the server for the first render and serialized into the page (which works
    // without JavaScript), loaded again after each completed change: the actions' versions are
    // its source. Made here, once, outside any closure: the browser hydrates an island's
    // resources in the order the server made them.
    let versions = move || {
        page.create_client.version().get()
            + page.update_client.version().get()
            + page.delete_client.version().get()
            + page.set_disabled.version().get()
            + page.create_token.version().get()
            + page.update_token.version().get()
            + page.delete_token.version().get()
            + page.rotate_client.version().get()
            + page.regenerate_token.version().get()
            + page.revoke_token.version().get()
            + page.logo_version.get() as usize
    };
    let credentials = Resource::new(versions, |_| list_credentials(String::new()));
    watch_outcomes(page);
    Effect::new(move || {
        if let Some(Ok(list)) = credentials.get() {
            page.scopes.set(list.scopes.clone());
            page.app_types.set(list.application_types.clone());
        }
    });

    // While a slide-over or dialog is up, what is behind it leaves the accessibility tree.
    let overlay_open = move || {
        page.panel.get() != Panel::Closed
            || page.confirm_delete.get().is_some()
            || matches!(page.create_client.value().get(), Some(Ok(_)))
            || matches!(page.create_token.value().get(), Some(Ok(_)))
            || page.confirm_revoke.get().is_some()
            || matches!(page.rotate_client.value().get(), Some(Ok(_)))
            || matches!(page.regenerate_token.value().get(), Some(Ok(_)))
    };
    view! {
        <div class="settings-page api-page">
            <div class="api-page-body" aria-hidden=move || overlay_open().then_some("true")>
            <h3>"API"</h3>
            <div class="banner" role="note">
                <h4>"Configure your API"</h4>
                <p>
                    "The recommended way to call the API is an API Client, which uses the secure "
                    "OAuth 2.0 client credentials flow from your own backend. Restricted Access "
                    "Tokens are for front-end apps that have no backend of their own."
                </p>
            </div>
            {page.can_manage_tokens.then(|| view! { <Actions page/> })}
            {move || page.notice.get().map(|text| view! { <div class="alert alert-success" role="status">{text}</div> })}
            <Transition fallback=|| view! { <p class="muted">"Loading credentials…"</p> }>
                {move || Suspend::new(async move {
                    match credentials.await {
                        Ok(list) => view! {
                            {list.api_name.clone().map(|name| view! {
                                <p class="api-name">"These credentials call " <strong>{name}</strong> "."</p>
                            })}
                            <tables::CredentialTables list page/>
                        }.into_any(),
                        Err(e) => view! { <div class="alert alert-error" role="alert">{e.to_string()}</div> }.into_any(),
                    }
                })}
            </Transition>
            </div>
            {move || match page.panel.get() {
                Panel::Closed => ().into_any(),
                Panel::AddClient => view! { <client_panels::AddClientPanel page/> }.into_any(),
                Panel::EditClient(client) => view! { <client_panels::EditClientPanel page client/> }.into_any(),
                Panel::AddToken => view! { <token_panels::AddTokenPanel page/> }.into_any(),
                Panel::EditToken(token) => view! { <token_panels::EditTokenPanel page token/> }.into_any(),
            }}
            <client_panels::ClientCreatedDialog page/>
            <token_panels::TokenCreatedDialog page/>
            <lifecycle::SecretRotatedDialog page/>
            <lifecycle::TokenRegeneratedDialog page/>
            <lifecycle::RevokeDialog page/>
            <DeleteDialog page/>
        </div>
    }
    .into_any()
}

/// Closes panels and says what happened once an action succeeds.
fn watch_outcomes(page: ApiPage) {
    let done = move |notice: &'static str| {
        page.panel.set(Panel::Closed);
        page.confirm_delete.set(None);
        page.notice.set(Some(notice));
    };
    Effect::new(move |_| {
        if matches!(page.create_client.value().get(), Some(Ok(_))) {
            page.panel.set(Panel::Closed);
        }
    });
    Effect::new(move |_| {
        if matches!(page.create_token.value().get(), Some(Ok(_))) {
            page.panel.set(Panel::Closed);
        }
    });
    Effect::new(move |_| {
        if matches!(page.update_client.value().get(), Some(Ok(_))) {
            done("API Client updated");
        }
    });
    Effect::new(move |_| {
        if matches!(page.update_token.value().get(), Some(Ok(_))) {
            done("Restricted Access Token updated");
        }
    });
    Effect::new(move |_| match page.set_disabled.value().get() {
        Some(Ok(client)) if client.status == domain::credentials::CredentialStatus::Disabled => {
            done("API Client disabled")
        }
        Some(Ok(_)) => done("API Client enabled"),
        _ => {}
    });
    Effect::new(move |_| {
        if matches!(page.delete_client.value().get(), Some(Ok(()))) {
            done("API Client deleted");
        }
    });
    Effect::new(move |_| {
        if matches!(page.delete_token.value().get(), Some(Ok(()))) {
            done("Restricted Access Token deleted");
        }
    });
    // A new secret or token shows in its dialog, over the closed slide-over.
    Effect::new(move |_| {
        if matches!(page.rotate_client.value().get(), Some(Ok(_)))
            || matches!(page.regenerate_token.value().get(), Some(Ok(_)))
        {
            page.panel.set(Panel::Closed);
        }
    });
    Effect::new(move |_| {
        if matches!(page.revoke_token.value().get(), Some(Ok(_))) {
            page.confirm_revoke.set(None);
            done("Restricted Access Token revoked");
        }
    });
}

#[component]
fn Actions(page: ApiPage) -> impl IntoView {
    view! {
        <div class="api-actions">
            <a class="btn" href="/docs" target="_blank" rel="noopener">"View Docs"</a>
            <a class="btn" href="/docs/postman-collection.json" download="portcullis.postman_collection.json">
                "Run in Postman"
            </a>
            <MenuButton label="Add New" id="add-new-button" button_class="btn btn-primary">
                <AddNewItem page panel=Panel::AddClient title="API Client" hint="Create a secure API client"/>
                <AddNewItem
                    page
                    panel=Panel::AddToken
                    title="Restricted Access Token"
                    hint="Create a restricted access token"
                />
            </MenuButton>
        </div>
    }
}

/// An item of **Add New**: closes the menu and opens its slide-over, which gives the focus
/// back to the menu's button when it closes.
#[component]
fn AddNewItem(
    page: ApiPage,
    panel: Panel,
    title: &'static str,
    hint: &'static str,
) -> impl IntoView {
    let menu = MenuHandle::get();
    view! {
        <button
            type="button"
            role="menuitem"
            tabindex="-1"
            class="menu-item"
            on:click=move |_| {
                menu.close();
                page.open(panel.clone());
            }
        >
            <strong>{title}</strong>
            <span class="muted">{hint}</span>
        </button>
    }
}

#[component]
fn DeleteDialog(page: ApiPage) -> impl IntoView {
    let error = move || {
        let e = page.delete_client.value().get().and_then(Result::err);
        e.or_else(|| page.delete_token.value().get().and_then(Result::err))
    };
    move || {
        page.confirm_delete.get().map(|(kind, id, name)| {
            let what = match kind {
                Kind::ApiClient => "API Client",
                Kind::RestrictedToken => "Restricted Access Token",
            };
            let delete = move |_| match kind {
                Kind::ApiClient => {
                    page.delete_client.dispatch(DeleteApiClient { id: id.clone() });
                }
                Kind::RestrictedToken => {
                    page.delete_token.dispatch(DeleteRestrictedToken { id: id.clone() });
                }
            };
            view! {
                <Dialog title=format!("Delete {name}?") on_close=move |()| page.confirm_delete.set(None)>
                    <p>
                        "The " {what} " " <strong>{name.clone()}</strong>
                        " stops working at once. This cannot be undone."
                    </p>
                    {move || error().map(|e| view! { <div class="alert alert-error" role="alert">{e.to_string()}</div> })}
                    <div class="actions">
                        <button type="button" class="btn btn-ghost" on:click=move |_| page.confirm_delete.set(None)>
                            "Cancel"
                        </button>
                        <button type="button" class="btn btn-danger" on:click=delete>"Delete"</button>
                    </div>
                </Dialog>
            }
        })
    }
}
