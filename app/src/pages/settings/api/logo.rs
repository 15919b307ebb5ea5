//! The API Client's logo in the Edit slide-over (**Upload logo**, **Remove logo**: a small
//! island) and beside its name in the table. The file goes to `/logos/{id}` as multipart (a
//! plain route, not a server function: it is the one body larger than the console's limit);
//! the server decides from the bytes whether it is a logo, and a refusal is shown under the
//! field. The table shows the new logo when the slide-over closes (the page loads again).

use leptos::prelude::*;

/// The logo next to a name, when there is one. Decorative: the name beside it says what it is.
pub(super) fn logo_image(url: Option<String>) -> Option<impl IntoView> {
    url.map(|src| view! { <img class="client-logo" src=src alt="" width="24" height="24"/> })
}

#[island]
pub fn LogoField(id: String, url: Option<String>, disabled: bool) -> impl IntoView {
    let current = RwSignal::new(url);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let id = StoredValue::new(id);
    let on_change = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        browser::upload(id.get_value(), event_target(&ev), current, error, busy);
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, id);
    };
    let remove = move |_| {
        #[cfg(feature = "hydrate")]
        browser::remove(id.get_value(), current, error, busy);
    };
    view! {
        <div class="field logo-field">
            <span class="label" id="client-logo-label">"Logo"</span>
            <div class="logo-row">
                {move || match current.get() {
                    Some(src) => view! { <img class="client-logo large" src=src alt="Current logo" width="48" height="48"/> }.into_any(),
                    None => view! { <span class="muted">"No logo"</span> }.into_any(),
                }}
                <label class="btn btn-small file-button" class:disabled=disabled>
                    "Upload logo"
                    <input
                        type="file"
                        class="visually-hidden"
                        accept="image/png,image/jpeg"
                        disabled=move || disabled || busy.get()
                        aria-describedby="client-logo-hint client-logo-error"
                        on:change=on_change
                    />
                </label>
                {move || current.get().is_some().then(|| view! {
                    <button type="button" class="btn btn-small btn-ghost" disabled=move || disabled || busy.get() on:click=remove>
                        "Remove logo"
                    </button>
                })}
            </div>
            <p class="hint" id="client-logo-hint">"PNG or JPEG, at most 256 KB and 1024×1024 pixels."</p>
            <p class="field-error" id="client-logo-error" role="alert">{move || error.get()}</p>
        </div>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use crate::csrf::{CSRF_HEADER, csrf_token};
    use domain::credentials::{MAX_LOGO_BYTES, too_large};
    use leptos::prelude::*;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    /// What an answer of `/logos/{id}` says: the new address, or the refusal's description.
    async fn send(
        method: &str,
        id: &str,
        body: Option<&web_sys::FormData>,
    ) -> Result<Option<String>, String> {
        let failed = |_: JsValue| "The logo could not be saved. Try again.".to_string();
        let init = web_sys::RequestInit::new();
        init.set_method(method);
        if let Some(body) = body {
            init.set_body(body);
        }
        let request = web_sys::Request::new_with_str_and_init(&format!("/logos/{id}"), &init)
            .map_err(failed)?;
        request
            .headers()
            .set(CSRF_HEADER, &csrf_token())
            .map_err(failed)?;
        let window = web_sys::window().ok_or("no window")?;
        let response: web_sys::Response = JsFuture::from(window.fetch_with_request(&request))
            .await
            .map_err(failed)?
            .unchecked_into();
        if response.status() == 204 {
            return Ok(None);
        }
        let json = JsFuture::from(response.json().map_err(failed)?)
            .await
            .map_err(failed)?;
        let field = |name: &str| {
            js_sys::Reflect::get(&json, &JsValue::from_str(name))
                .ok()
                .and_then(|v| v.as_string())
        };
        if response.ok() {
            Ok(field("logo_url"))
        } else {
            Err(field("error_description").unwrap_or_else(|| "The logo could not be saved.".into()))
        }
    }

    pub fn upload(
        id: String,
        input: web_sys::HtmlInputElement,
        current: RwSignal<Option<String>>,
        error: RwSignal<Option<String>>,
        busy: RwSignal<bool>,
    ) {
        let Some(file) = input.files().and_then(|files| files.get(0)) else {
            return;
        };
        // The server checks again; this spares a pointless upload.
        if file.size() > MAX_LOGO_BYTES as f64 {
            error.set(Some(too_large().message));
            input.set_value("");
            return;
        }
        let Ok(form) = web_sys::FormData::new() else {
            return;
        };
        if form
            .append_with_blob_and_filename("logo", &file, &file.name())
            .is_err()
        {
            return;
        }
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match send("POST", &id, Some(&form)).await {
                Ok(url) => current.set(url),
                Err(message) => error.set(Some(message)),
            }
            input.set_value("");
            busy.set(false);
        });
    }

    pub fn remove(
        id: String,
        current: RwSignal<Option<String>>,
        error: RwSignal<Option<String>>,
        busy: RwSignal<bool>,
    ) {
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match send("DELETE", &id, None).await {
                Ok(_) => current.set(None),
                Err(message) => error.set(Some(message)),
            }
            busy.set(false);
        });
    }
}
