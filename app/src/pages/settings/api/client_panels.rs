//! **Add API Client** and **Edit API Client**, rendered by the server with what the client holds,
//! and the dialogs that show a new secret once.

use super::fields::{ErrorSlot, FormError, LimitFields, Refusal, TextField};
use super::lifecycle::{Confirm, ReplaceSecret, asking_button, previous_line};
use super::logo::LogoField;
use super::tables::status_class;
use super::usage_chart::UsagePanel;
use super::{Ask, Can, Panel, here};
use crate::api::credentials::{
    CreateApiClient, DeleteApiClient, RotateClientSecret, SetApiClientDisabled, UpdateApiClient,
    credential_usage, get_api_client,
};
use crate::components::copy::{CopyArea, CopyText, ShownOnce};
use crate::components::modal::QueryButton;
use crate::components::rpc_form::{RevealForm, RpcForm};
use crate::components::slide_over::SlideOver;
use crate::csrf::CsrfField;
use domain::credentials::{
    ApplicationType, ApplicationTypes, CUSTOM_APPLICATION_TYPE, CredentialStatus, Limits,
    ScopeCatalog, form_date_of,
};
use domain::models::ApiClientView;
use leptos::prelude::*;
use server_fn::ServerFn;

/// What the form shows in its fields.
struct ClientValues {
    name: String,
    description: String,
    origins: String,
    /// The names of the ticked scopes.
    scopes: Vec<String>,
    expiration: String,
    limits: Limits,
    /// The chosen application type's id.
    app_type: String,
}

impl ClientValues {
    fn new(catalog: &ScopeCatalog) -> Self {
        ClientValues {
            name: String::new(),
            description: String::new(),
            origins: String::new(),
            scopes: catalog
                .defaults()
                .as_slice()
                .iter()
                .map(|s| s.as_str().to_string())
                .collect(),
            expiration: String::new(),
            limits: Limits::default(),
            app_type: CUSTOM_APPLICATION_TYPE.to_string(),
        }
    }

    fn of(client: &ApiClientView) -> Self {
        ClientValues {
            name: client.name.clone(),
            description: client.description.clone().unwrap_or_default(),
            origins: client.allowed_origins.join(", "),
            scopes: client.scopes.clone(),
            expiration: client.expires_at.map(form_date_of).unwrap_or_default(),
            limits: client.limits,
            app_type: client.application_type.clone(),
        }
    }
}

/// The fields of both forms; `disabled` for those who may only look.
#[component]
fn ClientFields(
    values: ClientValues,
    catalog: ScopeCatalog,
    types: ApplicationTypes,
    disabled: bool,
    refusal: Refusal,
) -> impl IntoView {
    let scopes = catalog
        .all()
        .iter()
        .enumerate()
        .map(|(n, scope)| {
            let hint = format!("scope-hint-{n}");
            view! {
                <label class="checkbox">
                    <input
                        type="checkbox"
                        name="scope[]"
                        value=scope.name.clone()
                        checked=values.scopes.contains(&scope.name)
                        aria-describedby=format!("{hint} client-scopes-error")
                    />
                    {scope.name.clone()}
                </label>
                <p class="hint" id=hint>{scope.description.clone()}</p>
            }
        })
        .collect_view();
    view! {
        <FormError refusal=refusal.clone()/>
        <fieldset class="plain stack" disabled=disabled>
            <TextField id="client-name" label="Client Name" name="name" field="name" value=values.name refusal=refusal.clone()/>
            <TextField
                id="client-description"
                label="Description"
                name="description"
                field="description"
                kind="textarea"
                value=values.description
                refusal=refusal.clone()
            />
            <ApplicationTypeField chosen=values.app_type types refusal=refusal.clone()/>
            <TextField
                id="client-origins"
                label="Allowed Origins"
                name="allowed_origins"
                field="allowed_origins"
                value=values.origins
                refusal=refusal.clone()
                placeholder="https://app.example.com, http://localhost:3000"
                hint="Comma-separated. Browsers on these origins may call the API with this client."
            />
            <fieldset class="field scopes">
                <legend>"Scopes"</legend>
                {scopes}
                <ErrorSlot id="client-scopes-error".to_string() field="scopes" refusal=refusal.clone()/>
            </fieldset>
            <TextField
                id="client-expiration"
                label="Expiration date"
                name="expiration_date"
                field="expires_at"
                kind="date"
                value=values.expiration
                refusal=refusal.clone()
                hint="Optional. The client works through the end of this day (UTC)."
            />
            <LimitFields prefix="client" limits=values.limits refusal/>
        </fieldset>
    }
}

