//! The developer documentation Portcullis serves about itself, with no request leaving the
//! instance: `/openapi.json` (generated from the handlers), `/docs` (every endpoint, and the
//! guides), `/docs/reference` (Swagger UI, its assets compiled in), and
//! `/docs/postman-collection.json` (generated from the same description).

pub mod openapi;
pub mod postman;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use pulldown_cmark::{Options, Parser, html};
use serde_json::Value;
use std::sync::Arc;
use utoipa::openapi::OpenApi;
use utoipa_swagger_ui::{Config, SwaggerUi};

pub const OPENAPI_PATH: &str = "/openapi.json";
pub const POSTMAN_PATH: &str = "/docs/postman-collection.json";

/// The guides: slug, title, Markdown (with `{{issuer}}` and `{{audience}}` filled in).
const GUIDES: [(&str, &str, &str); 6] = [
    (
        "getting-a-token",
        "Getting a token",
        include_str!("guides/getting-a-token.md"),
    ),
    (
        "backend-for-frontend",
        "The backend-for-frontend pattern",
        include_str!("guides/backend-for-frontend.md"),
    ),
    (
        "restricted-access-tokens",
        "Restricted Access Tokens in the browser",
        include_str!("guides/restricted-access-tokens.md"),
    ),
    (
        "verifying-jwts",
        "Verifying JWTs in your resource server",
        include_str!("guides/verifying-jwts.md"),
    ),
    (
        "errors",
        "Errors and what to do",
        include_str!("guides/errors.md"),
    ),
    (
        "guard-your-api",
        "Guard your API",
        include_str!("guides/guard-your-api.md"),
    ),
];

/// The proxy configurations the "Guard your API" guide shows (the nginx and Caddy ones are
/// what the test suite runs).
const PROXY_CONFIGS: [(&str, &str); 4] = [
    ("{{nginx}}", include_str!("guides/guard/nginx.conf")),
    ("{{caddy}}", include_str!("guides/guard/Caddyfile")),
    ("{{traefik}}", include_str!("guides/guard/traefik.yml")),
    ("{{envoy}}", include_str!("guides/guard/envoy.yaml")),
];

/// Every page, rendered once at start.
struct Pages {
    index: String,
    guides: Vec<(&'static str, String)>,
    postman: String,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn layout(title: &str, body: &str) -> String {
    let mut nav =
        String::from("<a href=\"/docs\">Overview</a><a href=\"/docs/reference\">API reference</a>");
    for (slug, guide_title, _) in GUIDES {
        nav.push_str(&format!(
            "<a href=\"/docs/guides/{slug}\">{}</a>",
            escape(guide_title)
        ));
    }
    nav.push_str(&format!(
        "<a href=\"{POSTMAN_PATH}\" download=\"portcullis.postman_collection.json\">Postman collection</a>\
         <a href=\"{OPENAPI_PATH}\">OpenAPI (JSON)</a>"
    ));
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · Portcullis docs</title><style>{}</style></head>\
         <body><nav aria-label=\"Documentation\"><strong>Portcullis docs</strong>{nav}</nav>\
         <main>{body}</main></body></html>",
        escape(title),
        include_str!("docs.css")
    )
}

fn markdown(text: &str) -> String {
    let mut out = String::new();
    html::push_html(
        &mut out,
        Parser::new_ext(text, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH),
    );
    out
}

/// Who may call an operation, from its `security` requirements.
fn callers(operation: &Value) -> String {
    let Some(requirements) = operation["security"].as_array() else {
        return "anyone".into();
    };
    let mut who = Vec::new();
    for requirement in requirements {
        let Some(map) = requirement.as_object() else {
            continue;
        };
        if map.is_empty() {
            continue;
        }
        for (scheme, scopes) in map {
            let scopes: Vec<&str> = scopes
                .as_array()
                .map(|s| s.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            who.push(match scheme.as_str() {
                "oauth2" if scopes.is_empty() => "API Client token".to_string(),
                "oauth2" => format!("API Client token with {}", scopes.join(", ")),
                "restrictedAccessToken" => "Restricted Access Token".to_string(),
                "clientSecretBasic" => "API Client credentials".to_string(),
                other => other.to_string(),
            });
        }
    }
    if who.is_empty() {
        "anyone".into()
    } else {
        who.join("; ")
    }
}

/// The overview: every endpoint of the description, then the guides.
fn index(doc: &Value, issuer: &str, api_name: Option<&str>) -> String {
    let mut rows = String::new();
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            for method in ["get", "post", "put", "patch", "delete"] {
                let Some(operation) = item.get(method) else {
                    continue;
                };
                rows.push_str(&format!(
                    "<tr><td><code class=\"method {method}\">{}</code></td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                    method.to_uppercase(),
                    escape(path),
                    escape(operation["summary"].as_str().unwrap_or_default()),
                    escape(&callers(operation)),
                ));
            }
        }
    }
    let mut guides = String::new();
    for (slug, title, _) in GUIDES {
        guides.push_str(&format!(
            "<li><a href=\"/docs/guides/{slug}\">{}</a></li>",
            escape(title)
        ));
    }
    let mut intro = markdown(doc["info"]["description"].as_str().unwrap_or_default());
    if let Some(name) = api_name {
        intro.push_str(&format!(
            "<p>This instance also guards <strong>{}</strong>: its endpoints are listed below \
             with Portcullis's own, with the scopes they need. How requests reach it: \
             <a href=\"/docs/guides/guard-your-api\">Guard your API</a>.</p>",
            escape(name)
        ));
    }
    layout(
        "Portcullis API",
        &format!(
            "<h1>Portcullis API</h1>{intro}\
             <h2>Quick start</h2><pre><code>curl -s {issuer}/oauth/token -u \"$CLIENT_ID:$CLIENT_SECRET\" -d grant_type=client_credentials\n\
             curl -s {issuer}/api/v1/me -H \"Authorization: Bearer $ACCESS_TOKEN\"</code></pre>\
             <h2>Endpoints</h2><table><thead><tr><th>Method</th><th>Path</th><th>Does</th><th>Who may call</th></tr></thead><tbody>{rows}</tbody></table>\
             <p>Details, schemas and a console to try requests: <a href=\"/docs/reference\">API reference</a>. \
             The same description as <a href=\"{OPENAPI_PATH}\">OpenAPI 3.1</a>, and as a \
             <a href=\"{POSTMAN_PATH}\" download=\"portcullis.postman_collection.json\">Postman collection</a> \
             (import it, fill in <code>clientId</code> and <code>clientSecret</code>).</p>\
             <h2>Guides</h2><ul>{guides}</ul>",
            issuer = escape(issuer),
        ),
    )
}

