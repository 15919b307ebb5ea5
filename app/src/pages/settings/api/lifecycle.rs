//! The credential lifecycle on the API page (PRODUCT.md §10): **Rotate secret** and
//! **Regenerate token** with **Keep the old secret working for** (the new value revealed once,
//! in its dialog), what the tables show of a kept old secret, and the **Delete NAME?** and
//! **Revoke NAME?** confirmations over an Edit slide-over.

use super::{Ask, Panel, here};
use crate::components::modal::{ModalDialog, QueryButton};
use crate::components::rpc_form::RpcForm;
use crate::csrf::CsrfField;
use domain::audit::shown_time;
use domain::credentials::KEEP_OLD_CHOICES;
use domain::models::PreviousSecretView;
use leptos::prelude::*;

/// The grace choice and the button that replaces a secret: a form posted to `action`, whose
/// answer (the new value) `RpcForm` writes into the hidden dialog `#{reveal}`.
#[component]
pub(super) fn ReplaceSecret(
    /// For the ids of the select and its label.
    prefix: &'static str,
    button: &'static str,
    action: &'static str,
    reveal: &'static str,
    id: String,
    disabled: bool,
) -> impl IntoView {
    let select_id = format!("{prefix}-keep-old");
    let error_id = format!("{prefix}-keep-old-error");
    view! {
        <form method="post" action=action data-reveal=reveal class="replace-secret-form">
            <CsrfField/>
            <input type="hidden" name="id" value=id/>
            <fieldset class="field replace-secret" disabled=disabled>
                <legend>{button}</legend>
                <label for=select_id.clone()>"Keep the old secret working for"</label>
                <div class="inline">
                    <select id=select_id name="keep_old_for_seconds" aria-describedby=error_id.clone()>
                        // 24 hours unless chosen otherwise: long enough to redeploy, short
                        // enough to matter.
                        {KEEP_OLD_CHOICES
                            .iter()
                            .map(|(seconds, label)| {
                                view! { <option value=seconds.to_string() selected=*seconds == 86_400>{*label}</option> }
                            })
                            .collect_view()}
                    </select>
                    // Posted without JavaScript the new value would be lost: see `RpcForm`.
                    <button type="submit" class="btn" disabled=true data-needs-script="">{button}</button>
                </div>
                <p class="field-error" id=error_id role="alert" data-error-for="" hidden=true></p>
            </fieldset>
        </form>
    }
}

/// The button of an Edit slide-over that opens the `ask` confirmation: its text, and its place
/// in the URL; the focus comes back to it when the confirmation is cancelled.
pub(super) fn asking_button(
    ask: Ask,
    panel: Panel,
    id: &str,
    disabled: bool,
) -> impl IntoView + use<> {
    view! {
        <QueryButton
            query=here(&[("panel", panel.code()), ("id", id), ("confirm", ask.code())])
            label=ask.verb()
            class="btn btn-danger-outline"
            focus_key=asking_key(ask, id)
            disabled
        />
    }
}

fn asking_key(ask: Ask, id: &str) -> String {
    format!("{}-{id}", ask.code())
}

/// Under a last four in a table or a slide-over: the kept old one and when it stops.
pub(super) fn previous_line(previous: Option<PreviousSecretView>) -> Option<AnyView> {
    previous.map(|p| {
        view! {
            <span class="previous-secret mono">
                {format!("•••• {} until {}", p.last_four, shown_time(p.expires_at))}
            </span>
        }
        .into_any()
    })
}

/// **Delete NAME?** or **Revoke NAME?** over an Edit slide-over: **Cancel** goes back to it (the
/// focus on the button that asked), the other button posts `id` to `action`.
#[component]
pub(super) fn Confirm(
    ask: Ask,
    name: String,
    id: String,
    /// The slide-over under it.
    panel: Panel,
    action: &'static str,
    children: Children,
) -> impl IntoView {
    let (title, button) = (format!("{} {name}?", ask.verb()), ask.verb());
    view! {
        <ModalDialog title opener=asking_key(ask, &id)>
            {children()}
            <RpcForm>
                <div class="alert alert-error" role="alert" data-error-for="" hidden=true></div>
                <div class="actions">
                    <QueryButton query=here(&[("panel", panel.code()), ("id", &id)]) label="Cancel" class="btn btn-ghost" close=true/>
                    <form method="post" action=action>
                        <CsrfField/>
                        <input type="hidden" name="id" value=id.clone()/>
                        <button type="submit" class="btn btn-danger">{button}</button>
                    </form>
                </div>
            </RpcForm>
        </ModalDialog>
    }
}
