use crate::api::members::RenameOrganization;
use crate::components::field::{Field, FormAlert};
use crate::components::rpc_form::RpcForm;
use crate::error::{field_error, general_error};
use domain::models::Me;
use leptos::prelude::*;

/// Settings › Organization › General, rendered by the server. A rename comes back here with
/// `updated` (the new name shows across the page).
#[component]
pub fn GeneralSettings(me: Me, updated: bool) -> impl IntoView {
    let rename = ServerAction::<RenameOrganization>::new();
    let outcome = Signal::derive(move || rename.value().get());
    let is_admin = me.permissions.can_manage_members();
    let access = if me.organization.api_access {
        "On"
    } else {
        "Off"
    };
    view! {
        <div class="settings-page">
            <h3>"General"</h3>
            {if is_admin {
                view! {
                    <RpcForm>
                    <ActionForm action=rename attr:novalidate=true attr:class="stack narrow">
                        <crate::csrf::CsrfField/>
                        <FormAlert message=Signal::derive(move || general_error(&outcome.get()))/>
                        <Field
                            label="Organization name"
                            name="name"
                            value=me.organization.name.clone()
                            refused_as="organization_name"
                            error=Signal::derive(move || field_error(&outcome.get(), "organization_name"))
                        />
                        <div class="actions">
                            <button type="submit" class="btn btn-primary">
                                "Save"
                            </button>
                        </div>
                        {updated.then(|| view! {
                            <div class="alert alert-success" role="status">"Organization updated"</div>
                        })}
                    </ActionForm>
                    </RpcForm>
                }
                .into_any()
            } else {
                view! {
                    <dl class="facts">
                        <dt>"Organization name"</dt>
                        <dd>{me.organization.name.clone()}</dd>
                    </dl>
                }
                .into_any()
            }}
            <dl class="facts">
                <dt>"API access"</dt>
                <dd>{access}</dd>
            </dl>
            <p class="hint">"API access belongs to your plan; the operator of this Portcullis instance switches it."</p>
        </div>
    }
}
