//! What the credential tables do in the browser, for every row and filter in them (rows the
//! server sends later included, as the handlers sit on the island, not on the rows): Enter on a
//! row opens its Edit slide-over (its `data-href`; a click does by the row's link, see
//! `tables`), a **Client ID** clicked is copied and opens it too; **Filter by name** narrows the table as one types, and **Load more**
//! appends the next page, both with rows the server renders: the page is fetched with the
//! filter's or cursor's query and its table's rows put in place, so no row markup lives in the
//! browser. An answer to an older request (typing went on) is dropped.

use leptos::prelude::*;

#[island]
pub fn LiveTables(children: Children) -> impl IntoView {
    // Counts the requests, so an answer that is no longer the latest is dropped.
    let asked = StoredValue::new(0u64);
    let click = move |ev: leptos::ev::MouseEvent| {
        #[cfg(target_arch = "wasm32")]
        browser::click(&ev);
        #[cfg(not(target_arch = "wasm32"))]
        let _ = ev;
    };
    let key = move |ev: leptos::ev::KeyboardEvent| {
        #[cfg(target_arch = "wasm32")]
        browser::key(&ev);
        #[cfg(not(target_arch = "wasm32"))]
        let _ = ev;
    };
    let input = move |ev: leptos::ev::Event| {
        #[cfg(target_arch = "wasm32")]
        browser::input(&ev, asked);
        #[cfg(not(target_arch = "wasm32"))]
        let _ = (ev, asked);
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        #[cfg(target_arch = "wasm32")]
        browser::submit(&ev, asked);
        #[cfg(not(target_arch = "wasm32"))]
        let _ = ev;
    };
    view! {
        <div class="live-tables" on:click=click on:keydown=key on:input=input on:submit=submit>
            {children()}
        </div>
    }
}

#[cfg(target_arch = "wasm32")]
mod browser {
    use leptos::prelude::*;
    use wasm_bindgen::{JsCast, JsValue};
    use web_sys::{Element, HtmlFormElement, HtmlInputElement};

    fn target(ev: &web_sys::Event) -> Option<Element> {
        ev.target().and_then(|t| t.dyn_into::<Element>().ok())
    }

    fn open_row(row: &Element) {
        if let Some(href) = row.get_attribute("data-href") {
            let _ = window().location().assign(&href);
        }
    }

    /// A click on the row's stretched link goes on as a link's; one on its Client ID copies it,
    /// then opens the row ("click anywhere on its row") once the clipboard has it.
    pub fn click(ev: &leptos::ev::MouseEvent) {
        let Some(copied) = crate::components::copy::copy_clicked(ev) else {
            return;
        };
        let row = target(ev).and_then(|t| t.closest("tr[data-href]").ok().flatten());
        leptos::task::spawn_local(async move {
            copied.await;
            if let Some(row) = row {
                open_row(&row);
            }
        });
    }

    pub fn key(ev: &leptos::ev::KeyboardEvent) {
        // Enter on the row itself (a button in it has its own Enter).
        if ev.key() == "Enter"
            && let Some(row) = target(ev).filter(|t| t.matches("tr[data-href]").unwrap_or(false))
        {
            ev.prevent_default();
            open_row(&row);
        }
    }

    pub fn input(ev: &web_sys::Event, asked: StoredValue<u64>) {
        let Some(input) = target(ev).filter(|t| t.has_attribute("data-filter")) else {
            return;
        };
        if let Some(form) = input
            .dyn_ref::<HtmlInputElement>()
            .and_then(HtmlInputElement::form)
        {
            refresh(&form, "data-filter-form", false, asked);
        }
    }

    pub fn submit(ev: &leptos::ev::SubmitEvent, asked: StoredValue<u64>) {
        let Some(form) = target(ev).and_then(|t| t.dyn_into::<HtmlFormElement>().ok()) else {
            return;
        };
        if form.has_attribute("data-filter-form") {
            ev.prevent_default();
            refresh(&form, "data-filter-form", false, asked);
        } else if form.has_attribute("data-load-more") {
            ev.prevent_default();
            refresh(&form, "data-load-more", true, asked);
        }
    }

    /// Fetches the page `form` asks for and puts its table's rows in place (`append`: after
    /// those shown), with what it says under them.
    fn refresh(form: &HtmlFormElement, attribute: &str, append: bool, asked: StoredValue<u64>) {
        let Some(section_id) = form.get_attribute(attribute) else {
            return;
        };
        let Ok(query) = web_sys::FormData::new_with_form(form)
            .and_then(|data| web_sys::UrlSearchParams::new_with_str_sequence_sequence(&data))
        else {
            return;
        };
        let url = format!("/?{}", String::from(query.to_string()));
        let this = asked.get_value() + 1;
        asked.set_value(this);
        leptos::task::spawn_local(async move {
            let Ok(page) = fetch_text(&url).await else {
                return;
            };
            if asked.get_value() != this {
                return;
            }
            let Some(current) = document().get_element_by_id(&section_id) else {
                return;
            };
            let Ok(template) = document().create_element("template") else {
                return;
            };
            template.set_inner_html(&page);
            let Some(fetched) = template
                .dyn_ref::<web_sys::HtmlTemplateElement>()
                .and_then(|t| t.content().get_element_by_id(&section_id))
            else {
                return;
            };
            for part in ["[data-rows]", "[data-below]"] {
                let (Some(now), Some(new)) = (inside(&current, part), inside(&fetched, part))
                else {
                    continue;
                };
                if append && part == "[data-rows]" {
                    let _ = now.insert_adjacent_html("beforeend", &new.inner_html());
                } else {
                    now.set_inner_html(&new.inner_html());
                }
            }
        });
    }

    fn inside(root: &Element, selector: &str) -> Option<Element> {
        root.query_selector(selector).ok().flatten()
    }

    async fn fetch_text(url: &str) -> Result<String, JsValue> {
        let response: web_sys::Response =
            wasm_bindgen_futures::JsFuture::from(window().fetch_with_str(url))
                .await?
                .dyn_into()?;
        if !response.ok() {
            return Err(JsValue::NULL);
        }
        let text = wasm_bindgen_futures::JsFuture::from(response.text()?).await?;
        Ok(text.as_string().unwrap_or_default())
    }
}
