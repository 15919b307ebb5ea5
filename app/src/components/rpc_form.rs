//! Forms that post to a server function, written once for every page the server renders.
//!
//! The form is HTML from the server: `<form method="post" action="/rpc/...">` with the
//! anti-forgery field, each input followed by its error slot (`[data-error-for="name"]`, see
//! `field::Field`) and one slot for the whole form (`[data-error-for=""]`, `field::FormAlert`).
//! Without the WASM the browser posts it; the server function redirects to the next page, or
//! back with the error, which the server renders in those slots. With the WASM this island
//! posts it by `fetch` instead, so what was typed stays: a refusal is written into its slot
//! (the field marked invalid and focused), or into the island's own slot for the whole page
//! (`[data-error-for=""]` outside the forms) when the form has none; a success goes where the
//! server function redirects, or loads the page again. A form marked `data-submit-on-change`
//! is submitted when one of its inputs changes (a role select; without JavaScript it carries
//! a `<noscript>` submit button); a select marked `data-guides` shows, of the `[data-guide]`
//! elements beside it, the one for its value. No per-function code runs in the browser: one island serves
//! every form.
//!
//! A value shown only once (an invite link, a new secret) must never travel through a URL, so
//! a form marked `data-reveal="ID"` does not go anywhere on success: its answer (JSON) is
//! written into the hidden element `#ID` (`[data-reveal-text="key"]`, `[data-reveal-value]`,
//! `[data-reveal-href]`; an empty key is the whole answer, `a.b` a field), which is then shown
//! in place of the form's dialog. Such a form's submit button carries `data-needs-script` and is
//! rendered disabled: posted by the browser alone, the value would be lost. This island enables
//! it once it runs.

use leptos::prelude::*;

/// Wraps one server-rendered `<form>` (or several, each handled on its own).
#[island]
pub fn RpcForm(children: Children) -> impl IntoView {
    let submit = move |ev: leptos::ev::SubmitEvent| {
        #[cfg(target_arch = "wasm32")]
        browser::submit(ev);
        #[cfg(not(target_arch = "wasm32"))]
        let _ = ev;
    };
    let change = move |ev: leptos::ev::Event| {
        #[cfg(target_arch = "wasm32")]
        browser::submit_on_change(ev);
        #[cfg(not(target_arch = "wasm32"))]
        let _ = ev;
    };
    let wrapper = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        #[cfg(target_arch = "wasm32")]
        if let Some(wrapper) = wrapper.get() {
            browser::enable_script_buttons(&wrapper);
        }
    });
    view! {
        <div class="rpc-form" node_ref=wrapper on:submit=submit on:change=change>
            {children()}
        </div>
    }
}

