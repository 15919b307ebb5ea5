use super::modal::ModalLayer;
use leptos::prelude::*;

/// A panel that slides in from the right: a modal dialog the server renders, named by its
/// title. Its way out is the content's `form[data-close]` (a `QueryButton`, **Cancel**), which
/// Escape takes too; the focus then goes back to the element whose `data-focus-key` is `opener`.
#[component]
pub fn SlideOver(title: &'static str, opener: String, children: Children) -> impl IntoView {
    let title_id = format!("slideover-{}", title.to_lowercase().replace(' ', "-"));
    let labelled_by = title_id.clone();
    view! {
        <ModalLayer opener>
            <div class="slideover-backdrop">
                <div class="slideover" role="dialog" aria-modal="true" aria-labelledby=labelled_by tabindex="-1">
                    <h3 id=title_id class="slideover-title">{title}</h3>
                    {children()}
                </div>
            </div>
        </ModalLayer>
    }
}
