//! The credential forms' inputs, and how they show a refused submission: next to the field it
//! belongs to, or at the top when it belongs to none.

use crate::error::AppError;
use leptos::prelude::*;

/// The message under `field`, if the last submission was refused for it.
pub(super) fn field_error(
    outcome: Signal<Option<AppError>>,
    field: &'static str,
) -> impl Fn() -> Option<AnyView> {
    move || {
        outcome
            .get()
            .and_then(|e| e.for_field(field))
            .map(|msg| view! { <p class="field-error">{msg}</p> }.into_any())
    }
}

/// `aria-invalid` for `field`'s input.
pub(super) fn invalid(
    outcome: Signal<Option<AppError>>,
    field: &'static str,
) -> impl Fn() -> Option<&'static str> {
    move || {
        outcome
            .get()
            .and_then(|e| e.for_field(field))
            .map(|_| "true")
    }
}

/// The alert at the top of the form for an error that names no field.
pub(super) fn general_error(outcome: Signal<Option<AppError>>) -> impl Fn() -> Option<AnyView> {
    move || {
        outcome
            .get()
            .and_then(|e| e.general())
            .map(|msg| view! { <div class="alert alert-error" role="alert">{msg}</div> }.into_any())
    }
}

/// A labelled text input bound to `value`, with its hint and its error.
#[component]
pub(super) fn BoundInput(
    id: &'static str,
    label: &'static str,
    /// The field name errors use (see `domain::credentials`).
    field: &'static str,
    value: RwSignal<String>,
    outcome: Signal<Option<AppError>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] disabled: bool,
    #[prop(optional)] placeholder: Option<&'static str>,
    #[prop(optional)] hint: Option<&'static str>,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input
                id=id
                type=kind
                disabled=disabled
                placeholder=placeholder
                aria-invalid=invalid(outcome, field)
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
            {hint.map(|hint| view! { <p class="hint">{hint}</p> })}
            {field_error(outcome, field)}
        </div>
    }
}
