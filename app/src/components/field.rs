use leptos::prelude::*;

/// A labelled input with its error right below it. The input keeps what was typed. The error's
/// slot is always there (hidden while empty): `rpc_form::RpcForm` writes into it.
#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional, into)] value: Option<String>,
    /// The field the server names in its refusals, when not the input's `name` (the rename
    /// form's `name` is refused as `organization_name`).
    #[prop(optional)]
    refused_as: Option<&'static str>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let described = error_id.clone();
    view! {
        <div class="field" class:has-error=move || error.get().is_some()>
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                value=value
                aria-invalid=move || error.get().map(|_| "true")
                aria-describedby=described
            />
            <p class="field-error" id=error_id data-error-for=refused_as.unwrap_or(name) hidden=move || error.get().is_none()>
                {move || error.get()}
            </p>
        </div>
    }
}

/// A message for the whole form (not one field); its slot is always there, hidden while empty.
#[component]
pub fn FormAlert(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <div class="alert alert-error" role="alert" data-error-for="" hidden=move || message.get().is_none()>
            {move || message.get()}
        </div>
    }
}
