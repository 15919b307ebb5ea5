//! `/account/password`: Account › Change password. A server-rendered form, like the sign-in
//! pages, so it works before (or without) the WASM.

use super::auth::AuthLayout;
use crate::api::account::ChangePassword;
use crate::components::field::{Field, FormAlert};
use crate::components::rpc_form::RpcForm;
use crate::csrf::CsrfField;
use crate::error::{field_error, general_error};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn ChangePasswordPage() -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    let outcome = Signal::derive(move || action.value().get());
    let error =
        move |field: &'static str| Signal::derive(move || field_error(&outcome.get(), field));
    // The server function comes back here with `?changed=1`.
    let changed = move || use_query_map().read().get("changed").is_some();
    view! {
        <AuthLayout
            title="Change password"
            subtitle="Your other sessions are signed out when the password changes."
        >
            <Show when=changed>
                <div class="alert alert-success" role="status">
                    "Your password was changed. Your other sessions were signed out."
                </div>
            </Show>
            <RpcForm>
                <ActionForm action=action attr:novalidate=true attr:class="stack">
                    <FormAlert message=Signal::derive(move || general_error(&outcome.get()))/>
                    <CsrfField/>
                    <Field
                        label="Current password"
                        name="current_password"
                        kind="password"
                        autocomplete="current-password"
                        error=error("current_password")
                    />
                    <Field
                        label="New password"
                        name="new_password"
                        kind="password"
                        autocomplete="new-password"
                        error=error("new_password")
                    />
                    <p class="hint">"12 to 128 characters."</p>
                    <button type="submit" class="btn btn-primary">
                        "Change password"
                    </button>
                </ActionForm>
            </RpcForm>
            <p class="muted"><a href="/">"Back to the console"</a></p>
        </AuthLayout>
    }
}
