use leptos::prelude::*;

/// The id of a dialog's title, which names it: from the title, so that two dialogs on one page
/// (a form and the answer it reveals) have their own.
pub fn title_id(title: &str) -> String {
    format!("dialog-title-{}", title.to_lowercase().replace(' ', "-"))
}

/// A modal dialog with an accessible name. Escape calls `on_close`; Tab stays inside; the focus
/// goes back to what had it when the dialog closes.
#[component]
pub fn Dialog(
    title: String,
    #[prop(into)] on_close: Callback<()>,
    #[prop(default = "dialog")] class: &'static str,
    children: Children,
) -> impl IntoView {
    let title_id = title_id(&title);
    let labelled_by = title_id.clone();
    let mark = super::focus::restore_focus_on_close();
    super::focus::trap_tab_while_mounted();
    let node = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(el) = node.get() {
            let _ = el.focus();
        }
    });
    view! {
        <div class="backdrop">
            <div
                class=class
                role="dialog"
                aria-modal="true"
                aria-labelledby=labelled_by
                data-modal=mark
                tabindex="-1"
                node_ref=node
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        ev.stop_propagation();
                        ev.prevent_default();
                        on_close.run(());
                    }
                }
            >
                <h2 id=title_id class="dialog-title">{title}</h2>
                {children()}
            </div>
        </div>
    }
}
