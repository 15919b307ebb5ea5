//! The OpenAPI 3.1 description of everything public. Paths and schemas come from the handlers'
//! `#[utoipa::path]` declarations, collected by the same `OpenApiRouter`s that route them
//! (`oauth::routes`, `api::routes`); this file adds what belongs to the whole API: info,
//! server, tags and security schemes.

use crate::gate::RouteTable;
use axum::http::Method;
use domain::credentials::ScopeCatalog;
use utoipa::openapi::security::{
    ClientCredentials, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Scopes, SecurityRequirement,
    SecurityScheme,
};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{InfoBuilder, OpenApi, OpenApiBuilder, ServerBuilder};

const OVERVIEW: &str = "\
Portcullis issues and checks the credentials of this API.

* **API Clients** authenticate with their Client ID and Client Secret at `POST /oauth/token` \
(the OAuth 2.0 client credentials grant) and call `/api/v1` with the 60-minute JWT they get: \
`Authorization: Bearer <access_token>`. Scopes: `credentials:read`, `credentials:write`, `audit:read` (the audit log).
* **Restricted Access Tokens** (`pcr_…`) are sent as they are, `Authorization: Bearer pcr_…`, \
from the IP addresses they allow. They may call **`GET /api/v1/me` only**; every other \
endpoint answers them 403 `insufficient_scope`.

Errors are JSON: `{\"error\", \"error_description\"}` (and `field` on 422). Guides: `/docs`.";

/// Writes each operation's `security` from the route table that the gate enforces, so the
/// two cannot disagree: the `oauth2` scheme with the route's scopes, and
/// `restrictedAccessToken` where Restricted Access Tokens may call.
pub fn set_security<T>(doc: &mut OpenApi, table: &RouteTable<T>) {
    for route in table.routes() {
        let Some(item) = doc.paths.paths.get_mut(route.pattern.as_str()) else {
            continue;
        };
        for method in &route.methods {
            let operation = match *method {
                Method::GET => item.get.as_mut(),
                Method::POST => item.post.as_mut(),
                Method::PUT => item.put.as_mut(),
                Method::PATCH => item.patch.as_mut(),
                Method::DELETE => item.delete.as_mut(),
                Method::HEAD => item.head.as_mut(),
                _ => None,
            };
            let Some(operation) = operation else { continue };
            let scopes: Vec<&str> = route.access.scopes.iter().map(|s| s.as_str()).collect();
            let mut security = vec![SecurityRequirement::new("oauth2", scopes)];
            if route.access.restricted_tokens {
                security.push(SecurityRequirement::new(
                    "restrictedAccessToken",
                    Vec::<String>::new(),
                ));
            }
            operation.security = Some(security);
        }
    }
}

/// The whole description for an instance reachable at `issuer`.
pub fn description(
    issuer: &str,
    catalog: &ScopeCatalog,
    parts: impl IntoIterator<Item = OpenApi>,
) -> OpenApi {
    let mut doc = OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Portcullis API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(OVERVIEW))
                .build(),
        )
        .servers(Some([ServerBuilder::new().url(issuer).build()]))
        .tags(Some([
            TagBuilder::new()
                .name("OAuth 2.0")
                .description(Some(
                    "Tokens for API Clients: metadata, keys, token, introspection, revocation",
                ))
                .build(),
            TagBuilder::new()
                .name("API")
                .description(Some("The calling credential"))
                .build(),
            TagBuilder::new()
                .name("API Clients")
                .description(Some("OAuth 2.0 client credentials for servers"))
                .build(),
            TagBuilder::new()
                .name("Restricted Access Tokens")
                .description(Some("IP-locked tokens for browser-only apps"))
                .build(),
            TagBuilder::new()
                .name("Audit log")
                .description(Some(
                    "Who changed what, and every sign-in (needs `audit:read`)",
                ))
                .build(),
        ]))
        .build();
    for part in parts {
        doc.merge(part);
    }
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "oauth2",
        SecurityScheme::OAuth2(OAuth2::with_description(
            [Flow::ClientCredentials(ClientCredentials::new(
                format!("{issuer}/oauth/token"),
                Scopes::from_iter(
                    catalog
                        .all()
                        .iter()
                        .map(|s| (s.name.clone(), s.description.clone())),
                ),
            ))],
            "API Clients: get a JWT with the client credentials grant, send it as a Bearer token.",
        )),
    );
    components.add_security_scheme(
        "restrictedAccessToken",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("pcr_ token")
                .description(Some(
                    "A Restricted Access Token, from an allowed IP address; GET /api/v1/me only.",
                ))
                .build(),
        ),
    );
    components.add_security_scheme(
        "clientSecretBasic",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Basic)
                .description(Some(
                    "Client ID and Client Secret (each form-urlencoded) as HTTP Basic; or send \
                     client_id and client_secret in the form instead, never both.",
                ))
                .build(),
        ),
    );
    doc
}
