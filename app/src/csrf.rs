//! The anti-forgery proof. The server hands each browser a random token in an HttpOnly cookie
//! and writes the same token into the page (a `<meta>` tag and hidden form fields). Every
//! state-changing request must send it back, in the `x-csrf-token` header (server functions
//! called from the WASM) or the `csrf_token` form field (forms posted before the WASM loads).
//! A forged cross-site request has the cookie but cannot read the page, so it cannot.

use leptos::prelude::*;

pub const CSRF_HEADER: &str = "x-csrf-token";
pub const CSRF_FIELD: &str = "csrf_token";

/// The token of the current request, placed in the request's extensions by the server.
#[derive(Clone, Debug)]
pub struct CsrfToken(pub domain::Secret);

/// The token for this page: from the request on the server, from the `<meta>` tag in the
/// browser.
pub fn csrf_token() -> String {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<CsrfToken>().cloned())
            .map(|t| t.0.into_exposed())
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        document()
            .query_selector("meta[name=csrf-token]")
            .ok()
            .flatten()
            .and_then(|el| el.get_attribute("content"))
            .unwrap_or_default()
    }
}

/// The hidden field every server-rendered form carries.
#[component]
pub fn CsrfField() -> impl IntoView {
    view! { <input type="hidden" name=CSRF_FIELD value=csrf_token()/> }
}