/// **Application type**: `Custom` or one of the operator's, with the chosen one's guide when it
/// has one (every guide is rendered; `RpcForm` shows the one for the select's value).
#[component]
fn ApplicationTypeField(
    chosen: String,
    types: ApplicationTypes,
    refusal: Refusal,
) -> impl IntoView {
    let mut all = types.all();
    // A type the operator has since removed stays visible on its clients.
    if types.find(&chosen).is_none() {
        all.push(ApplicationType {
            id: chosen.clone(),
            label: chosen.clone(),
            guide_url: None,
        });
    }
    let options = all
        .iter()
        .map(|t| view! { <option value=t.id.clone() selected=t.id == chosen>{t.label.clone()}</option> })
        .collect_view();
    let guides = all
        .into_iter()
        .filter_map(|t| {
            let url = t.guide_url?;
            let hidden = t.id != chosen;
            Some(view! {
                <p class="hint" data-guide=t.id hidden=hidden>
                    <a href=url target="_blank" rel="noopener noreferrer">{format!("{} guide", t.label)}</a>
                </p>
            })
        })
        .collect_view();
    view! {
        <div class="field">
            <label for="client-application-type">"Application type"</label>
            <select
                id="client-application-type"
                name="application_type"
                data-guides=""
                aria-describedby="client-application-type-error"
            >
                {options}
            </select>
            {guides}
            <ErrorSlot id="client-application-type-error".to_string() field="application_type" refusal/>
        </div>
    }
}

fn read_only_note(can: Can) -> Option<AnyView> {
    (!can.clients).then(|| {
        view! {
            <p class="alert">"Only Admins and Developers with Manage API credentials can create or change API Clients."</p>
        }
        .into_any()
    })
}

#[component]
pub(super) fn AddClientPanel(
    catalog: ScopeCatalog,
    types: ApplicationTypes,
    can: Can,
) -> impl IntoView {
    let refusal = ServerAction::<CreateApiClient>::new()
        .value()
        .get_untracked()
        .and_then(Result::err);
    let values = ClientValues::new(&catalog);
    view! {
        <SlideOver title="Add API Client" opener="add-new-button".to_string()>
            <RpcForm>
                {read_only_note(can)}
                <RevealForm
                    id="client-form"
                    action=CreateApiClient::PATH
                    reveal="client-created"
                    needs_script="The Client Secret is shown only once, so adding a client needs JavaScript."
                    back=here(&[])
                    submit="Add"
                    enabled=can.clients
                >
                    <ClientFields values catalog types disabled=!can.clients refusal/>
                </RevealForm>
            </RpcForm>
        </SlideOver>
        <ShownOnce
            id="client-created"
            title="API Client Created"
            secret_name="Client Secret"
            values=vec![("Client ID", "client.client_id", "Client ID"), ("Client Secret", "client_secret", "Client Secret")]
            back=here(&[])
            opener="add-new-button".to_string()
        />
    }
}

#[component]
pub(super) fn EditClientPanel(
    id: String,
    /// The confirmation open over it.
    confirm: Option<Ask>,
    catalog: ScopeCatalog,
    types: ApplicationTypes,
    can: Can,
) -> impl IntoView {
    let loaded = Suspend::new(async move {
        let (client, usage) = futures::join!(
            get_api_client(id.clone()),
            credential_usage("api_client".to_string(), id.clone())
        );
        match client {
            Ok(client) => view! { <EditClient client usage confirm catalog types can/> }.into_any(),
            Err(e) => view! { <div class="alert alert-error" role="alert">{e.to_string()}</div> }
                .into_any(),
        }
    });
    view! { <Suspense fallback=|| ()>{loaded}</Suspense> }
}

