//! Application types (PRODUCT.md §10): `custom` unless the operator's file offers more; a type
//! the file does not declare is refused (422) and nothing is saved.

use crate::guard::write_operator_file;
use crate::helpers::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::json;
use server::ApiClientItem;
use server::ApiClientList;
use store::Backend;

const FILE: &str = r#"[api]
name = "Typed API"

[[api.scopes]]
name = "things:read"
description = "Read things"

[[api.application_types]]
id = "active-directory"
label = "Active Directory"
guide_url = "https://example.com/guides/ad"

[[api.routes]]
path = "/things"
methods = ["GET"]
scopes = ["things:read"]
"#;

async fn spawn(backend: Backend, with_types: bool) -> Option<TestApp> {
    TestApp::spawn_configured(backend, |config| {
        if with_types {
            config.config_file = Some(write_operator_file(FILE));
        }
    })
    .await
}

#[tokio::test]
async fn types_on_sqlite() {
    if let Some(app) = spawn(Backend::Sqlite, true).await {
        types_from_the_file_are_kept_and_others_refused(app).await;
    }
}

#[tokio::test]
async fn types_on_postgres() {
    if let Some(app) = spawn(Backend::Postgres, true).await {
        types_from_the_file_are_kept_and_others_refused(app).await;
    }
}

#[tokio::test]
async fn without_a_file_every_client_is_custom() {
    let app = spawn(Backend::Sqlite, false).await.unwrap();
    let admin = app.admin().await;
    let writer = app
        .api_client(&admin, "credentials:read credentials:write", "")
        .await;
    let token = app.access_token(&writer).await;
    let (status, body) = app
        .api(
            Method::POST,
            "api-clients",
            &token,
            Some(json!({"name": "Plain"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["application_type"], "custom");
    let (status, body) = app
        .api(
            Method::POST,
            "api-clients",
            &token,
            Some(json!({"name": "Typed", "application_type": "active-directory"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "application_type");
}

async fn types_from_the_file_are_kept_and_others_refused(app: TestApp) {
    let admin = app.admin().await;
    let (status, page) = admin.rpc("credentials/list", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        page["application_types"]["operator"][0]["label"],
        "Active Directory"
    );
    let writer = app
        .api_client(&admin, "credentials:read credentials:write", "")
        .await;
    let token = app.access_token(&writer).await;

    // Through the API: the default, a declared type, and refusals that save nothing.
    let (status, body) = app
        .api(
            Method::POST,
            "api-clients",
            &token,
            Some(json!({"name": "Directory sync", "application_type": "active-directory"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let typed: ApiClientItem = serde_json::from_value(body).unwrap();
    assert_eq!(typed.application_type, "active-directory");
    for bad in [json!("ldap"), json!("Active Directory"), json!("custom\n")] {
        let (status, body) = app
            .api(
                Method::POST,
                "api-clients",
                &token,
                Some(json!({"name": "Refused", "application_type": bad})),
            )
            .await;
        if bad == json!("custom\n") {
            // Surrounding whitespace is trimmed like every other field.
            assert_eq!(status, StatusCode::CREATED, "{body}");
            assert_eq!(body["application_type"], "custom");
            continue;
        }
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert_eq!(body["field"], "application_type");
    }
    let (status, body) = app
        .api(
            Method::PATCH,
            &format!("api-clients/{}", typed.id),
            &token,
            Some(json!({"application_type": "ldap"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // Through the console: the form's select.
    let (status, body) = admin
        .rpc(
            "api-clients/update",
            &[
                ("id", &typed.id),
                ("name", "Directory sync"),
                ("description", ""),
                ("allowed_origins", ""),
                ("scopes", "credentials:read"),
                ("expiration_date", ""),
                ("application_type", "custom"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["application_type"], "custom");
    let (status, body) = admin
        .rpc(
            "api-clients/update",
            &[
                ("id", &typed.id),
                ("name", "Directory sync"),
                ("description", ""),
                ("allowed_origins", ""),
                ("scopes", "credentials:read"),
                ("expiration_date", ""),
                ("application_type", "nope"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    let (status, body) = app.api(Method::GET, "api-clients", &token, None).await;
    assert_eq!(status, StatusCode::OK);
    let list: ApiClientList = serde_json::from_value(body).unwrap();
    let names: Vec<(&str, &str)> = list
        .data
        .iter()
        .map(|c| (c.name.as_str(), c.application_type.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("Backend", "custom"),
            ("Directory sync", "custom"),
            ("Refused", "custom")
        ],
        "nothing refused was saved"
    );
}