/// A form whose answer is shown only once (see `data-reveal` above), inside an `RpcForm`: the
/// form, a note for those without JavaScript, **Cancel** (back to `back`) and its submit button,
/// disabled until the island runs (or for good, when not `enabled`).
#[component]
pub fn RevealForm(
    id: &'static str,
    action: &'static str,
    /// The id of the hidden dialog the answer is written into.
    reveal: &'static str,
    /// Why the form needs JavaScript, for those without it.
    needs_script: &'static str,
    back: Vec<(&'static str, String)>,
    submit: &'static str,
    #[prop(default = true)] enabled: bool,
    children: Children,
) -> impl IntoView {
    view! {
        <form id=id method="post" action=action novalidate=true class="stack" data-reveal=reveal>
            <crate::csrf::CsrfField/>
            {children()}
        </form>
        <noscript>
            <p class="hint">{needs_script}</p>
        </noscript>
        <div class="actions">
            <super::modal::QueryButton query=back label="Cancel" class="btn btn-ghost" close=true/>
            <button
                type="submit"
                form=id
                class="btn btn-primary"
                disabled=true
                data-needs-script=enabled.then_some("")
            >
                {submit}
            </button>
        </div>
    }
}

#[cfg(target_arch = "wasm32")]
mod browser {
    use crate::error::AppError;
    use leptos::prelude::*;
    use wasm_bindgen::{JsCast, JsValue};
    use web_sys::{Element, FormData, HtmlElement, HtmlFormElement, RequestInit, Response};

    pub fn enable_script_buttons(wrapper: &Element) {
        for button in all(wrapper, "button[data-needs-script]") {
            let _ = button.remove_attribute("disabled");
        }
    }

    pub fn submit_on_change(ev: leptos::ev::Event) {
        let control = ev.target().and_then(|t| t.dyn_into::<Element>().ok());
        if let Some(select) = control.as_ref().filter(|c| c.has_attribute("data-guides")) {
            show_guide(select);
        }
        let form = control
            .and_then(|control| {
                control
                    .closest("form[data-submit-on-change]")
                    .ok()
                    .flatten()
            })
            .and_then(|form| form.dyn_into::<HtmlFormElement>().ok());
        if let Some(form) = form {
            let _ = form.request_submit();
        }
    }

    /// A select marked `data-guides`: of the `[data-guide=VALUE]` elements in its field, only the
    /// one for the chosen value shows.
    fn show_guide(select: &Element) {
        let Some(chosen) = select
            .dyn_ref::<web_sys::HtmlSelectElement>()
            .map(web_sys::HtmlSelectElement::value)
        else {
            return;
        };
        let Some(field) = select.parent_element() else {
            return;
        };
        for guide in all(&field, "[data-guide]") {
            if guide.get_attribute("data-guide").as_deref() == Some(chosen.as_str()) {
                let _ = guide.remove_attribute("hidden");
            } else {
                let _ = guide.set_attribute("hidden", "");
            }
        }
    }

    pub fn submit(ev: leptos::ev::SubmitEvent) {
        let Some(form) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlFormElement>().ok())
        else {
            return;
        };
        let Some(wrapper) = ev
            .current_target()
            .and_then(|t| t.dyn_into::<Element>().ok())
        else {
            return;
        };
        // A form that is not a server function's (a GET form, say) goes on as it is.
        if !form.method().eq_ignore_ascii_case("post") {
            return;
        }
        ev.prevent_default();
        if form.get_attribute("aria-busy").as_deref() == Some("true") {
            return;
        }
        let Ok(body) = FormData::new_with_form(&form)
            .and_then(|data| web_sys::UrlSearchParams::new_with_str_sequence_sequence(&data))
        else {
            return;
        };
        clear_errors(&wrapper);
        let _ = form.set_attribute("aria-busy", "true");
        let reveal = form.get_attribute("data-reveal");
        leptos::task::spawn_local(async move {
            let outcome = post(&form.action(), &body.to_string().into()).await;
            let _ = form.remove_attribute("aria-busy");
            match outcome {
                Ok(answer) => match (reveal, answer.redirect) {
                    (Some(id), _) => show_answer(&form, &id, &answer.body),
                    (None, Some(next)) => {
                        let _ = window().location().assign(&next);
                    }
                    (None, None) => {
                        let _ = window().location().reload();
                    }
                },
                Err(error) => show_error(&wrapper, &form, &error),
            }
        });
    }

    /// A server function's successful answer: where it redirects, and its body.
    struct Answer {
        redirect: Option<String>,
        body: String,
    }

    /// Posts the form; answers the success, or the refusal.
    async fn post(url: &str, body: &JsValue) -> Result<Answer, AppError> {
        let transport = |e: JsValue| AppError::Transport(format!("{e:?}"));
        let init = RequestInit::new();
        init.set_method("POST");
        init.set_body(body);
        let headers = web_sys::Headers::new().map_err(transport)?;
        headers
            .set(crate::csrf::CSRF_HEADER, &crate::csrf::csrf_token())
            .map_err(transport)?;
        headers
            .set("accept", "application/json")
            .map_err(transport)?;
        headers
            .set("content-type", "application/x-www-form-urlencoded")
            .map_err(transport)?;
        init.set_headers(&headers);
        let answer =
            wasm_bindgen_futures::JsFuture::from(window().fetch_with_str_and_init(url, &init))
                .await
                .map_err(transport)?;
        let response: Response = answer.dyn_into().map_err(transport)?;
        let text = wasm_bindgen_futures::JsFuture::from(response.text().map_err(transport)?)
            .await
            .map_err(transport)?
            .as_string()
            .unwrap_or_default();
        if !response.ok() {
            return Err(leptos::serde_json::from_str(&text).unwrap_or(AppError::Internal));
        }
        let redirected = response
            .headers()
            .has(server_fn::redirect::REDIRECT_HEADER)
            .unwrap_or(false);
        Ok(Answer {
            redirect: redirected
                .then(|| response.headers().get("location").ok().flatten())
                .flatten(),
            body: text,
        })
    }

    /// The field at `path` (`a.b`; empty: the whole answer) of a JSON answer, as text.
    fn field_of(answer: &JsValue, path: &str) -> String {
        let value =
            path.split('.')
                .filter(|key| !key.is_empty())
                .fold(answer.clone(), |value, key| {
                    js_sys::Reflect::get(&value, &JsValue::from_str(key))
                        .unwrap_or(JsValue::UNDEFINED)
                });
        value.as_string().unwrap_or_default()
    }

    /// Writes the answer into `#id`, shows it in place of the form's dialog, and focuses it.
    fn show_answer(form: &HtmlFormElement, id: &str, body: &str) {
        let answer = js_sys::JSON::parse(body).unwrap_or(JsValue::NULL);
        let Some(shown) = document().get_element_by_id(id) else {
            return;
        };
        for el in all(&shown, "[data-reveal-text]") {
            let path = el.get_attribute("data-reveal-text").unwrap_or_default();
            el.set_text_content(Some(&field_of(&answer, &path)));
        }
        for el in all(&shown, "[data-reveal-href]") {
            let path = el.get_attribute("data-reveal-href").unwrap_or_default();
            let _ = el.set_attribute("href", &field_of(&answer, &path));
        }
        for el in all(&shown, "[data-reveal-value]") {
            let path = el.get_attribute("data-reveal-value").unwrap_or_default();
            if let Ok(input) = el.dyn_into::<web_sys::HtmlInputElement>() {
                input.set_value(&field_of(&answer, &path));
            }
        }
        if let Some(layer) = form.closest(".modal-layer").ok().flatten() {
            let _ = layer.set_attribute("hidden", "");
        }
        let _ = shown.remove_attribute("hidden");
        if let Some(dialog) = shown
            .query_selector("[role=\"dialog\"]")
            .ok()
            .flatten()
            .and_then(|d| d.dyn_into::<HtmlElement>().ok())
        {
            let _ = dialog.focus();
        }
    }

    fn all(root: &Element, selector: &str) -> Vec<Element> {
        let Ok(list) = root.query_selector_all(selector) else {
            return Vec::new();
        };
        (0..list.length())
            .filter_map(|i| list.item(i))
            .filter_map(|node| node.dyn_into::<Element>().ok())
            .collect()
    }

    fn clear_errors(wrapper: &Element) {
        for slot in all(wrapper, "[data-error-for]") {
            slot.set_text_content(None);
            let _ = slot.set_attribute("hidden", "");
        }
        for input in all(wrapper, "[aria-invalid]") {
            let _ = input.remove_attribute("aria-invalid");
        }
    }

    /// Writes the refusal into its field's slot, or the form's when it belongs to no field
    /// shown, or the island's when the form has none.
    fn show_error(wrapper: &Element, form: &HtmlFormElement, error: &AppError) {
        let field = match error {
            AppError::Field(e) => e.field.as_str(),
            _ => "",
        };
        let slot = |root: &Element, name: &str| {
            root.query_selector(&format!("[data-error-for=\"{name}\"]"))
                .ok()
                .flatten()
        };
        let Some(slot) = slot(form, field)
            .or_else(|| slot(form, ""))
            .or_else(|| slot(wrapper, ""))
        else {
            let _ = window().alert_with_message(&error.to_string());
            return;
        };
        slot.set_text_content(Some(&error.to_string()));
        let _ = slot.remove_attribute("hidden");
        // The input the slot describes (`field::Field` links them with aria-describedby).
        let input = Some(slot.id())
            .filter(|id| !id.is_empty() && !field.is_empty())
            .and_then(|id| {
                form.query_selector(&format!("[aria-describedby~=\"{id}\"]"))
                    .ok()
                    .flatten()
            })
            .and_then(|el| el.dyn_into::<HtmlElement>().ok());
        if let Some(input) = input {
            let _ = input.set_attribute("aria-invalid", "true");
            let _ = input.focus();
        }
    }
}
