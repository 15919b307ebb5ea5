//! The documentation the server ships (issue "developer documentation"): the OpenAPI
//! description covers every public route, `/docs` lists every endpoint and serves the guides
//! and the reference offline, and the Postman collection is valid v2.1.0.

use crate::helpers::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::path::{Path, PathBuf};
use store::Backend;

/// The public endpoints PRODUCT.md §5 and §6 name.
const CONTRACT: [(&str, &str); 14] = [
    ("get", "/.well-known/oauth-authorization-server"),
    ("get", "/.well-known/jwks.json"),
    ("post", "/oauth/token"),
    ("post", "/oauth/introspect"),
    ("post", "/oauth/revoke"),
    ("get", "/api/v1/me"),
    ("get", "/api/v1/api-clients"),
    ("post", "/api/v1/api-clients"),
    ("patch", "/api/v1/api-clients/{id}"),
    ("delete", "/api/v1/api-clients/{id}"),
    ("get", "/api/v1/restricted-access-tokens"),
    ("post", "/api/v1/restricted-access-tokens"),
    ("patch", "/api/v1/restricted-access-tokens/{id}"),
    ("delete", "/api/v1/restricted-access-tokens/{id}"),
];

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

async fn description(app: &TestApp) -> Value {
    let res = reqwest::get(format!("{}/openapi.json", app.base))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

fn operations(doc: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            if item.get(method).is_some() {
                out.push((method.to_string(), path.clone()));
            }
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `.route("PATH", …)` written by hand in the server's source.
fn hand_written_routes() -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (at, _) in text.match_indices(".route(") {
            let rest = text[at + ".route(".len()..].trim_start();
            let literal = rest
                .strip_prefix('"')
                .and_then(|r| r.split('"').next())
                .map(str::to_string)
                // A constant: take its name, which the allow-list below knows.
                .unwrap_or_else(|| rest.split([',', ')']).next().unwrap().trim().to_string());
            found.push((file.clone(), literal));
        }
    }
    found
}

/// The description lists every public route: the contract's, each routed by the server, no
/// method the server answers left out, and no public route added by hand beside it.
#[tokio::test]
async fn the_description_covers_every_public_route() {
    let app = TestApp::spawn(Backend::Sqlite, true).await.unwrap();
    let doc = description(&app).await;
    assert_eq!(doc["openapi"], "3.1.0");
    let documented = operations(&doc);
    for (method, path) in CONTRACT {
        assert!(
            documented.contains(&(method.to_string(), path.to_string())),
            "{method} {path} is missing from the description"
        );
    }
    for (method, path) in &documented {
        let operation = &doc["paths"][path][method];
        assert!(
            operation["summary"].as_str().is_some_and(|s| !s.is_empty()),
            "{method} {path}: no summary"
        );
        assert!(
            operation["responses"]
                .as_object()
                .is_some_and(|r| !r.is_empty())
        );
        if path.starts_with("/api/v1") {
            assert!(
                operation["security"].is_array(),
                "{method} {path}: no security"
            );
            assert!(
                operation["responses"].get("401").is_some(),
                "{method} {path}: no 401"
            );
            let restricted = operation["security"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r.get("restrictedAccessToken").is_some());
            assert_eq!(
                restricted,
                path == "/api/v1/me",
                "{method} {path}: the RAT subset"
            );
        }
    }
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    assert_eq!(
        schemes["oauth2"]["flows"]["clientCredentials"]["tokenUrl"],
        format!("{}/oauth/token", app.base)
    );
    assert_eq!(schemes["restrictedAccessToken"]["scheme"], "bearer");

    // The server routes exactly what is described: with a valid token, each documented method
    // reaches a handler and every other method answers 405.
    let admin = app.admin().await;
    let creds = app
        .api_client(&admin, "credentials:read credentials:write", "")
        .await;
    let token = app.access_token(&creds).await;
    let paths: Vec<&String> = doc["paths"].as_object().unwrap().keys().collect();
    for path in paths {
        let url = format!("{}{}", app.base, path.replace("{id}", "nonexistent"));
        for method in METHODS {
            let res = reqwest::Client::new()
                .request(
                    Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                    &url,
                )
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            let is_documented = documented.contains(&(method.to_string(), path.clone()));
            if is_documented {
                assert_ne!(
                    res.status(),
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {path}"
                );
                assert_ne!(
                    res.headers()
                        .get("content-type")
                        .and_then(|v| v.to_str().ok()),
                    Some("text/html; charset=utf-8"),
                    "{method} {path} fell through to the console"
                );
            } else {
                assert_eq!(
                    res.status(),
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {path} is routed but not described"
                );
            }
        }
    }

    // Public routes are declared with `routes!` (which documents them), never by hand.
    let allowed = [
        "/healthz",
        "/docs",
        "/docs/",
        "/docs/guides/{slug}",
        "POSTMAN_PATH",
        // Forward-auth answers proxies (any method they send), not API clients; the
        // "Guard your API" guide documents it.
        "forward_auth::PATH",
        // The console's CSV export of the audit log: a download for a signed-in Admin's
        // browser (session cookie), not part of the API.
        "audit_export::PATH",
        // The console's logo upload and image, for a signed-in member's browser (session
        // cookie and anti-forgery proof), not part of the API.
        "logos::PATH",
    ];
    for (file, route) in hand_written_routes() {
        assert!(
            allowed.contains(&route.as_str()),
            "{}: the route {route} is not in the OpenAPI description; declare it with routes!",
            file.display()
        );
    }
}

