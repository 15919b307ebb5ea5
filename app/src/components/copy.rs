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
