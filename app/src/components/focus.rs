//! Focus for modal dialogs and menus (PRODUCT.md §3): Tab and Shift+Tab stay inside the topmost
//! open dialog, and the arrow keys move in a menu. (Into a dialog and back to what opened it:
//! `modal::ModalLayer`.)

/// Keeps Tab inside the topmost open modal while the calling dialog is mounted: one listener on
/// the window, so a Tab from anywhere (inside the dialog, or the page's body after a full load)
/// is handled once, by the same rule.
pub fn trap_tab_while_mounted() {
    let listener = leptos::prelude::window_event_listener(leptos::ev::keydown, |ev| {
        keep_tab_in_topmost_modal(&ev);
    });
    leptos::prelude::on_cleanup(move || listener.remove());
}

/// Tab goes into, and stays in, the topmost open modal dialog: the last in the document that is
/// not itself hidden behind another. With several dialogs mounted (Settings, a slide-over in
/// it, a confirmation above), each has a listener; the first to run decides for all.
fn keep_tab_in_topmost_modal(ev: &leptos::ev::KeyboardEvent) {
    #[cfg(target_arch = "wasm32")]
    {
        if ev.key() != "Tab" {
            return;
        }
        let topmost = topmost_modal();
        ev.stop_immediate_propagation();
        keep_tab_inside(ev, topmost);
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = ev;
}

/// The topmost open modal dialog: the last `[aria-modal="true"]` in the document that is
/// neither hidden nor behind another layer (`aria-hidden`).
#[cfg(target_arch = "wasm32")]
pub fn topmost_modal() -> Option<web_sys::HtmlElement> {
    use wasm_bindgen::JsCast;
    let list = leptos::prelude::document()
        .query_selector_all("[aria-modal=\"true\"]")
        .ok()?;
    (0..list.length())
        .rev()
        .filter_map(|i| list.item(i))
        .filter_map(|node| node.dyn_into::<web_sys::HtmlElement>().ok())
        .find(|el| {
            el.closest("[aria-hidden=\"true\"], [hidden]")
                .ok()
                .flatten()
                .is_none()
        })
}

/// What Tab can reach in `container`: shown, and not in a part of it hidden behind another
/// layer.
#[cfg(target_arch = "wasm32")]
fn reachable_in(container: &web_sys::HtmlElement) -> Option<Vec<web_sys::HtmlElement>> {
    use wasm_bindgen::JsCast;
    let reachable = |el: &web_sys::HtmlElement| {
        el.get_client_rects().length() > 0
            && el
                .closest("[aria-hidden=\"true\"]")
                .ok()
                .flatten()
                .is_none_or(|hidden| !container.contains(Some(&hidden)))
    };
    let list = container.query_selector_all(FOCUSABLE).ok()?;
    Some(
        (0..list.length())
            .filter_map(|i| list.item(i))
            .filter_map(|node| node.dyn_into::<web_sys::HtmlElement>().ok())
            .filter(reachable)
            .collect(),
    )
}

/// Plays back what `early_keys.js` kept before the islands ran: the forms posted (now through
/// `RpcForm`), then the keys: an Escape as a keydown the dialogs hear, a Tab as a move to the
/// next (Shift+Tab: previous) element of the topmost dialog.
pub fn replay_early_input() {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        let window = leptos::prelude::window();
        let kept = |name: &str| {
            let list = js_sys::Reflect::get(&window, &name.into())
                .ok()
                .and_then(|k| k.dyn_into::<js_sys::Array>().ok())?;
            let items: Vec<wasm_bindgen::JsValue> = list.iter().collect();
            list.set_length(0);
            Some(items)
        };
        for post in kept("__portcullisEarlyPosts").unwrap_or_default() {
            let post = js_sys::Array::from(&post);
            let Ok(form) = post.get(0).dyn_into::<web_sys::HtmlFormElement>() else {
                continue;
            };
            let submitter = post.get(1).dyn_into::<web_sys::HtmlElement>().ok();
            let _ = form.request_submit_with_submitter(submitter.as_ref());
        }
        for key in kept("__portcullisEarlyKeys").unwrap_or_default() {
            match key.as_string().as_deref() {
                Some("Escape") => {
                    let init = web_sys::KeyboardEventInit::new();
                    init.set_key("Escape");
                    init.set_cancelable(true);
                    if let Ok(ev) =
                        web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init)
                    {
                        let _ = window.dispatch_event(&ev);
                    }
                }
                Some("Tab") => tab_once(false),
                Some("Shift+Tab") => tab_once(true),
                _ => {}
            }
        }
    }
}

