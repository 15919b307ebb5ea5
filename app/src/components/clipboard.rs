/// Copies `text` to the clipboard (in the browser; nothing on the server).
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub fn copy(text: String) {
    #[cfg(target_arch = "wasm32")]
    {
        let clipboard = leptos::prelude::window().navigator().clipboard();
        let promise = clipboard.write_text(&text);
        leptos::task::spawn_local(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        });
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = text;
}