/// The Postman collection: v2.1.0 by Postman's published schema (shipped in the
/// `postman_collection` crate), one request per documented operation, OAuth 2.0 client
/// credentials on the collection, and the two variables to fill.
#[tokio::test]
async fn the_postman_collection_is_valid_and_complete() {
    let app = TestApp::spawn(Backend::Sqlite, true).await.unwrap();
    let res = reqwest::get(format!("{}/docs/postman-collection.json", app.base))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let text = res.text().await.unwrap();
    let collection: Value = serde_json::from_str(&text).unwrap();

    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(postman_schema()).unwrap()).unwrap();
    assert_eq!(
        schema["$id"],
        "https://schema.getpostman.com/json/draft-07/collection/v2.1.0/"
    );
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&collection)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The validator can fail: a collection without `info` is refused.
    let mut broken = collection.clone();
    broken.as_object_mut().unwrap().remove("info");
    assert!(!validator.is_valid(&broken));
    assert!(postman_collection::from_str(&text).is_ok());

    assert_eq!(
        collection["info"]["schema"],
        "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
    );
    let variables: Vec<&str> = collection["variable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["key"].as_str().unwrap())
        .collect();
    assert_eq!(variables, ["baseUrl", "clientId", "clientSecret"]);
    assert_eq!(collection["variable"][0]["value"], app.base);
    let auth = &collection["auth"];
    assert_eq!(auth["type"], "oauth2");
    let setting = |key: &str| {
        auth["oauth2"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["key"] == key)
            .map(|p| p["value"].clone())
    };
    assert_eq!(setting("grant_type"), Some("client_credentials".into()));
    assert_eq!(
        setting("accessTokenUrl"),
        Some("{{baseUrl}}/oauth/token".into())
    );
    assert_eq!(setting("clientId"), Some("{{clientId}}".into()));
    assert_eq!(setting("clientSecret"), Some("{{clientSecret}}".into()));

    let mut requests = Vec::new();
    for folder in collection["item"].as_array().unwrap() {
        for item in folder["item"].as_array().unwrap() {
            let request = &item["request"];
            requests.push((
                request["method"].as_str().unwrap().to_lowercase(),
                request["url"]["raw"].as_str().unwrap().to_string(),
            ));
        }
    }
    let doc = description(&app).await;
    let documented = operations(&doc);
    assert_eq!(requests.len(), documented.len());
    for (method, path) in documented {
        let raw = format!("{{{{baseUrl}}}}{}", path.replace("{id}", ":id"));
        assert!(
            requests.contains(&(method.clone(), raw.clone())),
            "{method} {raw} missing from the collection"
        );
    }
}

/// Postman's v2.1.0 schema, from the unpacked `postman_collection` crate in Cargo's registry.
fn postman_schema() -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cargo"));
    let registry = home.join("registry").join("src");
    for index in std::fs::read_dir(&registry).unwrap() {
        let candidate = index
            .unwrap()
            .path()
            .join("postman_collection-0.3.1/tests/fixtures/schema/postman-collection-v2.1.0.json");
        if candidate.exists() {
            return candidate;
        }
    }
    panic!("Postman's schema is not under {}", registry.display());
}

