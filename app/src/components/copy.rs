//! Copying values: a value shown as a button copies itself when clicked (`CopyText`, inside a
//! `CopyArea` or `LiveTables` island, which handle the clicks of every such button in them, so
//! rows the server sends later copy too), and **Copy** beside an input (`CopyButton`).

use super::modal::{ModalDialog, QueryButton};
use leptos::prelude::*;

/// A value that copies itself when clicked, and says so. `reveal`: the field of a revealed answer
/// the value is filled from (see `rpc_form`), the value then being empty on the server.
#[component]
pub fn CopyText(
    value: String,
    label: &'static str,
    #[prop(optional)] reveal: Option<&'static str>,
) -> impl IntoView {
    view! {
        <span class="copy-value">
            // The name says what it does; the value itself is the visible text. (A random value
            // in the name could collide with other buttons' names.)
            <button
                type="button"
                class="copy mono"
                title=format!("Copy {label}")
                aria-label=format!("Copy {label}")
                data-copy=""
                data-reveal-text=reveal
            >
                {value}
            </button>
            <span class="copied" aria-live="polite"></span>
        </span>
    }
}

/// Handles the clicks on the `CopyText` buttons inside it.
#[island]
pub fn CopyArea(children: Children) -> impl IntoView {
    let click = move |ev: leptos::ev::MouseEvent| {
        #[cfg(target_arch = "wasm32")]
        if let Some(done) = copy_clicked(&ev) {
            leptos::task::spawn_local(done);
        }
        #[cfg(not(target_arch = "wasm32"))]
        let _ = ev;
    };
    view! { <div class="copy-area" on:click=click>{children()}</div> }
}

/// If the click was on a `CopyText` button: copies its text, says "Copied" beside it for two
/// seconds, and answers the copy, done when the clipboard has it.
#[cfg(target_arch = "wasm32")]
pub fn copy_clicked(
    ev: &leptos::ev::MouseEvent,
) -> Option<impl std::future::Future<Output = ()> + use<>> {
    use wasm_bindgen::JsCast;
    let button = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|el| el.closest("button[data-copy]").ok().flatten())?;
    let text = button.text_content().unwrap_or_default().trim().to_string();
    if let Some(said) = button
        .next_element_sibling()
        .filter(|el| el.class_list().contains("copied"))
    {
        said.set_text_content(Some("Copied"));
        let said = send_wrapper::SendWrapper::new(said);
        set_timeout(
            move || said.set_text_content(None),
            std::time::Duration::from_secs(2),
        );
    }
    Some(super::clipboard::copied(text))
}

/// The dialog that shows a new credential's values once, with the warning and **Ok**: hidden
/// until a `data-reveal="{id}"` form fills it (`values`: `(term, field of the answer, copy
/// label)`). **Ok** goes back to `back`, where the new values show in their table.
#[component]
pub fn ShownOnce(
    id: &'static str,
    title: &'static str,
    /// What the warning tells the person to copy.
    secret_name: &'static str,
    values: Vec<(&'static str, &'static str, &'static str)>,
    back: Vec<(&'static str, String)>,
    opener: String,
) -> impl IntoView {
    let rows = values
        .into_iter()
        .map(|(term, field, label)| {
            view! { <dt>{term}</dt><dd><CopyText value=String::new() label reveal=field/></dd> }
        })
        .collect_view();
    view! {
        <div id=id hidden=true>
            <ModalDialog title=title.to_string() opener>
                <CopyArea>
                    <div class="alert alert-warning" role="note">
                        {format!("Copy the {secret_name} now. It is shown only this once and cannot be retrieved later.")}
                    </div>
                    <dl class="facts compact">{rows}</dl>
                </CopyArea>
                <div class="actions">
                    <QueryButton query=back label="Ok" class="btn btn-primary" close=true/>
                </div>
            </ModalDialog>
        </div>
    }
}

/// **Copy** beside a server-rendered field: copies the current value of the input `#target`
/// (filled in the browser, as a revealed invite link is), and says so.
#[island]
pub fn CopyButton(target: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    let copy = move |_| {
        #[cfg(target_arch = "wasm32")]
        {
            use wasm_bindgen::JsCast;
            let value = document()
                .get_element_by_id(&target)
                .and_then(|el| el.dyn_into::<web_sys::HtmlInputElement>().ok())
                .map(|input| input.value())
                .unwrap_or_default();
            super::clipboard::copy(value);
        }
        #[cfg(not(target_arch = "wasm32"))]
        let _ = &target;
        copied.set(true);
    };
    view! {
        <button type="button" class="btn" on:click=copy>
            {move || if copied.get() { "Copied" } else { "Copy" }}
        </button>
    }
}
