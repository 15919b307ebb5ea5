//! Add API Client, Edit API Client, and the dialog that shows a new client's secret once.

use super::fields::{BoundInput, field_error, general_error, invalid};
use super::{ApiPage, Kind};
use crate::api::credentials::{CreateApiClient, SetApiClientDisabled, UpdateApiClient};
use crate::components::copy::{CopyValue, ShownOnceDialog};
use crate::components::slide_over::SlideOver;
use crate::error::AppError;
use domain::credentials::{
    AllowedOrigins, CredentialName, CredentialStatus, Description, Scope, Scopes, form_date_of,
};
use domain::models::ApiClientView;
use leptos::prelude::*;

/// The form's values, kept in signals so that a refused submission keeps what was typed.
#[derive(Clone, Copy)]
struct ClientValues {
    name: RwSignal<String>,
    description: RwSignal<String>,
    origins: RwSignal<String>,
    read: RwSignal<bool>,
    write: RwSignal<bool>,
    expiration: RwSignal<String>,
}

impl ClientValues {
    fn new() -> Self {
        ClientValues {
            name: RwSignal::new(String::new()),
            description: RwSignal::new(String::new()),
            origins: RwSignal::new(String::new()),
            read: RwSignal::new(true),
            write: RwSignal::new(false),
            expiration: RwSignal::new(String::new()),
        }
    }

    fn of(client: &ApiClientView) -> Self {
        let has = |scope: Scope| client.scopes.iter().any(|s| s == scope.as_str());
        ClientValues {
            name: RwSignal::new(client.name.clone()),
            description: RwSignal::new(client.description.clone().unwrap_or_default()),
            origins: RwSignal::new(client.allowed_origins.join(", ")),
            read: RwSignal::new(has(Scope::CredentialsRead)),
            write: RwSignal::new(has(Scope::CredentialsWrite)),
            expiration: RwSignal::new(client.expires_at.map(form_date_of).unwrap_or_default()),
        }
    }

    /// The same rules the server applies (all but the date, which needs the server's clock),
    /// checked in the browser first so that a typo is answered at once.
    fn check(&self) -> Result<(), AppError> {
        CredentialName::parse(&self.name.get_untracked())?;
        Description::parse(&self.description.get_untracked())?;
        AllowedOrigins::parse_list(&self.origins.get_untracked())?;
        Scopes::parse(&self.scopes())?;
        Ok(())
    }

    fn scopes(&self) -> String {
        let mut scopes = Vec::new();
        if self.read.get_untracked() {
            scopes.push(Scope::CredentialsRead.as_str());
        }
        if self.write.get_untracked() {
            scopes.push(Scope::CredentialsWrite.as_str());
        }
        scopes.join(" ")
    }
}

#[component]
fn ClientFields(
    values: ClientValues,
    disabled: bool,
    outcome: Signal<Option<AppError>>,
) -> impl IntoView {
    view! {
        {general_error(outcome)}
        <BoundInput id="client-name" label="Client Name" field="name" value=values.name outcome disabled/>
        <div class="field">
            <label for="client-description">"Description"</label>
            <textarea
                id="client-description"
                rows="3"
                disabled=disabled
                aria-invalid=invalid(outcome, "description")
                prop:value=move || values.description.get()
                on:input=move |ev| values.description.set(event_target_value(&ev))
            ></textarea>
            {field_error(outcome, "description")}
        </div>
        <BoundInput
            id="client-origins"
            label="Allowed Origins"
            field="allowed_origins"
            value=values.origins
            outcome
            disabled
            placeholder="https://app.example.com, http://localhost:3000"
            hint="Comma-separated. Browsers on these origins may call the API with this client."
        />
        <fieldset class="field scopes" disabled=disabled>
            <legend>"Scopes"</legend>
            <label class="checkbox">
                <input
                    type="checkbox"
                    prop:checked=move || values.read.get()
                    on:change=move |ev| values.read.set(event_target_checked(&ev))
                />
                "credentials:read"
            </label>
            <label class="checkbox">
                <input
                    type="checkbox"
                    prop:checked=move || values.write.get()
                    on:change=move |ev| values.write.set(event_target_checked(&ev))
                />
                "credentials:write"
            </label>
            {field_error(outcome, "scopes")}
        </fieldset>
        <BoundInput
            id="client-expiration"
            label="Expiration date"
            field="expires_at"
            kind="date"
            value=values.expiration
            outcome
            disabled
            hint="Optional. The client works through the end of this day (UTC)."
        />
    }
}

fn read_only_note(page: ApiPage) -> Option<AnyView> {
    (!page.can_manage_clients).then(|| {
        view! {
            <p class="alert">"Only Admins and Developers with Manage API credentials can create or change API Clients."</p>
        }
        .into_any()
    })
}

