//! The credential forms' inputs, and how they show a refused submission: next to the field it
//! belongs to, or at the top when it belongs to none.

use crate::error::AppError;
use domain::credentials::{Limits, QuotaUnit, RateUnit, Unit};
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

/// The **Rate limit** and **Quota** inputs: a number of requests and a unit each; an empty
/// number is no limit.
#[derive(Clone, Copy)]
pub(super) struct LimitValues {
    pub rate_requests: RwSignal<String>,
    pub rate_per: RwSignal<String>,
    pub quota_requests: RwSignal<String>,
    pub quota_per: RwSignal<String>,
}

impl LimitValues {
    pub fn of(limits: &Limits) -> Self {
        let (rate_requests, rate_per) = match limits.rate_limit {
            Some(l) => (l.requests.to_string(), l.per.as_str()),
            None => (String::new(), RateUnit::Minute.as_str()),
        };
        let (quota_requests, quota_per) = match limits.quota {
            Some(l) => (l.requests.to_string(), l.per.as_str()),
            None => (String::new(), QuotaUnit::Day.as_str()),
        };
        LimitValues {
            rate_requests: RwSignal::new(rate_requests),
            rate_per: RwSignal::new(rate_per.to_string()),
            quota_requests: RwSignal::new(quota_requests),
            quota_per: RwSignal::new(quota_per.to_string()),
        }
    }

    /// The server's rules, checked in the browser first.
    pub fn check(&self) -> Result<(), AppError> {
        Limits::parse_form(
            &self.rate_requests.get_untracked(),
            &self.rate_per.get_untracked(),
            &self.quota_requests.get_untracked(),
            &self.quota_per.get_untracked(),
        )?;
        Ok(())
    }
}

/// One limit: the number of requests and the unit, labelled together.
#[component]
fn LimitInput<U: Unit + Send + Sync>(
    id: &'static str,
    requests: RwSignal<String>,
    per: RwSignal<String>,
    outcome: Signal<Option<AppError>>,
    disabled: bool,
    hint: &'static str,
    #[prop(optional)] _unit: Option<U>,
) -> impl IntoView {
    let unit_id = format!("{id}-per");
    let hint_id = format!("{id}-hint");
    view! {
        <fieldset class="field limit" disabled=disabled>
            <legend>{U::LABEL}</legend>
            <div class="limit-inputs">
                <label class="visually-hidden" for=id>{format!("{} requests", U::LABEL)}</label>
                <input
                    id=id
                    type="number"
                    min="1"
                    step="1"
                    inputmode="numeric"
                    placeholder="No limit"
                    aria-describedby=hint_id.clone()
                    aria-invalid=invalid(outcome, U::FIELD)
                    prop:value=move || requests.get()
                    on:input=move |ev| requests.set(event_target_value(&ev))
                />
                <label for=unit_id.clone()>"requests per"</label>
                <select
                    id=unit_id
                    prop:value=move || per.get()
                    on:change=move |ev| per.set(event_target_value(&ev))
                >
                    {U::ALL
                        .iter()
                        .map(|u| view! { <option value=u.as_str()>{u.as_str()}</option> })
                        .collect_view()}
                </select>
            </div>
            <p class="hint" id=hint_id>{hint}</p>
            {field_error(outcome, U::FIELD)}
        </fieldset>
    }
}

/// Both limits, as the Add and Edit slide-overs show them.
#[component]
pub(super) fn LimitFields(
    prefix: &'static str,
    values: LimitValues,
    outcome: Signal<Option<AppError>>,
    disabled: bool,
) -> impl IntoView {
    let (rate_id, quota_id) = match prefix {
        "token" => ("token-rate-limit", "token-quota"),
        _ => ("client-rate-limit", "client-quota"),
    };
    view! {
        <LimitInput<RateUnit>
            id=rate_id
            requests=values.rate_requests
            per=values.rate_per
            outcome
            disabled
            hint="Optional. Beyond it, requests get 429 until the window (of a second, minute or hour) ends."
        />
        <LimitInput<QuotaUnit>
            id=quota_id
            requests=values.quota_requests
            per=values.quota_per
            outcome
            disabled
            hint="Optional. Requests per day, or per 30 days (month)."
        />
    }
}
