/// Remembers which element had focus when a dialog opened, and gives focus back to it when
/// the dialog goes away, so keyboard users stay where they were.
pub fn restore_focus_on_close() {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        let previous = leptos::prelude::document()
            .active_element()
            .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
            .map(send_wrapper::SendWrapper::new);
        leptos::prelude::on_cleanup(move || {
            if let Some(el) = previous {
                let _ = el.focus();
            }
        });
    }
}