#[component]
pub(super) fn AddClientPanel(page: ApiPage) -> impl IntoView {
    let values = ClientValues::new();
    let disabled = !page.can_manage_clients;
    let outcome = Signal::derive(move || page.create_client.value().get().and_then(Result::err));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Err(refused) = values.check() {
            page.create_client.value().set(Some(Err(refused)));
            return;
        }
        page.create_client.dispatch(CreateApiClient {
            name: values.name.get_untracked(),
            description: values.description.get_untracked(),
            allowed_origins: values.origins.get_untracked(),
            scopes: values.scopes(),
            expiration_date: values.expiration.get_untracked(),
        });
    };
    view! {
        <SlideOver title="Add API Client" on_close=move |()| page.close()>
            <form class="stack" novalidate=true on:submit=submit>
                {read_only_note(page)}
                <ClientFields values disabled outcome/>
                <div class="actions">
                    <button type="button" class="btn btn-ghost" on:click=move |_| page.close()>"Cancel"</button>
                    <button
                        type="submit"
                        class="btn btn-primary"
                        disabled=move || disabled || page.create_client.pending().get()
                    >
                        "Add"
                    </button>
                </div>
            </form>
        </SlideOver>
    }
}

#[component]
pub(super) fn EditClientPanel(page: ApiPage, client: ApiClientView) -> impl IntoView {
    let values = ClientValues::of(&client);
    let disabled = !page.can_manage_clients;
    let outcome = Signal::derive(move || {
        let update = page.update_client.value().get().and_then(Result::err);
        update.or_else(|| page.set_disabled.value().get().and_then(Result::err))
    });
    let id = client.id.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Err(refused) = values.check() {
            page.update_client.value().set(Some(Err(refused)));
            return;
        }
        page.update_client.dispatch(UpdateApiClient {
            id: id.clone(),
            name: values.name.get_untracked(),
            description: values.description.get_untracked(),
            allowed_origins: values.origins.get_untracked(),
            scopes: values.scopes(),
            expiration_date: values.expiration.get_untracked(),
        });
    };
    let is_disabled = client.status == CredentialStatus::Disabled;
    let toggle = {
        let id = client.id.clone();
        move |_| {
            page.set_disabled.dispatch(SetApiClientDisabled {
                id: id.clone(),
                disabled: !is_disabled,
            });
        }
    };
    let confirm = {
        let (id, name) = (client.id.clone(), client.name.clone());
        move |_| {
            page.confirm_delete
                .set(Some((Kind::ApiClient, id.clone(), name.clone())))
        }
    };
    let status_class = if client.status == CredentialStatus::Active {
        "status status-ok"
    } else {
        "status status-bad"
    };
    view! {
        <SlideOver title="Edit API Client" on_close=move |()| page.close() covered=Signal::derive(move || page.confirm_delete.get().is_some())>
            <form class="stack" novalidate=true on:submit=submit>
                {read_only_note(page)}
                <dl class="facts compact">
                    <dt>"Client ID"</dt>
                    <dd><CopyValue value=client.client_id.clone() label="Client ID"/></dd>
                    <dt>"Client Secret"</dt>
                    <dd class="mono">{format!("•••• {}", client.secret_last_four)}</dd>
                    <dt>"Status"</dt>
                    <dd><span class=status_class>{client.status.as_str()}</span></dd>
                    <dt>"Created"</dt>
                    <dd>{format!("{} by {}", domain::credentials::date_of(client.created_at), client.created_by)}</dd>
                </dl>
                <ClientFields values disabled outcome/>
                <div class="actions spread">
                    <div class="actions">
                        <button type="button" class="btn btn-danger-outline" disabled=disabled on:click=confirm>
                            "Delete"
                        </button>
                        {page.is_admin.then(|| view! {
                            <button type="button" class="btn" on:click=toggle.clone()>
                                {if is_disabled { "Enable" } else { "Disable" }}
                            </button>
                        })}
                    </div>
                    <div class="actions">
                        <button type="button" class="btn btn-ghost" on:click=move |_| page.close()>"Cancel"</button>
                        <button
                            type="submit"
                            class="btn btn-primary"
                            disabled=move || disabled || page.update_client.pending().get()
                        >
                            "Update"
                        </button>
                    </div>
                </div>
            </form>
        </SlideOver>
    }
}

#[component]
pub(super) fn ClientCreatedDialog(page: ApiPage) -> impl IntoView {
    move || {
        page.create_client
            .value()
            .get()
            .and_then(Result::ok)
            .map(|created| {
                let values = vec![
                    ("Client ID", created.client.client_id, "Client ID"),
                    ("Client Secret", created.client_secret, "Client Secret"),
                ];
                view! {
                    <ShownOnceDialog
                        title="API Client Created"
                        secret_name="Client Secret"
                        values
                        on_close=move |()| page.create_client.value().set(None)
                    />
                }
            })
    }
}
