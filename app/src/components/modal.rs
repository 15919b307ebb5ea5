//! A server-rendered modal dialog made keyboard-safe in the browser (PRODUCT.md §3).
//!
//! The dialog itself, its content and its way out are HTML from the server: the way out is a
//! form marked `data-close` (a plain `GET` to the page behind the dialog), so it works without
//! JavaScript. This island adds what only a browser can: focus moves into the dialog, Tab stays
//! inside it, Escape takes the way out, and the page loaded behind it gives the focus back to
//! what opened the dialog.

use leptos::prelude::*;

/// The key under which a closing dialog leaves, for the next page, which element to focus.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
const FOCUS_KEY: &str = "portcullis-focus";

/// Wraps one server-rendered `[role="dialog"][aria-modal="true"]`. `opener` is the
/// `data-focus-key` of the element the focus returns to after the dialog closes.
#[island]
pub fn ModalLayer(opener: String, children: Children) -> impl IntoView {
    let layer = NodeRef::<leptos::html::Div>::new();
    super::focus::trap_tab_while_mounted();
    // Escape that no dialog above took leaves by the way out, if this layer's dialog is the
    // one on top (several layers can be open: Settings and a confirmation in it).
    let on_escape = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" && !ev.default_prevented() && is_on_top(layer.get()) {
            ev.prevent_default();
            leave(layer.get());
        }
    });
    on_cleanup(move || on_escape.remove());
    Effect::new(move |_| {
        if let Some(dialog) = layer
            .get()
            .and_then(|l| first_match(&l, "[role=\"dialog\"]"))
        {
            let _ = dialog.focus();
        }
    });
    let remember = move |ev: leptos::ev::SubmitEvent| {
        let closing = ev
            .target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
            .is_some_and(|form| form.has_attribute("data-close"));
        if closing {
            // Only the nearest layer: an outer one would put its own opener over it.
            ev.stop_propagation();
            remember_focus(&opener);
        }
    };
    view! { <div class="modal-layer" node_ref=layer on:submit=remember>{children()}</div> }
}

fn is_on_top(layer: Option<web_sys::HtmlDivElement>) -> bool {
    #[cfg(target_arch = "wasm32")]
    {
        // The layer nearest the topmost dialog: an outer layer contains the inner's dialog too.
        let nearest = super::focus::topmost_modal()
            .and_then(|top| top.closest(".modal-layer").ok().flatten());
        layer.is_some_and(|l| nearest.is_some_and(|n| AsRef::<web_sys::Element>::as_ref(&l) == &n))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = layer;
        false
    }
}

/// Submits the layer's way out (its `form[data-close]`), as the Close button would.
fn leave(layer: Option<web_sys::HtmlDivElement>) {
    #[cfg(target_arch = "wasm32")]
    if let Some(form) = layer
        .and_then(|l| first_match(&l, "form[data-close]"))
        .and_then(|f| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlFormElement>(f).ok())
    {
        let _ = form.request_submit();
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = layer;
}

fn first_match(root: &web_sys::Element, selector: &str) -> Option<web_sys::HtmlElement> {
    let found = root.query_selector(selector).ok().flatten()?;
    wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(found).ok()
}

/// Leaves `opener` for the next page load to focus.
fn remember_focus(opener: &str) {
    #[cfg(target_arch = "wasm32")]
    if let Ok(Some(storage)) = window().session_storage() {
        let _ = storage.set_item(FOCUS_KEY, opener);
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = opener;
}

/// After a page load: focuses the element a dialog closed on the last page asked for.
pub fn restore_remembered_focus() {
    #[cfg(target_arch = "wasm32")]
    if let Ok(Some(storage)) = window().session_storage()
        && let Ok(Some(opener)) = storage.get_item(FOCUS_KEY)
    {
        let _ = storage.remove_item(FOCUS_KEY);
        let selector = format!("[data-focus-key=\"{opener}\"]");
        if let Some(el) = document()
            .document_element()
            .and_then(|root| first_match(&root, &selector))
        {
            let _ = el.focus();
        }
    }
}

/// A modal dialog the server renders: a title, the content, and Escape (or the content's
/// `form[data-close]`, see `QueryButton`) back to the page behind it, the focus then on the
/// element whose `data-focus-key` is `opener`.
#[component]
pub fn ModalDialog(
    title: String,
    opener: String,
    #[prop(default = "dialog")] class: &'static str,
    children: Children,
) -> impl IntoView {
    let title_id = super::dialog::title_id(&title);
    let labelled_by = title_id.clone();
    view! {
        <ModalLayer opener>
            <div class="backdrop">
                <div class=class role="dialog" aria-modal="true" aria-labelledby=labelled_by tabindex="-1">
                    <h2 id=title_id class="dialog-title">{title}</h2>
                    {children()}
                </div>
            </div>
        </ModalLayer>
    }
}

/// A button that goes to `/?{query}` with a `GET` form, so it works without JavaScript: opens a
/// Settings page, a dialog, or closes one (`close`: the way out a `ModalLayer` takes on Escape).
#[component]
pub fn QueryButton(
    /// The query's pairs.
    query: Vec<(&'static str, String)>,
    label: &'static str,
    #[prop(default = "btn")] class: &'static str,
    #[prop(optional)] aria_label: Option<String>,
    /// Where the focus comes back when a dialog this opens closes.
    #[prop(optional)]
    focus_key: Option<String>,
    #[prop(optional)] close: bool,
    /// The form's own class (it places the button).
    #[prop(optional)]
    form_class: Option<&'static str>,
    #[prop(optional)] disabled: bool,
) -> impl IntoView {
    let fields = query
        .into_iter()
        .map(|(name, value)| view! { <input type="hidden" name=name value=value/> })
        .collect_view();
    view! {
        <form method="get" action="/" class=form_class data-close=close.then_some("")>
            {fields}
            <button type="submit" class=class aria-label=aria_label data-focus-key=focus_key disabled=disabled>
                {label}
            </button>
        </form>
    }
}
