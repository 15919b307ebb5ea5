//! Add API Client, Edit API Client, and the dialog that shows a new client's secret once.

use super::fields::{BoundInput, LimitFields, LimitValues, field_error, general_error, invalid};
use super::lifecycle::{ReplaceSecret, previous_line};
use super::logo::LogoField;
use super::usage_chart::UsagePanel;
use super::{ApiPage, Kind};
use crate::api::credentials::{
    CreateApiClient, RotateClientSecret, SetApiClientDisabled, UpdateApiClient,
};
use crate::components::copy::{CopyValue, ShownOnceDialog};
use crate::components::slide_over::SlideOver;
use crate::error::AppError;
use domain::credentials::{
    AllowedOrigins, ApplicationTypes, CUSTOM_APPLICATION_TYPE, CredentialName, CredentialStatus,
    Description, ScopeCatalog, form_date_of,
};
use domain::models::ApiClientView;
use leptos::prelude::*;

/// The form's values, kept in signals so that a refused submission keeps what was typed.
#[derive(Clone, Copy)]
struct ClientValues {
    name: RwSignal<String>,
    description: RwSignal<String>,
    origins: RwSignal<String>,
    /// The names of the ticked scopes.
    scopes: RwSignal<Vec<String>>,
    catalog: RwSignal<ScopeCatalog>,
    expiration: RwSignal<String>,
    limits: LimitValues,
    /// The chosen application type's id.
    app_type: RwSignal<String>,
    types: RwSignal<ApplicationTypes>,
}

impl ClientValues {
    fn new(catalog: RwSignal<ScopeCatalog>, types: RwSignal<ApplicationTypes>) -> Self {
        let defaults = catalog
            .get_untracked()
            .defaults()
            .as_slice()
            .iter()
            .map(|s| s.as_str().to_string())
            .collect();
        ClientValues {
            name: RwSignal::new(String::new()),
            description: RwSignal::new(String::new()),
            origins: RwSignal::new(String::new()),
            scopes: RwSignal::new(defaults),
            catalog,
            expiration: RwSignal::new(String::new()),
            limits: LimitValues::of(&Default::default()),
            app_type: RwSignal::new(CUSTOM_APPLICATION_TYPE.to_string()),
            types,
        }
    }

    fn of(
        client: &ApiClientView,
        catalog: RwSignal<ScopeCatalog>,
        types: RwSignal<ApplicationTypes>,
    ) -> Self {
        ClientValues {
            name: RwSignal::new(client.name.clone()),
            description: RwSignal::new(client.description.clone().unwrap_or_default()),
            origins: RwSignal::new(client.allowed_origins.join(", ")),
            scopes: RwSignal::new(client.scopes.clone()),
            catalog,
            expiration: RwSignal::new(client.expires_at.map(form_date_of).unwrap_or_default()),
            limits: LimitValues::of(&client.limits),
            app_type: RwSignal::new(client.application_type.clone()),
            types,
        }
    }

    /// The same rules the server applies (all but the date, which needs the server's clock),
    /// checked in the browser first so that a typo is answered at once.
    fn check(&self) -> Result<(), AppError> {
        CredentialName::parse(&self.name.get_untracked())?;
        Description::parse(&self.description.get_untracked())?;
        AllowedOrigins::parse_list(&self.origins.get_untracked())?;
        self.catalog.get_untracked().parse_scopes(&self.scopes())?;
        self.limits.check()
    }

