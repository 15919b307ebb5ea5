//! The credential lifecycle on the API page (PRODUCT.md §10): **Rotate secret** and
//! **Regenerate token** with **Keep the old secret working for**, the dialogs that show the new
//! value once, the **Revoke NAME?** confirmation, and what the tables show of a kept old
//! secret.

use super::ApiPage;
use crate::api::credentials::RevokeRestrictedToken;
use crate::components::copy::ShownOnceDialog;
use crate::components::dialog::Dialog;
use crate::error::AppError;
use domain::audit::shown_time;
use domain::credentials::KEEP_OLD_CHOICES;
use domain::models::PreviousSecretView;
use leptos::prelude::*;

/// The grace choice and the button that replaces a secret. `on_replace` gets the chosen
/// number of seconds, as the server parses it.
#[component]
pub(super) fn ReplaceSecret(
    /// For the ids of the select and its label.
    prefix: &'static str,
    button: &'static str,
    disabled: bool,
    #[prop(into)] pending: Signal<bool>,
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(into)] on_replace: Callback<String>,
) -> impl IntoView {
    // 24 hours unless chosen otherwise: long enough to redeploy, short enough to matter.
    let keep = RwSignal::new("86400".to_string());
    let select_id = format!("{prefix}-keep-old");
    view! {
        <fieldset class="field replace-secret" disabled=disabled>
            <legend>{button}</legend>
            <label for=select_id.clone()>"Keep the old secret working for"</label>
            <div class="inline">
                <select
                    id=select_id
                    prop:value=move || keep.get()
                    on:change=move |ev| keep.set(event_target_value(&ev))
                >
                    {KEEP_OLD_CHOICES
                        .iter()
                        .map(|(seconds, label)| {
                            let value = seconds.to_string();
                            let selected = value == "86400";
                            view! { <option value=value selected=selected>{*label}</option> }
                        })
                        .collect_view()}
                </select>
                <button
                    type="button"
                    class="btn"
                    disabled=move || disabled || pending.get()
                    on:click=move |_| on_replace.run(keep.get_untracked())
                >
                    {button}
                </button>
            </div>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e.to_string()}</p> })}
        </fieldset>
    }
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

#[component]
pub(super) fn SecretRotatedDialog(page: ApiPage) -> impl IntoView {
    move || {
        page.rotate_client
            .value()
            .get()
            .and_then(Result::ok)
            .map(|rotated| {
                let values = vec![
                    ("Client ID", rotated.client.client_id, "Client ID"),
                    (
                        "Client Secret",
                        rotated.client_secret.into_exposed(),
                        "Client Secret",
                    ),
                ];
                view! {
                    <ShownOnceDialog
                        title="Client Secret Rotated"
                        secret_name="new Client Secret"
                        values
                        on_close=move |()| page.rotate_client.value().set(None)
                    />
                }
            })
    }
}

#[component]
pub(super) fn TokenRegeneratedDialog(page: ApiPage) -> impl IntoView {
    move || {
        page.regenerate_token
            .value()
            .get()
            .and_then(Result::ok)
            .map(|regenerated| {
                // "Copy value", as on creation: "Token" would collide with the Ok button.
                let values = vec![("Token", regenerated.secret.into_exposed(), "value")];
                view! {
                    <ShownOnceDialog
                        title="Restricted Access Token Regenerated"
                        secret_name="new token"
                        values
                        on_close=move |()| page.regenerate_token.value().set(None)
                    />
                }
            })
    }
}

#[component]
pub(super) fn RevokeDialog(page: ApiPage) -> impl IntoView {
    let error = move || page.revoke_token.value().get().and_then(Result::err);
    move || {
        page.confirm_revoke.get().map(|(id, name)| {
            let revoke = move |_| {
                page.revoke_token
                    .dispatch(RevokeRestrictedToken { id: id.clone() });
            };
            view! {
                <Dialog title=format!("Revoke {name}?") on_close=move |()| page.confirm_revoke.set(None)>
                    <p>
                        "The Restricted Access Token " <strong>{name.clone()}</strong>
                        " stops working at once and for good. It stays listed as revoked and can "
                        "no longer be changed; you can still delete it."
                    </p>
                    {move || error().map(|e| view! { <div class="alert alert-error" role="alert">{e.to_string()}</div> })}
                    <div class="actions">
                        <button type="button" class="btn btn-ghost" on:click=move |_| page.confirm_revoke.set(None)>
                            "Cancel"
                        </button>
                        <button type="button" class="btn btn-danger" on:click=revoke>"Revoke"</button>
                    </div>
                </Dialog>
            }
        })
    }
}