#[component]
fn EditClient(
    client: ApiClientView,
    usage: Result<domain::models::UsageView, crate::error::AppError>,
    confirm: Option<Ask>,
    catalog: ScopeCatalog,
    types: ApplicationTypes,
    can: Can,
) -> impl IntoView {
    let refusal = [
        ServerAction::<UpdateApiClient>::new()
            .value()
            .get_untracked(),
        ServerAction::<SetApiClientDisabled>::new()
            .value()
            .get_untracked(),
    ]
    .into_iter()
    .flatten()
    .find_map(Result::err);
    let id = client.id.clone();
    let is_disabled = client.status == CredentialStatus::Disabled;
    let opener = format!("row-{id}");
    let name = client.name.clone();
    let confirm = (confirm == Some(Ask::Delete) && can.clients).then(|| {
        view! {
            <Confirm ask=Ask::Delete name=name.clone() id=id.clone() panel=Panel::EditClient action=DeleteApiClient::PATH>
                <p>
                    "The API Client " <strong>{name.clone()}</strong>
                    " stops working at once. This cannot be undone."
                </p>
            </Confirm>
        }
    });
    let toggle = can.admin.then(|| {
        view! {
            <form method="post" action=SetApiClientDisabled::PATH>
                <CsrfField/>
                <input type="hidden" name="id" value=id.clone()/>
                <input type="hidden" name="disabled" value=(!is_disabled).to_string()/>
                <button type="submit" class="btn">{if is_disabled { "Enable" } else { "Disable" }}</button>
            </form>
        }
    });
    let values = ClientValues::of(&client);
    let facts = view! {
        <CopyArea>
            <dl class="facts compact">
                <dt>"Client ID"</dt>
                <dd><CopyText value=client.client_id.clone() label="Client ID"/></dd>
                <dt>"Client Secret"</dt>
                <dd class="mono">
                    {format!("•••• {}", client.secret_last_four)}
                    {previous_line(client.previous_secret.clone())}
                </dd>
                <dt>"Status"</dt>
                <dd><span class=status_class(client.status == CredentialStatus::Active)>{client.status.as_str()}</span></dd>
                <dt>"Created"</dt>
                <dd>{format!("{} by {}", domain::credentials::date_of(client.created_at), client.created_by.clone())}</dd>
            </dl>
        </CopyArea>
    };
    let logo_url = client.logo_url.clone();
    view! {
        <SlideOver title="Edit API Client" opener=opener.clone()>
            <RpcForm>
                {read_only_note(can)}
                {facts}
                <form id="client-form" method="post" action=UpdateApiClient::PATH novalidate=true class="stack">
                    <CsrfField/>
                    <input type="hidden" name="id" value=id.clone()/>
                    <ClientFields values catalog types disabled=!can.clients refusal/>
                </form>
                <LogoField id=id.clone() url=logo_url disabled=!can.clients/>
                <ReplaceSecret
                    prefix="client"
                    button="Rotate secret"
                    action=RotateClientSecret::PATH
                    reveal="secret-rotated"
                    id=id.clone()
                    disabled=!can.clients
                />
                <UsagePanel kind="api_client" usage/>
                <div class="actions spread">
                    <div class="actions">
                        {asking_button(Ask::Delete, Panel::EditClient, &id, !can.clients)}
                        {toggle}
                    </div>
                    <div class="actions">
                        <QueryButton query=here(&[]) label="Cancel" class="btn btn-ghost" close=true/>
                        <button type="submit" form="client-form" class="btn btn-primary" disabled=!can.clients>
                            "Update"
                        </button>
                    </div>
                </div>
            </RpcForm>
        </SlideOver>
        {confirm}
        <ShownOnce
            id="secret-rotated"
            title="Client Secret Rotated"
            secret_name="new Client Secret"
            values=vec![("Client ID", "client.client_id", "Client ID"), ("Client Secret", "client_secret", "Client Secret")]
            back=here(&[])
            opener=opener
        />
    }
}