    /// The ticked scopes, in the catalog's order, space-separated.
    fn scopes(&self) -> String {
        let ticked = self.scopes.get_untracked();
        self.catalog
            .get_untracked()
            .all()
            .iter()
            .filter(|s| ticked.contains(&s.name))
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn toggle(&self, name: &str, on: bool) {
        self.scopes.update(|ticked| {
            ticked.retain(|s| s != name);
            if on {
                ticked.push(name.to_string());
            }
        });
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
        <ApplicationTypeField values disabled outcome/>
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
            {move || {
                values
                    .catalog
                    .get()
                    .all()
                    .iter()
                    .enumerate()
                    .map(|(n, scope)| {
                        let name = scope.name.clone();
                        let checked_name = name.clone();
                        let toggled_name = name.clone();
                        let hint = format!("scope-hint-{n}");
                        view! {
                            <label class="checkbox">
                                <input
                                    type="checkbox"
                                    aria-describedby=hint.clone()
                                    prop:checked=move || values.scopes.get().contains(&checked_name)
                                    on:change=move |ev| values.toggle(&toggled_name, event_target_checked(&ev))
                                />
                                {name}
                            </label>
                            <p class="hint" id=hint>{scope.description.clone()}</p>
                        }
                    })
                    .collect_view()
            }}
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
        <LimitFields prefix="client" values=values.limits outcome disabled/>
    }
}

/// **Application type**: `Custom` or one of the operator's, with its guide when it has one.
#[component]
fn ApplicationTypeField(
    values: ClientValues,
    disabled: bool,
    outcome: Signal<Option<AppError>>,
) -> impl IntoView {
    let guide = move || {
        let chosen = values.app_type.get();
        values
            .types
            .get()
            .find(&chosen)
            .and_then(|t| t.guide_url.map(|url| (t.label, url)))
            .map(|(label, url)| {
                view! {
                    <p class="hint">
                        <a href=url target="_blank" rel="noopener noreferrer">{format!("{label} guide")}</a>
                    </p>
                }
            })
    };
    view! {
        <div class="field">
            <label for="client-application-type">"Application type"</label>
            <select
                id="client-application-type"
                disabled=disabled
                aria-invalid=invalid(outcome, "application_type")
                on:change=move |ev| values.app_type.set(event_target_value(&ev))
            >
                {move || {
                    let chosen = values.app_type.get();
                    let types = values.types.get();
                    let mut all = types.all();
                    // A type the operator has since removed stays visible on its clients.
                    if types.find(&chosen).is_none() {
                        all.push(domain::credentials::ApplicationType {
                            id: chosen.clone(),
                            label: chosen.clone(),
                            guide_url: None,
                        });
                    }
                    all.into_iter()
                        .map(|t| {
                            let selected = t.id == chosen;
                            view! { <option value=t.id selected=selected>{t.label}</option> }
                        })
                        .collect_view()
                }}
            </select>
            {guide}
            {field_error(outcome, "application_type")}
        </div>
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
    let values = ClientValues::new(page.scopes, page.app_types);
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
            rate_limit_requests: values.limits.rate_requests.get_untracked(),
            rate_limit_per: values.limits.rate_per.get_untracked(),
            quota_requests: values.limits.quota_requests.get_untracked(),
            quota_per: values.limits.quota_per.get_untracked(),
            application_type: values.app_type.get_untracked(),
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
    let values = ClientValues::of(&client, page.scopes, page.app_types);
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
            rate_limit_requests: values.limits.rate_requests.get_untracked(),
            rate_limit_per: values.limits.rate_per.get_untracked(),
            quota_requests: values.limits.quota_requests.get_untracked(),
            quota_per: values.limits.quota_per.get_untracked(),
            application_type: values.app_type.get_untracked(),
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
    let rotate = {
        let id = client.id.clone();
        move |keep_old_for_seconds: String| {
            page.rotate_client.dispatch(RotateClientSecret {
                id: id.clone(),
                keep_old_for_seconds,
            });
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
                    <dd class="mono">
                        {format!("•••• {}", client.secret_last_four)}
                        {previous_line(client.previous_secret.clone())}
                    </dd>
                    <dt>"Status"</dt>
                    <dd><span class=status_class>{client.status.as_str()}</span></dd>
                    <dt>"Created"</dt>
                    <dd>{format!("{} by {}", domain::credentials::date_of(client.created_at), client.created_by)}</dd>
                </dl>
                <ClientFields values disabled outcome/>
                <LogoField page id=client.id.clone() url=client.logo_url.clone() disabled/>
                <ReplaceSecret
                    prefix="client"
                    button="Rotate secret"
                    disabled
                    pending=page.rotate_client.pending()
                    error=Signal::derive(move || page.rotate_client.value().get().and_then(Result::err))
                    on_replace=rotate
                />
                <UsagePanel kind="api_client" id=client.id.clone()/>
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
                    (
                        "Client Secret",
                        created.client_secret.into_exposed(),
                        "Client Secret",
                    ),
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
