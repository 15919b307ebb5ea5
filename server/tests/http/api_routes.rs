//! How `/api/v1` routes what its gate admitted (`api::table`): a documented path's `{id}` as
//! the client wrote it, and JSON answers for unknown paths (404) and methods (405). What the
//! gate refuses is in `gate.rs`.

use crate::helpers::{Browser, TestApp};
use reqwest::{Method, StatusCode};
use server::ApiErrorBody;
use store::Backend;

async fn send(app: &TestApp, method: Method, path: &str, token: &str) -> reqwest::Response {
    reqwest::Client::new()
        .request(method, format!("{}{path}", app.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// An instance, its Admin, and a JWT that may read and change credentials.
async fn with_writer() -> (TestApp, Browser, String) {
    let app = TestApp::spawn(Backend::Sqlite, false).await.unwrap();
    let admin = app.admin().await;
    let writer = app
        .api_client(&admin, "credentials:read credentials:write", "")
        .await;
    let token = app.access_token(&writer).await;
    (app, admin, token)
}

#[tokio::test]
async fn unknown_paths_are_404_and_unknown_methods_405_once_admitted() {
    let (app, _, token) = with_writer().await;

    // Without a credential nothing is told, not even that a path is unknown.
    let res = send(&app, Method::GET, "/api/v1/nothing-here", "").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    for path in [
        "/api/v1",
        "/api/v1/nothing-here",
        "/api/v1/me/",
        "/api/v1/api-clients/x/y",
    ] {
        let res = send(&app, Method::GET, path, &token).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        let body: ApiErrorBody = res.json().await.unwrap();
        assert_eq!(body.error, "not_found", "{path}");
    }

    for (method, path, allowed) in [
        (Method::PUT, "/api/v1/me", "GET, OPTIONS"),
        (Method::DELETE, "/api/v1/api-clients", "GET, POST, OPTIONS"),
        (
            Method::GET,
            "/api/v1/api-clients/x/rotate-secret",
            "POST, OPTIONS",
        ),
    ] {
        let res = send(&app, method.clone(), path, &token).await;
        assert_eq!(
            res.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        assert_eq!(res.headers()["allow"], allowed, "{method} {path}");
        assert_eq!(
            res.headers()["vary"],
            "Origin",
            "gated answers vary by origin"
        );
        let body: ApiErrorBody = res.json().await.unwrap();
        assert_eq!(body.error, "method_not_allowed");
    }
}

#[tokio::test]
async fn an_id_is_read_percent_decoded() {
    let (app, admin, token) = with_writer().await;
    let other = app.api_client(&admin, "credentials:read", "").await;

    // The first character of the id, percent-encoded, names the same client.
    let mut chars = other.id.chars();
    let first = chars.next().unwrap();
    let encoded = format!("%{:02X}{}", first as u32, chars.as_str());
    let path = format!("/api/v1/api-clients/{encoded}/usage");
    let res = send(&app, Method::GET, &path, &token).await;
    assert_eq!(res.status(), StatusCode::OK, "{path}");

    // Bytes that are not UTF-8 name nothing.
    let res = send(&app, Method::GET, "/api/v1/api-clients/%FF/usage", &token).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let body: ApiErrorBody = res.json().await.unwrap();
    assert_eq!(body.error, "not_found");
}