/// `/docs` lists every endpoint and links the guides and the reference, all served here.
#[tokio::test]
async fn the_docs_pages_list_every_endpoint_and_serve_the_guides() {
    let app = TestApp::spawn(Backend::Sqlite, true).await.unwrap();
    let doc = description(&app).await;
    let page = reqwest::get(format!("{}/docs", app.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for (method, path) in operations(&doc) {
        assert!(
            page.contains(&format!("<code>{path}</code>")),
            "{path} not listed"
        );
        assert!(page.contains(&method.to_uppercase()));
    }
    for slug in [
        "getting-a-token",
        "backend-for-frontend",
        "restricted-access-tokens",
        "verifying-jwts",
        "errors",
        "guard-your-api",
    ] {
        assert!(page.contains(&format!("/docs/guides/{slug}")));
        let res = reqwest::get(format!("{}/docs/guides/{slug}", app.base))
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{slug}");
        let html = res.text().await.unwrap();
        assert!(html.contains("<h1>"), "{slug}");
        assert!(!html.contains("{{"), "{slug}: placeholder left");
    }
    // The proxy guide carries a whole configuration for each of the four proxies.
    let guide = reqwest::get(format!("{}/docs/guides/guard-your-api", app.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for directive in [
        "auth_request /_portcullis/check;",
        "error_page 401 403 418 500 = @portcullis_answer;",
        "forward_auth 127.0.0.1:3000",
        "forwardAuth:",
        "envoy.filters.http.ext_authz",
        "X-Portcullis-Scopes",
    ] {
        assert!(
            guide.contains(directive),
            "{directive} missing from the guide"
        );
    }
    let guide = reqwest::get(format!("{}/docs/guides/verifying-jwts", app.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(guide.contains(&format!("{}/.well-known/jwks.json", app.base)));
    for language in ["Rust", "Python", "Node"] {
        assert!(guide.contains(language), "{language} example");
    }
    let missing = reqwest::get(format!("{}/docs/guides/nothing", app.base))
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    // The reference (Swagger UI) and its assets are served by the instance itself.
    let reference = reqwest::get(format!("{}/docs/reference/", app.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(reference.contains("swagger-ui"));
    assert!(!reference.contains("https://"), "no asset from elsewhere");
    let config = reqwest::get(format!(
        "{}/docs/reference/swagger-initializer.js",
        app.base
    ))
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    assert!(config.contains("/openapi.json"), "{config}");
}

/// The operator's OpenAPI file, as an operator would write it (no security: Portcullis adds
/// its own from the route table).
const ORDERS_OPENAPI: &str = r#"{
  "openapi": "3.1.0",
  "info": {"title": "Orders", "version": "1"},
  "paths": {
    "/orders/{id}": {"get": {"summary": "Get an order", "operationId": "getOrder",
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
      "responses": {"200": {"description": "The order"}}}},
    "/orders": {"post": {"summary": "Place an order", "operationId": "placeOrder",
      "responses": {"201": {"description": "Placed"}}}}
  }
}"#;

/// With an operator file, the operator's API is described beside Portcullis's own: in
/// `/openapi.json` with the gate's security, in `/docs`, in the Postman collection, in the
/// metadata's `scopes_supported` and in what `/api/v1` accepts.
#[tokio::test]
async fn the_operators_api_is_described_beside_portcullis_own() {
    let upstream: std::net::SocketAddr = "127.0.0.1:9".parse().unwrap();
    let text = crate::guard::operator_file(upstream, upstream)
        .replace("[api]\n", "[api]\nopenapi = \"orders-openapi.json\"\n");
    let file = crate::guard::write_operator_file(&text);
    std::fs::write(file.with_file_name("orders-openapi.json"), ORDERS_OPENAPI).unwrap();
    let app = TestApp::spawn_configured(Backend::Sqlite, |config| {
        config.config_file = Some(file.clone());
    })
    .await
    .unwrap();

    let doc = description(&app).await;
    let get = &doc["paths"]["/orders/{id}"]["get"];
    assert_eq!(get["summary"], "Get an order");
    assert_eq!(
        get["security"],
        serde_json::json!([{"oauth2": ["orders:read"]}, {"restrictedAccessToken": []}])
    );
    let post = &doc["paths"]["/orders"]["post"];
    assert_eq!(
        post["security"],
        serde_json::json!([{"oauth2": ["orders:write"]}])
    );
    assert!(doc["paths"]["/api/v1/me"]["get"].is_object(), "ours stay");
    let scopes =
        &doc["components"]["securitySchemes"]["oauth2"]["flows"]["clientCredentials"]["scopes"];
    assert_eq!(scopes["orders:read"], "Read orders");
    assert!(scopes["credentials:read"].is_string());

    let page = reqwest::get(format!("{}/docs", app.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<code>/orders/{id}</code>"));
    assert!(page.contains("Test Orders API"), "the API's name");
    assert!(page.contains("API Client token with orders:write"));

    let postman: Value = reqwest::get(format!("{}/docs/postman-collection.json", app.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let text = postman.to_string();
    assert!(
        text.contains("Get an order") && text.contains("Place an order"),
        "{text}"
    );

    let meta: Value = reqwest::get(format!(
        "{}/.well-known/oauth-authorization-server",
        app.base
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let supported: Vec<&str> = meta["scopes_supported"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        supported,
        [
            "credentials:read",
            "credentials:write",
            "audit:read",
            "orders:read",
            "orders:write"
        ]
    );

    // The console's API page names the API and offers its scopes, with their descriptions.
    let admin = app.admin().await;
    let (status, page) = admin.rpc("credentials/list", &[]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["api_name"], "Test Orders API");
    let offered = page["scopes"].to_string();
    assert!(offered.contains("orders:write") && offered.contains("Create and change orders"));

    // /api/v1 takes and shows the operator's scopes like Portcullis's own, and refuses others.
    let creds = app.api_client(&admin, "credentials:write", "").await;
    let token = app.access_token(&creds).await;
    let create = |scopes: Value| {
        reqwest::Client::new()
            .post(format!("{}/api/v1/api-clients", app.base))
            .bearer_auth(&token)
            .json(&serde_json::json!({"name": "Orders app", "scopes": scopes}))
            .send()
    };
    let res = create(serde_json::json!(["orders:read", "orders:write"]))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["scopes"],
        serde_json::json!(["orders:read", "orders:write"])
    );
    let res = create(serde_json::json!(["orders:delete"])).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused: server::ApiErrorBody = res.json().await.unwrap();
    assert_eq!(refused.field.as_deref(), Some("scopes"));
}