fn render(doc: &Value, issuer: &str, audience: &str, api_name: Option<&str>) -> Pages {
    let guides = GUIDES
        .iter()
        .map(|(slug, title, text)| {
            let mut text = text
                .replace("{{issuer}}", issuer)
                .replace("{{audience}}", audience);
            for (placeholder, config) in PROXY_CONFIGS {
                text = text.replace(placeholder, config.trim_end());
            }
            (*slug, layout(title, &markdown(&text)))
        })
        .collect();
    let postman = postman::collection(doc, issuer);
    Pages {
        index: index(doc, issuer, api_name),
        guides,
        postman: serde_json::to_string_pretty(&postman).unwrap_or_default(),
    }
}

/// The documentation routes for `description`, as this instance (`issuer`) serves it;
/// `api_name` is the operator's API, when there is one.
pub fn routes<S: Clone + Send + Sync + 'static>(
    description: OpenApi,
    issuer: &str,
    audience: &str,
    api_name: Option<&str>,
) -> Router<S> {
    let doc = serde_json::to_value(&description).unwrap_or_default();
    let pages = Arc::new(render(&doc, issuer, audience, api_name));
    let swagger = SwaggerUi::new("/docs/reference")
        .url(OPENAPI_PATH, description)
        .config(Config::new([OPENAPI_PATH]).validator_url("none"));
    Router::new()
        .route("/docs", get(index_page))
        .route("/docs/", get(index_page))
        .route("/docs/guides/{slug}", get(guide_page))
        .route(POSTMAN_PATH, get(postman_collection))
        .with_state(pages)
        .merge(swagger)
}

async fn index_page(State(pages): State<Arc<Pages>>) -> Html<String> {
    Html(pages.index.clone())
}

async fn guide_page(State(pages): State<Arc<Pages>>, Path(slug): Path<String>) -> Response {
    match pages.guides.iter().find(|(s, _)| *s == slug) {
        Some((_, html)) => Html(html.clone()).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Html(layout("Not found", "<h1>No such guide</h1>")),
        )
            .into_response(),
    }
}

async fn postman_collection(State(pages): State<Arc<Pages>>) -> Response {
    let mut response = pages.postman.clone().into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"portcullis.postman_collection.json\""),
    );
    response
}
