//! The credential forms' inputs, rendered by the server with what they hold. Each has its
//! error's slot (`[data-error-for=FIELD]`, described by the input): `RpcForm` writes a refusal
//! into it; without JavaScript the server writes the refusal the page came back with.

use crate::components::field::FormAlert;
use crate::error::AppError;
use domain::credentials::{Limits, QuotaUnit, RateUnit, Unit};
use leptos::prelude::*;

/// The last refusal of the form, when the page came back with one (no JavaScript).
pub(super) type Refusal = Option<AppError>;

fn message_for(refusal: &Refusal, field: &str) -> Option<String> {
    refusal.as_ref().and_then(|e| e.for_field(field))
}

/// The slot for what the server says about `field`, with the id the input points at.
#[component]
pub(super) fn ErrorSlot(id: String, field: &'static str, refusal: Refusal) -> impl IntoView {
    let message = message_for(&refusal, field);
    let empty = message.is_none();
    view! {
        <p class="field-error" id=id data-error-for=field hidden=empty>{message}</p>
    }
}

/// The alert at the top of a form for a refusal that names no field.
#[component]
pub(super) fn FormError(refusal: Refusal) -> impl IntoView {
    let message = refusal.as_ref().and_then(AppError::general);
    view! { <FormAlert message=Signal::stored(message)/> }
}

/// A labelled input (or, `kind="textarea"`, a text area) with its hint and its error's slot.
#[component]
pub(super) fn TextField(
    id: &'static str,
    label: &'static str,
    /// The name the form posts it under.
    name: &'static str,
    /// The field the server names in a refusal.
    field: &'static str,
    value: String,
    refusal: Refusal,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] placeholder: Option<&'static str>,
    #[prop(optional)] hint: Option<&'static str>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let hint_id = hint.map(|_| format!("{id}-hint"));
    let described = match &hint_id {
        Some(h) => format!("{error_id} {h}"),
        None => error_id.clone(),
    };
    let invalid = message_for(&refusal, field).map(|_| "true");
    let input = if kind == "textarea" {
        view! {
            <textarea id=id name=name rows="3" aria-describedby=described aria-invalid=invalid>{value}</textarea>
        }
        .into_any()
    } else {
        view! {
            <input
                id=id
                name=name
                type=kind
                value=value
                placeholder=placeholder
                autocomplete="off"
                aria-describedby=described
                aria-invalid=invalid
            />
        }
        .into_any()
    };
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {input}
            {hint.map(|hint| view! { <p class="hint" id=hint_id>{hint}</p> })}
            <ErrorSlot id=error_id field refusal/>
        </div>
    }
}

/// One limit: the number of requests and the unit, labelled together; posted as
/// `{name}_requests` and `{name}_per`.
#[component]
fn LimitInput<U: Unit + Send + Sync + PartialEq + 'static>(
    id: &'static str,
    name: &'static str,
    requests: String,
    per: U,
    refusal: Refusal,
    hint: &'static str,
) -> impl IntoView {
    let unit_id = format!("{id}-per");
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let invalid = message_for(&refusal, U::FIELD).map(|_| "true");
    view! {
        <fieldset class="field limit">
            <legend>{U::LABEL}</legend>
            <div class="limit-inputs">
                <label class="visually-hidden" for=id>{format!("{} requests", U::LABEL)}</label>
                <input
                    id=id
                    name=format!("{name}_requests")
                    type="number"
                    min="1"
                    step="1"
                    inputmode="numeric"
                    placeholder="No limit"
                    value=requests
                    aria-describedby=format!("{hint_id} {error_id}")
                    aria-invalid=invalid
                />
                <label for=unit_id.clone()>"requests per"</label>
                <select id=unit_id name=format!("{name}_per")>
                    {U::ALL
                        .iter()
                        .map(|u| view! { <option value=u.as_str() selected=*u == per>{u.as_str()}</option> })
                        .collect_view()}
                </select>
            </div>
            <p class="hint" id=hint_id>{hint}</p>
            <ErrorSlot id=error_id field=U::FIELD refusal/>
        </fieldset>
    }
}

/// Both limits, as the Add and Edit slide-overs show them.
#[component]
pub(super) fn LimitFields(
    /// `client` or `token`: the inputs' ids.
    prefix: &'static str,
    limits: Limits,
    refusal: Refusal,
) -> impl IntoView {
    let (rate_id, quota_id) = match prefix {
        "token" => ("token-rate-limit", "token-quota"),
        _ => ("client-rate-limit", "client-quota"),
    };
    let (rate, rate_per) = match limits.rate_limit {
        Some(l) => (l.requests.to_string(), l.per),
        None => (String::new(), RateUnit::Minute),
    };
    let (quota, quota_per) = match limits.quota {
        Some(l) => (l.requests.to_string(), l.per),
        None => (String::new(), QuotaUnit::Day),
    };
    view! {
        <LimitInput
            id=rate_id
            name="rate_limit"
            requests=rate
            per=rate_per
            refusal=refusal.clone()
            hint="Optional. Beyond it, requests get 429 until the window (of a second, minute or hour) ends."
        />
        <LimitInput
            id=quota_id
            name="quota"
            requests=quota
            per=quota_per
            refusal
            hint="Optional. Requests per day, or per 30 days (month)."
        />
    }
}
