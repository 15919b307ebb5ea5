//! A menu button (the WAI-ARIA pattern), one for every menu of the console: the Account menu
//! and **Add New**.

use super::focus::{MenuMove, move_in_menu};
use leptos::ev::KeyboardEvent;
use leptos::prelude::*;

/// An open menu: closing it gives the focus back to its button.
#[derive(Clone, Copy)]
struct MenuHandle {
    open: RwSignal<bool>,
    button: NodeRef<leptos::html::Button>,
}

impl MenuHandle {
    fn close(&self) {
        self.open.set(false);
        if let Some(button) = self.button.get() {
            let _ = button.focus();
        }
    }
}

/// A button that opens a menu of `[role="menuitem"]` items (each with `tabindex="-1"`): a
/// click, Enter, Space or ArrowDown opens it on its first item, ArrowUp on its last; inside it
/// the arrow keys move and wrap, Home and End go to the ends, and Escape or Tab close it, the
/// focus going back to the button. The items are rendered once and hidden while the menu is closed,
/// so the server can render them (`MenuIsland`).
#[component]
pub fn MenuButton(
    /// The button's text.
    #[prop(into)]
    label: String,
    /// The button's id; the menu's is `{id}-menu`, and the menu is labelled by the button.
    #[prop(into)]
    id: String,
    #[prop(into, default = "btn".into())] button_class: String,
    /// The element around both, which places the menu.
    #[prop(into, default = "dropdown".into())]
    class: String,
    /// The query of a page where this menu is open, for the button to go to before the page's
    /// script runs (or without it): the button then submits a `GET` form to `/` with these
    /// pairs. Empty: the button does nothing without the script.
    #[prop(optional)]
    fallback: Vec<(String, String)>,
    /// The menu is open as the page loads (that page), its first item focused.
    #[prop(optional)]
    open_now: bool,
    children: Children,
) -> impl IntoView {
    let open = RwSignal::new(open_now);
    let button = NodeRef::<leptos::html::Button>::new();
    let menu = NodeRef::<leptos::html::Div>::new();
    let handle = MenuHandle { open, button };
    // Which item takes the focus when the menu appears: the first, or the last after ArrowUp.
    let start_at = StoredValue::new(MenuMove::First);
    let menu_element = move || menu.get().map(web_sys::HtmlElement::from);
    Effect::new(move |_| {
        if open.get() {
            move_in_menu(menu_element(), start_at.get_value());
        }
    });
    let open_at = move |at: MenuMove| {
        start_at.set_value(at);
        open.set(true);
    };
    let on_button_key = move |ev: KeyboardEvent| match ev.key().as_str() {
        "ArrowDown" => {
            ev.prevent_default();
            open_at(MenuMove::First);
        }
        "ArrowUp" => {
            ev.prevent_default();
            open_at(MenuMove::Last);
        }
        _ => {}
    };
    let on_menu_key = move |ev: KeyboardEvent| {
        let key = ev.key();
        if let Some(to) = MenuMove::of_key(&key) {
            ev.prevent_default();
            move_in_menu(menu_element(), to);
        } else if key == "Escape" {
            // Closes the menu only: a dialog around it stays open.
            ev.stop_propagation();
            ev.prevent_default();
            handle.close();
        } else if key == "Tab" {
            // Out of the menu: it closes and the focus goes back to its button (the items are
            // about to leave the page).
            ev.prevent_default();
            handle.close();
        }
    };
    let menu_id = format!("{id}-menu");
    let controls = menu_id.clone();
    let labelled_by = id.clone();
    let without_script = !fallback.is_empty();
    let fields = fallback
        .into_iter()
        .map(|(name, value)| view! { <input type="hidden" name=name value=value/> })
        .collect_view();
    // Where the focus comes back when what an item opened closes (see `modal::ModalLayer`).
    let focus_key = id.clone();
    let button_type = if without_script { "submit" } else { "button" };
    let button_view = view! {
            <button
                type=button_type
                class=button_class
                id=id
                data-focus-key=focus_key
                aria-haspopup="menu"
                aria-controls=controls
                aria-expanded=move || open.get().to_string()
                node_ref=button
                on:keydown=on_button_key
                on:click=move |ev| {
                    // The script is here: the form is for when it is not.
                    ev.prevent_default();
                    if open.get_untracked() {
                        open.set(false);
                    } else {
                        open_at(MenuMove::First);
                    }
                }
            >
                {label}
            </button>
    };
    let trigger = if without_script {
        view! { <form method="get" action="/" class="menu-form">{fields}{button_view}</form> }
            .into_any()
    } else {
        button_view.into_any()
    };
    view! {
        <div class=class>
            {trigger}
            <div
                class="menu"
                role="menu"
                id=menu_id
                aria-labelledby=labelled_by
                hidden=move || !open.get()
                node_ref=menu
                on:keydown=on_menu_key
            >
                {children()}
            </div>
        </div>
    }
}

/// A `MenuButton` on a page the server renders: the items are HTML from the server (links, and
/// forms posted by `rpc_form::RpcForm`), this island opens, moves in and closes the menu.
#[island]
pub fn MenuIsland(
    label: String,
    id: String,
    button_class: String,
    class: String,
    /// See `MenuButton`: empty for none.
    fallback: Vec<(String, String)>,
    open_now: bool,
    children: Children,
) -> impl IntoView {
    view! { <MenuButton label id button_class class fallback open_now>{children()}</MenuButton> }
}
