use leptos::prelude::*;

/// Renders its children only in the browser, after hydration. The server renders nothing
/// here, so interactive pages with their own data never have to match server-rendered HTML.
#[component]
pub fn ClientOnly(children: ChildrenFn) -> impl IntoView {
    let mounted = RwSignal::new(false);
    Effect::new(move |_| mounted.set(true));
    move || mounted.get().then(|| children())
}
