#![recursion_limit = "256"]
//! The browser entry: hydrates the islands of the server-rendered console (the parts that run
//! in the browser; everything else is plain HTML from the server).

// The islands' entry points are exported from `app`; this keeps them in the bundle.
#[allow(unused_imports)]
use app::*;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    app::after_islands_hydrate();
}