/// Moves the focus one step in the topmost modal dialog, wrapping at its ends (into it when it
/// is elsewhere).
#[cfg(target_arch = "wasm32")]
fn tab_once(back: bool) {
    let Some(container) = topmost_modal() else {
        return;
    };
    let Some(items) = reachable_in(&container).filter(|i| !i.is_empty()) else {
        let _ = container.focus();
        return;
    };
    let active = leptos::prelude::document().active_element();
    let at = items.iter().position(|el| {
        active
            .as_ref()
            .is_some_and(|a| a == AsRef::<web_sys::Element>::as_ref(el))
    });
    let next = match (at, back) {
        (None, false) => 0,
        (None, true) => items.len() - 1,
        (Some(i), false) => (i + 1) % items.len(),
        (Some(i), true) => (i + items.len() - 1) % items.len(),
    };
    let _ = items[next].focus();
}

/// What Tab can reach.
#[cfg(target_arch = "wasm32")]
const FOCUSABLE: &str = "a[href], button:not([disabled]), input:not([disabled]):not([type=\"hidden\"]), \
     select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex=\"-1\"])";

/// On Tab in a modal dialog `container`: from its last focusable element Tab goes to the first,
/// from the first Shift+Tab goes to the last, and from outside (or the dialog itself) into it.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn keep_tab_inside(ev: &leptos::ev::KeyboardEvent, container: Option<web_sys::HtmlElement>) {
    #[cfg(target_arch = "wasm32")]
    {
        if ev.key() != "Tab" {
            return;
        }
        let Some(container) = container else {
            return;
        };
        let Some(items) = reachable_in(&container) else {
            return;
        };
        let (Some(first), Some(last)) = (items.first(), items.last()) else {
            ev.prevent_default();
            let _ = container.focus();
            return;
        };
        let active = leptos::prelude::document().active_element();
        let is = |el: &web_sys::HtmlElement| {
            active
                .as_ref()
                .is_some_and(|a| a == AsRef::<web_sys::Element>::as_ref(el))
        };
        let inside = active.as_ref().is_some_and(|a| {
            container.contains(Some(a)) && a != AsRef::<web_sys::Element>::as_ref(&container)
        });
        let to = if ev.shift_key() {
            (!inside || is(first)).then_some(last)
        } else {
            (!inside || is(last)).then_some(first)
        };
        if let Some(target) = to {
            ev.prevent_default();
            let _ = target.focus();
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (ev, container);
}

/// Where an arrow key moves focus in a menu (the WAI-ARIA menu button pattern).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MenuMove {
    First,
    Last,
    Next,
    Previous,
}

impl MenuMove {
    /// The move a key asks for: ArrowDown, ArrowUp, Home, End.
    pub fn of_key(key: &str) -> Option<MenuMove> {
        match key {
            "ArrowDown" => Some(MenuMove::Next),
            "ArrowUp" => Some(MenuMove::Previous),
            "Home" => Some(MenuMove::First),
            "End" => Some(MenuMove::Last),
            _ => None,
        }
    }

    /// The index to go to among `len` items from `current` (wrapping at both ends).
    // Called by the browser build only (and the tests).
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub fn target(self, current: Option<usize>, len: usize) -> Option<usize> {
        if len == 0 {
            return None;
        }
        Some(match (self, current) {
            (MenuMove::First, _) | (MenuMove::Next, None) => 0,
            (MenuMove::Last, _) | (MenuMove::Previous, None) => len - 1,
            (MenuMove::Next, Some(i)) => (i + 1) % len,
            (MenuMove::Previous, Some(i)) => (i + len - 1) % len,
        })
    }
}

/// Moves focus among the `[role="menuitem"]` elements of `menu`.
pub fn move_in_menu(menu: Option<web_sys::HtmlElement>, to: MenuMove) {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        let Some(menu) = menu else {
            return;
        };
        let Ok(list) = menu.query_selector_all("[role=\"menuitem\"]") else {
            return;
        };
        let items: Vec<web_sys::HtmlElement> = (0..list.length())
            .filter_map(|i| list.item(i))
            .filter_map(|node| node.dyn_into::<web_sys::HtmlElement>().ok())
            .collect();
        let active = leptos::prelude::document().active_element();
        let current = items.iter().position(|el| {
            active
                .as_ref()
                .is_some_and(|a| a == AsRef::<web_sys::Element>::as_ref(el))
        });
        if let Some(i) = to.target(current, items.len()) {
            let _ = items[i].focus();
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (menu, to);
}

#[cfg(test)]
mod tests {
    use super::MenuMove;

    #[test]
    fn arrows_wrap_and_home_and_end_go_to_the_ends() {
        assert_eq!(MenuMove::Next.target(Some(1), 2), Some(0));
        assert_eq!(MenuMove::Previous.target(Some(0), 2), Some(1));
        assert_eq!(MenuMove::Next.target(None, 3), Some(0));
        assert_eq!(MenuMove::Previous.target(None, 3), Some(2));
        assert_eq!(MenuMove::Last.target(Some(0), 3), Some(2));
        assert_eq!(MenuMove::First.target(Some(2), 3), Some(0));
        assert_eq!(MenuMove::First.target(None, 0), None);
        assert_eq!(MenuMove::of_key("ArrowDown"), Some(MenuMove::Next));
        assert_eq!(MenuMove::of_key("a"), None);
    }
}
