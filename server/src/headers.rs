//! The security headers of the main listener's answers (PRODUCT.md §11): a Content Security
//! Policy that allows only the instance itself, `no-store` on console pages and `/rpc`
//! answers, `no-cache` on the browser bundle, and HSTS over https.

use app::ssr::CspNonce;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use services::secrets;

/// The policy of every answer that sets none itself (the docs, Swagger UI, errors): content
/// from this instance only, never framed, no plugins, no `<base>`. Swagger UI styles elements
/// inline and draws data: images; scripts stay `'self'` only.
pub const SITE_POLICY: HeaderValue = HeaderValue::from_static(
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
     frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
);

/// HSTS for a year, sent only when the instance is served over https.
pub const HSTS: HeaderValue = HeaderValue::from_static("max-age=31536000");

const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");

/// The browser bundle (`/pkg/`) is asked again on every page load (a 304 when unchanged): a
/// page names the islands of the bundle built with it, and an older bundle kept by the browser
/// after an upgrade would lack them (their buttons would stay inert).
const REVALIDATE: HeaderValue = HeaderValue::from_static("no-cache");

/// Random characters in each console answer's nonce (base62: about 131 bits).
const NONCE_LEN: usize = 22;

/// The console's policy: scripts from this instance, or inline with this answer's nonce (the
/// hydration script); the WebAssembly it loads from `/pkg`; no inline styles.
fn console_policy(nonce: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; \
         base-uri 'none'; form-action 'self'; object-src 'none'"
    ))
    .expect("a base62 nonce is a valid header value")
}

/// Around the console: hands Leptos a fresh nonce for this answer (see
/// `app::ssr::provide_request_nonce`) and sets the policy that names it on HTML answers;
/// console pages and server-function answers are never stored by a cache or the browser.
pub async fn console(mut request: Request, next: Next) -> Response {
    let rpc = request.uri().path().starts_with("/rpc/");
    let bundle = request.uri().path().starts_with("/pkg/");
    let nonce = secrets::random_base62(NONCE_LEN);
    request.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let html = headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if html {
        headers.insert(header::CONTENT_SECURITY_POLICY, console_policy(&nonce));
    }
    if html || rpc {
        headers.insert(header::CACHE_CONTROL, NO_STORE);
    } else if bundle {
        headers.insert(header::CACHE_CONTROL, REVALIDATE);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_console_policy_allows_no_inline_script_without_its_nonce() {
        let policy = console_policy("abc123");
        let policy = policy.to_str().unwrap();
        let scripts = policy
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("script-src"))
            .unwrap();
        assert_eq!(
            scripts,
            "script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval'"
        );
        assert!(!policy.contains("unsafe-inline"));
        assert!(policy.contains("frame-ancestors 'none'"));
        let site = SITE_POLICY;
        let site = site.to_str().unwrap();
        assert!(site.contains("frame-ancestors 'none'") && !site.contains("script-src"));
    }
}
