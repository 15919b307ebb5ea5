use leptos::prelude::*;

/// A value that copies itself to the clipboard when clicked, and says so.
#[component]
pub fn CopyValue(value: String, #[prop(into)] label: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    let to_copy = value.clone();
    view! {
        <span class="copy-value">
            <button
                type="button"
                class="copy mono"
                title=format!("Copy {label}")
                // The name says what it does; the value itself is the visible text. (A random
                // value in the name could collide with other buttons' names.)
                aria-label=format!("Copy {label}")
                on:click=move |_| {
                    // Inside a table row the click goes on to the row too: "click anywhere on
                    // its row" opens it, and the value is copied on the way.
                    super::clipboard::copy(to_copy.clone());
                    copied.set(true);
                    set_timeout(move || copied.set(false), std::time::Duration::from_secs(2));
                }
            >
                {value.clone()}
            </button>
            <span class="copied" aria-live="polite">
                {move || copied.get().then_some("Copied")}
            </span>
        </span>
    }
}

/// The dialog that shows a new credential's values once, with the warning and **Ok**.
#[component]
pub fn ShownOnceDialog(
    title: &'static str,
    /// What the warning tells the person to copy.
    secret_name: &'static str,
    /// `(term, value, copy label)` for each value shown.
    values: Vec<(&'static str, String, &'static str)>,
    #[prop(into)] on_close: Callback<()>,
) -> impl IntoView {
    let rows = values
        .into_iter()
        .map(|(term, value, label)| view! { <dt>{term}</dt><dd><CopyValue value label/></dd> })
        .collect_view();
    view! {
        <super::dialog::Dialog title=title.to_string() on_close=on_close>
            <div class="alert alert-warning" role="note">
                {format!("Copy the {secret_name} now. It is shown only this once and cannot be retrieved later.")}
            </div>
            <dl class="facts compact">{rows}</dl>
            <div class="actions">
                <button type="button" class="btn btn-primary" on:click=move |_| on_close.run(())>"Ok"</button>
            </div>
        </super::dialog::Dialog>
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
