//! The API page's server functions: the permission matrix as forged requests, tenant
//! isolation, validation, storage of secrets, large lists and concurrent edits.

use crate::helpers::{Browser, TestApp};
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::Row;

on_both_backends!(
    every_cell_of_the_permission_matrix,
    api_access_off_closes_the_page_for_everyone,
    another_organizations_credentials_answer_as_missing,
    bad_input_is_refused_by_field_and_saves_nothing,
    secrets_are_shown_once_and_stored_as_digests,
    a_thousand_credentials_list_sorted,
    concurrent_edits_never_fail_with_500,
);

fn client_form(name: &str) -> Vec<(&str, &str)> {
    vec![
        ("name", name),
        ("description", ""),
        ("allowed_origins", "https://app.example.com"),
        ("scopes", "credentials:read"),
        ("expiration_date", ""),
    ]
}

fn token_form(name: &str) -> Vec<(&str, &str)> {
    vec![
        ("name", name),
        ("allowed_ips", "203.0.113.0/24"),
        ("expiration_date", ""),
    ]
}

async fn create_client(browser: &Browser, name: &str) -> Value {
    let (status, body) = browser.rpc("api-clients/create", &client_form(name)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn create_token(browser: &Browser, name: &str) -> Value {
    let (status, body) = browser
        .rpc("restricted-tokens/create", &token_form(name))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn list(browser: &Browser) -> Value {
    let (status, body) = browser.rpc("credentials/list", &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn names(list: &Value, table: &str) -> Vec<String> {
    list[table]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect()
}

/// What each of the five kinds of member may do, as PRODUCT.md §2 tabulates it.
async fn every_cell_of_the_permission_matrix(app: TestApp) {
    let admin = app.admin().await;
    let people = [
        ("admin", None, true, true, true),
        (
            "dev+flag",
            Some(("dev-flag@example.com", "Developer", true)),
            true,
            true,
            false,
        ),
        (
            "dev",
            Some(("dev@example.com", "Developer", false)),
            false,
            false,
            false,
        ),
        (
            "member+flag",
            Some(("member-flag@example.com", "Member", true)),
            true,
            false,
            false,
        ),
        (
            "member",
            Some(("member@example.com", "Member", false)),
            false,
            false,
            false,
        ),
    ];
    for (who, invite, tokens, clients, disable) in people {
        let browser = match invite {
            None => {
                app.browser_signed_in_as("ada@example.com", "correct horse battery")
                    .await
            }
            Some((email, role, manage)) => app.member_with(&admin, email, role, manage).await,
        };
        let client = create_client(&admin, &format!("{who} target client")).await;
        let token = create_token(&admin, &format!("{who} target token")).await;
        let client_id = client["client"]["id"].as_str().unwrap().to_string();
        let token_id = token["token"]["id"].as_str().unwrap().to_string();
        let expect = |allowed: bool| {
            if allowed {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            }
        };

        let (status, _) = browser.rpc("credentials/list", &[]).await;
        assert_eq!(status, StatusCode::OK, "{who} sees the API page");

        let (status, body) = browser
            .rpc("api-clients/create", &client_form("forged"))
            .await;
        assert_eq!(
            status,
            expect(clients),
            "{who} creates an API Client: {body}"
        );
        let mut update = client_form("renamed");
        update.insert(0, ("id", client_id.as_str()));
        let (status, body) = browser.rpc("api-clients/update", &update).await;
        assert_eq!(status, expect(clients), "{who} edits an API Client: {body}");
        let (status, body) = browser
            .rpc(
                "api-clients/set-disabled",
                &[("id", client_id.as_str()), ("disabled", "true")],
            )
            .await;
        assert_eq!(
            status,
            expect(disable),
            "{who} disables an API Client: {body}"
        );

        let (status, body) = browser
            .rpc("restricted-tokens/create", &token_form("forged"))
            .await;
        assert_eq!(status, expect(tokens), "{who} creates a token: {body}");
        let mut update = token_form("renamed token");
        update.insert(0, ("id", token_id.as_str()));
        let (status, body) = browser.rpc("restricted-tokens/update", &update).await;
        assert_eq!(status, expect(tokens), "{who} edits a token: {body}");

        let (status, _) = browser
            .rpc("restricted-tokens/delete", &[("id", token_id.as_str())])
            .await;
        assert_eq!(status, expect(tokens), "{who} deletes a token");
        let (status, _) = browser
            .rpc("api-clients/delete", &[("id", client_id.as_str())])
            .await;
        assert_eq!(status, expect(clients), "{who} deletes an API Client");

        // What was refused left no trace.
        let after = list(&admin).await;
        let client_names = names(&after, "api_clients");
        let token_names = names(&after, "restricted_tokens");
        assert_eq!(client_names.iter().any(|n| n == "forged"), clients, "{who}");
        assert_eq!(token_names.iter().any(|n| n == "forged"), tokens, "{who}");
        assert_eq!(
            !client_names.contains(&format!("{who} target client")),
            clients,
            "{who}"
        );
        // Clean up what was allowed, so the next person starts from the same place.
        for table in ["api_clients", "restricted_tokens"] {
            for item in after[table].as_array().unwrap() {
                let endpoint = if table == "api_clients" {
                    "api-clients/delete"
                } else {
                    "restricted-tokens/delete"
                };
                admin
                    .rpc(endpoint, &[("id", item["id"].as_str().unwrap())])
                    .await;
            }
        }
    }
}

async fn api_access_off_closes_the_page_for_everyone(app: TestApp) {
    let admin = app.admin().await;
    create_client(&admin, "before").await;
    let (_, me) = admin.rpc("me", &[]).await;
    let org = me["organization"]["id"].as_str().unwrap();
    app.services
        .set_api_access(services::Actor::CLI, org, false, app.services.now())
        .await
        .unwrap();
    let (status, _) = admin.rpc("credentials/list", &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = admin.rpc("api-clients/create", &client_form("after")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = admin
        .rpc("restricted-tokens/create", &token_form("after"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    app.services
        .set_api_access(services::Actor::CLI, org, true, app.services.now())
        .await
        .unwrap();
    assert_eq!(names(&list(&admin).await, "api_clients"), ["before"]);
}

async fn another_organizations_credentials_answer_as_missing(app: TestApp) {
    let a = app.admin().await;
    let client = create_client(&a, "A's client").await;
    let token = create_token(&a, "A's token").await;
    let b = app.browser().await;
    let (status, _) = b
        .rpc(
            "signup",
            &[
                ("name", "Bob"),
                ("email", "bob@example.com"),
                ("password", "bob's long password"),
                ("organization_name", "B"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let b_list = list(&b).await;
    assert!(
        names(&b_list, "api_clients").is_empty() && names(&b_list, "restricted_tokens").is_empty()
    );
    let client_id = client["client"]["id"].as_str().unwrap();
    let token_id = token["token"]["id"].as_str().unwrap();
    let mut update = client_form("stolen");
    update.insert(0, ("id", client_id));
    let mut token_update = token_form("stolen");
    token_update.insert(0, ("id", token_id));
    let attempts: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("api-clients/update", update),
        (
            "api-clients/set-disabled",
            vec![("id", client_id), ("disabled", "true")],
        ),
        ("api-clients/delete", vec![("id", client_id)]),
        ("restricted-tokens/update", token_update),
        ("restricted-tokens/delete", vec![("id", token_id)]),
    ];
    for (endpoint, form) in attempts {
        let (status, body) = b.rpc(endpoint, &form).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{endpoint}: {body}");
    }
    let a_list = list(&a).await;
    assert_eq!(names(&a_list, "api_clients"), ["A's client"]);
    assert_eq!(a_list["api_clients"][0]["status"], "active");
    assert_eq!(names(&a_list, "restricted_tokens"), ["A's token"]);
}

async fn bad_input_is_refused_by_field_and_saves_nothing(app: TestApp) {
    let admin = app.admin().await;
    let long_name = "n".repeat(71);
    let long_description = "d".repeat(501);
    let many_origins = (0..51)
        .map(|i| format!("https://h{i}.example"))
        .collect::<Vec<_>>()
        .join(",");
    let many_ips = (0..101)
        .map(|i| format!("10.0.{i}.1"))
        .collect::<Vec<_>>()
        .join(",");
    let cases: Vec<(&str, &str, &str, Option<&str>)> = vec![
        ("name", "", "name", None),
        ("name", &long_name, "name", None),
        ("description", &long_description, "description", None),
        (
            "allowed_origins",
            "https://ok.example, https://bad.example/path",
            "allowed_origins",
            Some("not an origin (no path): https://bad.example/path"),
        ),
        (
            "allowed_origins",
            "*",
            "allowed_origins",
            Some("not an origin (wildcards are not allowed): *"),
        ),
        (
            "allowed_origins",
            "ftp://files.example",
            "allowed_origins",
            None,
        ),
        ("allowed_origins", &many_origins, "allowed_origins", None),
        ("scopes", "", "scopes", None),
        (
            "scopes",
            "credentials:read admin",
            "scopes",
            Some("unknown scope: admin"),
        ),
        ("expiration_date", "2001-01-01", "expires_at", None),
        ("expiration_date", "2026-02-30", "expires_at", None),
    ];
    for (key, value, field, message) in cases {
        let mut form = client_form("valid name");
        form.retain(|(k, _)| *k != key);
        form.push((key, value));
        let (status, body) = admin.rpc("api-clients/create", &form).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{key}={value}: {body}"
        );
        assert_eq!(body["Field"]["field"], field, "{key}={value}");
        if let Some(message) = message {
            assert_eq!(body["Field"]["message"], message);
        }
    }
    let token_cases: Vec<(&str, &str, &str, Option<&str>)> = vec![
        ("allowed_ips", "", "allowed_ips", None),
        (
            "allowed_ips",
            "10.0.0.1, 300.1.1.1",
            "allowed_ips",
            Some("not an IP address or CIDR range: 300.1.1.1"),
        ),
        ("allowed_ips", "10.0.0.0/33", "allowed_ips", None),
        ("allowed_ips", &many_ips, "allowed_ips", None),
        ("name", &long_name, "name", None),
    ];
    for (key, value, field, message) in token_cases {
        let mut form = token_form("valid name");
        form.retain(|(k, _)| *k != key);
        form.push((key, value));
        let (status, body) = admin.rpc("restricted-tokens/create", &form).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{key}={value}: {body}"
        );
        assert_eq!(body["Field"]["field"], field);
        if let Some(message) = message {
            assert_eq!(body["Field"]["message"], message);
        }
    }
    let after = list(&admin).await;
    assert!(
        names(&after, "api_clients").is_empty() && names(&after, "restricted_tokens").is_empty()
    );

    // Good input in its many shapes is normalized.
    let (status, body) = admin
        .rpc(
            "restricted-tokens/create",
            &[
                ("name", "  Kiosk  "),
                (
                    "allowed_ips",
                    "203.0.113.7/24, ::ffff:198.51.100.9, 2001:DB8::/32, 203.0.113.0/24",
                ),
                ("expiration_date", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token"]["name"], "Kiosk");
    assert_eq!(
        body["token"]["allowed_ips"],
        serde_json::json!(["203.0.113.0/24", "198.51.100.9", "2001:db8::/32"])
    );
    let mut form = client_form("Origins");
    form.retain(|(k, _)| *k != "allowed_origins");
    form.push((
        "allowed_origins",
        "https://App.Example.com:443/, http://localhost:3000, https://app.example.com",
    ));
    let (status, body) = admin.rpc("api-clients/create", &form).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["client"]["allowed_origins"],
        serde_json::json!(["https://app.example.com", "http://localhost:3000"])
    );
}

async fn secrets_are_shown_once_and_stored_as_digests(app: TestApp) {
    let admin = app.admin().await;
    let created = create_client(&admin, "Warehouse").await;
    let secret = created["client_secret"].as_str().unwrap().to_string();
    let client_id = created["client"]["client_id"].as_str().unwrap().to_string();
    assert!(
        domain::credentials::parse_secret(&secret).is_ok(),
        "prefix, length and checksum hold"
    );
    assert!(secret.starts_with("pcs_") && secret.len() == 50);
    assert!(domain::credentials::is_client_id(&client_id));
    assert_eq!(
        created["client"]["secret_last_four"],
        secret[secret.len() - 4..]
    );
    assert_eq!(
        created["client"]["scopes"],
        serde_json::json!(["credentials:read"])
    );
    let token = create_token(&admin, "Kiosk").await;
    let token_value = token["secret"].as_str().unwrap().to_string();
    assert!(
        token_value.starts_with("pcr_") && domain::credentials::parse_secret(&token_value).is_ok()
    );

    // The list never carries them again.
    let listed = serde_json::to_string(&list(&admin).await).unwrap();
    assert!(!listed.contains(&secret) && !listed.contains(&token_value));

    // The database holds their SHA-256 digests, and nowhere the values themselves.
    let row = sqlx::query("SELECT * FROM api_clients")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(
        row.try_get::<String, _>("secret_digest").unwrap(),
        services::secrets::digest(&secret)
    );
    let row = sqlx::query("SELECT * FROM restricted_tokens")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(
        row.try_get::<String, _>("token_digest").unwrap(),
        services::secrets::digest(&token_value)
    );
    for (table, columns) in [
        (
            "api_clients",
            &[
                "name",
                "description",
                "client_id",
                "secret_digest",
                "secret_last_four",
                "allowed_origins",
                "scopes",
            ][..],
        ),
        (
            "restricted_tokens",
            &["name", "token_digest", "token_last_four", "allowed_ips"][..],
        ),
    ] {
        for column in columns {
            for needle in [&secret, &token_value] {
                let sql = format!("SELECT COUNT(*) AS n FROM {table} WHERE {column} LIKE $1");
                let n: i64 = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(format!("%{}%", &needle[4..]))
                    .fetch_one(app.store.pool())
                    .await
                    .unwrap()
                    .try_get("n")
                    .unwrap();
                assert_eq!(n, 0, "{table}.{column} holds a secret");
            }
        }
    }

    // Editing changes metadata only: same Client ID, same secret.
    let id = created["client"]["id"].as_str().unwrap();
    let mut update = client_form("Warehouse v2");
    update.insert(0, ("id", id));
    update.retain(|(k, _)| *k != "scopes");
    update.push(("scopes", "credentials:read credentials:write"));
    let (status, body) = admin.rpc("api-clients/update", &update).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["client_id"], client_id.as_str());
    assert_eq!(body["secret_last_four"], secret[secret.len() - 4..]);
    assert_eq!(
        body["scopes"],
        serde_json::json!(["credentials:read", "credentials:write"])
    );
    let row = sqlx::query("SELECT secret_digest FROM api_clients")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(
        row.try_get::<String, _>("secret_digest").unwrap(),
        services::secrets::digest(&secret)
    );
    // Disable, then enable: the status follows.
    let (_, body) = admin
        .rpc(
            "api-clients/set-disabled",
            &[("id", id), ("disabled", "true")],
        )
        .await;
    assert_eq!(body["status"], "disabled");
    let (_, body) = admin
        .rpc(
            "api-clients/set-disabled",
            &[("id", id), ("disabled", "false")],
        )
        .await;
    assert_eq!(body["status"], "active");
    // Deleted is gone at once.
    let (status, _) = admin.rpc("api-clients/delete", &[("id", id)]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(names(&list(&admin).await, "api_clients").is_empty());
    let (status, _) = admin.rpc("api-clients/delete", &[("id", id)]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn a_thousand_credentials_list_sorted(app: TestApp) {
    let admin = app.admin().await;
    let (_, me) = admin.rpc("me", &[]).await;
    let org = me["organization"]["id"].as_str().unwrap().to_string();
    let user = me["user_id"].as_str().unwrap().to_string();
    let now = app.services.now();
    for i in 0..1000 {
        // Mixed case, so that a case-sensitive sort would be visibly wrong.
        let name = if i % 2 == 0 {
            format!("Client {:04}", 999 - i)
        } else {
            format!("client {:04}", 999 - i)
        };
        let id = format!("seed{i:028}");
        app.store
            .create_api_client(
                store::NewApiClient {
                    id: &id,
                    organization_id: &org,
                    client_id: &format!("pci_seed{i:020}"),
                    secret_digest: &services::secrets::digest(&id),
                    secret_last_four: "abcd",
                    created_by: &user,
                    fields: store::ApiClientFields {
                        name: &name,
                        description: None,
                        allowed_origins: &[],
                        scopes: "credentials:read",
                        application_type: "custom",
                        expires_at: None,
                        rate_limit: None,
                        quota: None,
                    },
                },
                domain::credentials::MAX_CREDENTIALS_PER_KIND,
                now,
                &store::testing::seed_audit_event(&org, &id),
            )
            .await
            .unwrap();
    }
    // The console shows the first 100 and loads the rest a page at a time (Load more).
    let first = list(&admin).await;
    let mut listed = names(&first, "api_clients");
    assert_eq!(listed.len(), 100);
    let mut next = first["api_clients_next"].as_str().map(str::to_string);
    while let Some(cursor) = next {
        let (status, body) = admin
            .rpc("credentials/list", &[("clients_after", &cursor)])
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        listed.extend(names(&body, "api_clients"));
        next = body["api_clients_next"].as_str().map(str::to_string);
        assert!(listed.len() <= 1000, "pages overlap");
    }
    assert_eq!(listed.len(), 1000);
    let mut sorted = listed.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(listed, sorted);
    assert!(listed[0].ends_with("0000") && listed[999].ends_with("0999"));
}

async fn concurrent_edits_never_fail_with_500(app: TestApp) {
    let admin = app.admin().await;
    let other = app
        .member_with(&admin, "dev@example.com", "Developer", true)
        .await;
    let created = create_client(&admin, "Shared").await;
    let keep = create_client(&other, "Keep me").await;
    let id = created["client"]["id"].as_str().unwrap().to_string();
    let mut first = client_form("Edited by Ada");
    first.insert(0, ("id", id.as_str()));
    let mut second = client_form("Edited by Grace");
    second.insert(0, ("id", id.as_str()));
    let delete = [("id", id.as_str())];
    let create = client_form("Created meanwhile");
    let (a, b, c, d) = tokio::join!(
        admin.rpc("api-clients/update", &first),
        other.rpc("api-clients/update", &second),
        admin.rpc("api-clients/delete", &delete),
        other.rpc("api-clients/create", &create),
    );
    for (status, body) in [&a, &b, &c, &d] {
        assert!(
            *status == StatusCode::OK || *status == StatusCode::NOT_FOUND,
            "never a 500: {status} {body}"
        );
    }
    assert_eq!(c.0, StatusCode::OK, "the delete happened");
    assert_eq!(d.0, StatusCode::OK, "the creation happened");
    let after = names(&list(&admin).await, "api_clients");
    assert!(
        after.contains(&"Keep me".to_string()) && after.contains(&"Created meanwhile".to_string())
    );
    assert!(
        !after
            .iter()
            .any(|n| n.starts_with("Edited") || n == "Shared"),
        "{after:?}"
    );
    assert!(keep["client_secret"].is_string());
}
