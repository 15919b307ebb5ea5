use leptos::prelude::*;

/// A panel that slides in from the right: a modal dialog with an accessible name. Escape calls
/// `on_close`.
#[component]
pub fn SlideOver(
    title: &'static str,
    #[prop(into)] on_close: Callback<()>,
    /// True while a dialog is open above the panel.
    #[prop(into, optional)]
    covered: Signal<bool>,
    children: Children,
) -> impl IntoView {
    let title_id = format!("slideover-{}", title.to_lowercase().replace(' ', "-"));
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
        <div class="slideover-backdrop" aria-hidden=move || covered.get().then_some("true")>
            <div
                class="slideover"
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
                <h3 id=title_id class="slideover-title">{title}</h3>
                {children()}
            </div>
        </div>
    }
}
