/// Copies `text` to the clipboard (in the browser; nothing on the server).
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub fn copy(text: String) {
    #[cfg(target_arch = "wasm32")]
    leptos::task::spawn_local(copied(text));
    #[cfg(not(target_arch = "wasm32"))]
    let _ = text;
}

/// Copies `text` to the clipboard; done when the browser has it (so a page load after it does
/// not cut it short).
#[cfg(target_arch = "wasm32")]
pub async fn copied(text: String) {
    let clipboard = leptos::prelude::window().navigator().clipboard();
    let _ = wasm_bindgen_futures::JsFuture::from(clipboard.write_text(&text)).await;
}
