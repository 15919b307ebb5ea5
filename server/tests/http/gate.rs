//! The guarded public API over real HTTP (PRODUCT.md §6): bearer challenges, scopes, the
//! restricted subset, IP allow-lists (the test client binds 127.0.0.2 and 127.0.0.3), trusted
//! proxies, origins and CORS, the JSON collections, and revocation across two instances.

use crate::helpers::{Browser, ClientCreds, TestApp, challenge};
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::net::IpAddr;
use std::time::{Duration, Instant};
use store::Backend;

on_both_backends!(
    bearer_challenges,
    restricted_tokens_are_locked_to_their_addresses_and_subset,
    origins_decide_for_api_clients_and_preflight_answers_all,
    the_collections_speak_json,
    bad_input_gets_clear_errors_and_changes_nothing,
    another_organizations_ids_answer_as_missing,
);

fn client_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(ip.parse::<IpAddr>().unwrap())
        .build()
        .unwrap()
}

async fn get(client: &reqwest::Client, url: &str, bearer: &str) -> reqwest::Response {
    client.get(url).bearer_auth(bearer).send().await.unwrap()
}

async fn bearer_challenges(app: TestApp) {
    let url = format!("{}/api/v1/me", app.base);
    let res = reqwest::get(&url).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(challenge(&res), "Bearer realm=\"portcullis\"");
    let res = reqwest::Client::new()
        .get(&url)
        .header("authorization", "Basic Zm9vOmJhcg==")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(challenge(&res), "Bearer realm=\"portcullis\"");
    for malformed in ["Bearer", "Bearer a b", "Bearer pcr_short", "Bearer x.y.z"] {
        let res = reqwest::Client::new()
            .get(&url)
            .header("authorization", malformed)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{malformed}");
        assert_eq!(
            challenge(&res),
            "Bearer realm=\"portcullis\", error=\"invalid_token\"",
            "{malformed}"
        );
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"], "invalid_token");
    }
    // Unknown paths under /api/v1 are behind the gate too.
    let res = reqwest::get(format!("{}/api/v1/nothing", app.base))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

async fn restricted_tokens_are_locked_to_their_addresses_and_subset(app: TestApp) {
    let admin = app.admin().await;
    let (id, token) = app.restricted_token(&admin, "127.0.0.2").await;
    let url = format!("{}/api/v1/me", app.base);
    let allowed = client_from("127.0.0.2");
    let refused = client_from("127.0.0.3");
    let res = get(&allowed, &url, &token).await;
    assert_eq!(res.status(), StatusCode::OK);
    let me: Value = res.json().await.unwrap();
    assert_eq!(me["credential_type"], "restricted_access_token");
    assert_eq!(me["id"], id.as_str());
    assert_eq!(me["name"], "Browser app");
    assert_eq!(me["organization"]["name"], "Analytical");
    let res = get(&refused, &url, &token).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"],
        "ip_not_allowed"
    );
    // A spoofed X-Forwarded-For from an untrusted peer changes nothing.
    let res = refused
        .get(&url)
        .bearer_auth(&token)
        .header("x-forwarded-for", "127.0.0.2")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Outside the subset: 403 insufficient_scope, even from an allowed address.
    for path in ["api-clients", "restricted-access-tokens"] {
        let res = get(&allowed, &format!("{}/api/v1/{path}", app.base), &token).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}");
        assert!(challenge(&res).contains("error=\"insufficient_scope\""));
    }
    let res = allowed
        .delete(format!("{}/api/v1/restricted-access-tokens/{id}", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Any origin is answered; the IP list decides.
    let res = allowed
        .get(&url)
        .bearer_auth(&token)
        .header("origin", "https://anything.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers().get("access-control-allow-origin").unwrap(),
        "https://anything.example"
    );
    // Widening the list in the console takes effect on the next request, and so does a new
    // name (the answer to /me is kept with the token's cached entry, not past a change).
    let (status, body) = admin
        .rpc(
            "restricted-tokens/update",
            &[
                ("id", &id),
                ("name", "Browser app, renamed"),
                ("allowed_ips", "127.0.0.2, 127.0.0.3"),
                ("expiration_date", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let res = get(&refused, &url, &token).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.json::<Value>().await.unwrap()["name"],
        "Browser app, renamed"
    );
    // Deleted: refused at once.
    let (status, _) = admin.rpc("restricted-tokens/delete", &[("id", &id)]).await;
    assert_eq!(status, StatusCode::OK);
    let res = get(&allowed, &url, &token).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(challenge(&res).contains("invalid_token"));
}

/// Behind a trusted proxy (127.0.0.0/8 here) the right-most untrusted X-Forwarded-For hop is
/// the client.
#[tokio::test]
async fn forwarded_addresses_count_only_from_trusted_proxies() {
    let app = TestApp::spawn_configured(Backend::Sqlite, |c| {
        c.trusted_proxies = server::client_ip::TrustedProxies::parse("127.0.0.0/8").unwrap();
    })
    .await
    .unwrap();
    let admin = app.admin().await;
    let (_, token) = app.restricted_token(&admin, "203.0.113.7").await;
    let url = format!("{}/api/v1/me", app.base);
    let send = |xff: &'static str| {
        let request = reqwest::Client::new().get(&url).bearer_auth(&token);
        let request = if xff.is_empty() {
            request
        } else {
            request.header("x-forwarded-for", xff)
        };
        async move { request.send().await.unwrap().status() }
    };
    assert_eq!(send("203.0.113.7").await, StatusCode::OK);
    assert_eq!(
        send("198.51.100.1, 203.0.113.7, 127.0.0.5").await,
        StatusCode::OK
    );
    // The client cannot slip in an address left of the one our proxy saw.
    assert_eq!(
        send("203.0.113.7, 198.51.100.1").await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(send("").await, StatusCode::FORBIDDEN);
    assert_eq!(send("garbage").await, StatusCode::FORBIDDEN);
}

async fn origins_decide_for_api_clients_and_preflight_answers_all(app: TestApp) {
    let admin = app.admin().await;
    let listed = app
        .api_client(&admin, "credentials:read", "https://app.example.com")
        .await;
    let unlisted = app.api_client(&admin, "credentials:read", "").await;
    let url = format!("{}/api/v1/me", app.base);
    let with_origin = |token: String, origin: &'static str| {
        let url = url.clone();
        async move {
            reqwest::Client::new()
                .get(url)
                .bearer_auth(token)
                .header("origin", origin)
                .send()
                .await
                .unwrap()
        }
    };
    let token = app.access_token(&listed).await;
    let res = with_origin(token.clone(), "https://app.example.com").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers().get("access-control-allow-origin").unwrap(),
        "https://app.example.com"
    );
    assert!(
        res.headers()
            .get_all("vary")
            .iter()
            .any(|v| v.to_str().unwrap().contains("Origin"))
    );
    // An invalid token from a browser: 401 the page can read.
    let res = with_origin("pcr_nonsense".into(), "https://app.example.com").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        res.headers().get("access-control-allow-origin").unwrap(),
        "https://app.example.com"
    );
    let res = with_origin(token.clone(), "https://evil.example.com").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.headers().get("access-control-allow-origin").is_none());
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"],
        "origin_not_allowed"
    );
    // No origins listed: browsers are refused; servers (no Origin header) are not.
    let other = app.access_token(&unlisted).await;
    let res = with_origin(other.clone(), "https://app.example.com").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.me(&other).await.status(), StatusCode::OK);
    // Preflight: no credentials, 204 for any origin.
    let res = reqwest::Client::new()
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/api/v1/api-clients", app.base),
        )
        .header("origin", "https://whoever.example")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let h = res.headers();
    assert_eq!(
        h.get("access-control-allow-origin").unwrap(),
        "https://whoever.example"
    );
    let methods = h
        .get("access-control-allow-methods")
        .unwrap()
        .to_str()
        .unwrap();
    for m in ["GET", "POST", "PATCH", "DELETE"] {
        assert!(methods.contains(m), "{methods}");
    }
    assert_eq!(
        h.get("access-control-allow-headers").unwrap(),
        "Authorization, Content-Type"
    );
}

async fn writer(app: &TestApp, admin: &Browser) -> (ClientCreds, String) {
    let creds = app
        .api_client(admin, "credentials:read credentials:write", "")
        .await;
    let token = app.access_token(&creds).await;
    (creds, token)
}

async fn the_collections_speak_json(app: TestApp) {
    use reqwest::Method;
    let admin = app.admin().await;
    let (me_creds, token) = writer(&app, &admin).await;

    // API Clients: create (the secret once), list, patch, and the new client works.
    let (status, created) = app
        .api(
            Method::POST,
            "api-clients",
            &token,
            Some(json!({
                "name": "  Reporting ",
                "description": "nightly job",
                "allowed_origins": ["https://Reports.example.com/"],
                "scopes": ["credentials:read"],
                "expires_at": null,
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["name"], "Reporting");
    assert_eq!(
        created["allowed_origins"],
        json!(["https://reports.example.com"])
    );
    assert_eq!(created["status"], "active");
    assert_eq!(created["expires_at"], Value::Null);
    assert!(created["created_at"].as_str().unwrap().ends_with('Z'));
    let secret = created["client_secret"].as_str().unwrap();
    assert!(secret.starts_with("pcs_"));
    assert_eq!(created["secret_last_four"], &secret[secret.len() - 4..]);
    let id = created["id"].as_str().unwrap().to_string();
    let new = ClientCreds {
        id: id.clone(),
        client_id: created["client_id"].as_str().unwrap().into(),
        secret: secret.into(),
    };
    let (status, _) = app.request_token(&new, None).await;
    assert_eq!(status, StatusCode::OK);

    let (status, list) = app.api(Method::GET, "api-clients", &token, None).await;
    assert_eq!(status, StatusCode::OK);
    let data = list["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    assert!(data.iter().all(|c| c.get("client_secret").is_none()));
    assert!(data.iter().any(|c| c["id"] == me_creds.id.as_str()));
    let item = data.iter().find(|c| c["id"] == id.as_str()).unwrap();
    for field in [
        "name",
        "description",
        "client_id",
        "secret_last_four",
        "allowed_origins",
        "status",
        "scopes",
        "expires_at",
        "created_at",
    ] {
        assert!(item.get(field).is_some(), "{field} missing from {item}");
    }

    // The console names the API Client that created it.
    let (_, page) = admin.rpc("credentials/list", &[]).await;
    let shown = page["api_clients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id.as_str())
        .unwrap();
    assert_eq!(shown["created_by"], "API Client Backend");

    let (status, patched) = app
        .api(
            Method::PATCH,
            &format!("api-clients/{id}"),
            &token,
            Some(json!({"description": null, "expires_at": "2099-01-01T00:00:00Z"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(
        patched["name"], "Reporting",
        "absent fields keep their values"
    );
    assert_eq!(patched["description"], Value::Null);
    assert_eq!(patched["expires_at"], "2099-01-01T00:00:00Z");

    // Restricted Access Tokens: create, list, patch, delete.
    let (status, created) = app
        .api(
            Method::POST,
            "restricted-access-tokens",
            &token,
            Some(json!({"name": "Kiosk", "allowed_ips": ["127.0.0.1", "2001:db8::/32"]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let rat = created["token"].as_str().unwrap().to_string();
    assert!(rat.starts_with("pcr_"));
    assert_eq!(
        created["allowed_ips"],
        json!(["127.0.0.1", "2001:db8::/32"])
    );
    let rat_id = created["id"].as_str().unwrap().to_string();
    assert_eq!(app.me(&rat).await.status(), StatusCode::OK);
    let (status, list) = app
        .api(Method::GET, "restricted-access-tokens", &token, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert!(list["data"][0].get("token").is_none());
    let (status, patched) = app
        .api(
            Method::PATCH,
            &format!("restricted-access-tokens/{rat_id}"),
            &token,
            Some(json!({"allowed_ips": ["10.0.0.0/8"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["name"], "Kiosk");
    assert_eq!(
        app.me(&rat).await.status(),
        StatusCode::FORBIDDEN,
        "the narrowed list applies at once"
    );
    let (status, _) = app
        .api(
            Method::DELETE,
            &format!("restricted-access-tokens/{rat_id}"),
            &token,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(app.me(&rat).await.status(), StatusCode::UNAUTHORIZED);

    // Deleting an API Client through the API stops its tokens.
    let new_token = app.access_token(&new).await;
    let (status, _) = app
        .api(Method::DELETE, &format!("api-clients/{id}"), &token, None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(app.me(&new_token).await.status(), StatusCode::UNAUTHORIZED);
    let (status, body) = app
        .api(Method::DELETE, &format!("api-clients/{id}"), &token, None)
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );

    // What the API created, the console shows.
    let (_, page) = admin.rpc("credentials/list", &[]).await;
    assert_eq!(page["api_clients"].as_array().unwrap().len(), 1);
}

async fn bad_input_gets_clear_errors_and_changes_nothing(app: TestApp) {
    use reqwest::Method;
    let admin = app.admin().await;
    let (_, token) = writer(&app, &admin).await;
    let cases = [
        ("api-clients", json!({"description": "no name"}), "name"),
        ("api-clients", json!({"name": "x".repeat(71)}), "name"),
        (
            "api-clients",
            json!({"name": "a", "allowed_origins": ["https://a.example/path"]}),
            "allowed_origins",
        ),
        (
            "api-clients",
            json!({"name": "a", "allowed_origins": ["*"]}),
            "allowed_origins",
        ),
        (
            "api-clients",
            json!({"name": "a", "scopes": ["admin"]}),
            "scopes",
        ),
        ("api-clients", json!({"name": "a", "scopes": []}), "scopes"),
        (
            "api-clients",
            json!({"name": "a", "expires_at": "2001-01-01T00:00:00Z"}),
            "expires_at",
        ),
        (
            "api-clients",
            json!({"name": "a", "expires_at": "tomorrow"}),
            "expires_at",
        ),
        (
            "restricted-access-tokens",
            json!({"name": "t"}),
            "allowed_ips",
        ),
        (
            "restricted-access-tokens",
            json!({"name": "t", "allowed_ips": ["300.1.1.1"]}),
            "allowed_ips",
        ),
        (
            "restricted-access-tokens",
            json!({"name": "", "allowed_ips": ["10.0.0.1"]}),
            "name",
        ),
    ];
    for (path, body, field) in cases {
        let (status, error) = app
            .api(Method::POST, path, &token, Some(body.clone()))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(error["error"], "invalid_request", "{body}");
        assert_eq!(error["field"], field, "{body}");
        assert!(
            error["error_description"]
                .as_str()
                .is_some_and(|d| !d.is_empty())
        );
    }
    let (_, error) = app
        .api(
            Method::POST,
            "restricted-access-tokens",
            &token,
            Some(json!({"name": "t", "allowed_ips": ["10.0.0.1", "300.1.1.1"]})),
        )
        .await;
    assert!(
        error["error_description"]
            .as_str()
            .unwrap()
            .contains("300.1.1.1")
    );

    // Malformed bodies: 400 with an error body, never a 500.
    let url = format!("{}/api/v1/api-clients", app.base);
    for (content_type, body) in [
        ("application/json", "{not json"),
        ("application/json", "[]"),
        ("application/json", r#"{"name": 5}"#),
        ("application/json", ""),
        ("text/plain", r#"{"name": "a"}"#),
    ] {
        let res = reqwest::Client::new()
            .post(&url)
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(
            res.json::<Value>().await.unwrap()["error"],
            "invalid_request"
        );
    }
    // Over 64 KiB: 413.
    let res = reqwest::Client::new()
        .post(&url)
        .bearer_auth(&token)
        .json(&json!({"name": "a", "description": "x".repeat(70_000)}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Nothing was created by any of it: only the writer itself.
    let (_, list) = app.api(Method::GET, "api-clients", &token, None).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    let (_, list) = app
        .api(Method::GET, "restricted-access-tokens", &token, None)
        .await;
    assert_eq!(list["data"].as_array().unwrap().len(), 0);
}

async fn another_organizations_ids_answer_as_missing(app: TestApp) {
    use reqwest::Method;
    let admin = app.admin().await;
    let (mine, _) = writer(&app, &admin).await;
    let (rat_id, _) = app.restricted_token(&admin, "10.0.0.1").await;
    let outsider = app.browser().await;
    let (status, _) = outsider
        .rpc(
            "signup",
            &[
                ("name", "Eve"),
                ("email", "eve@example.com"),
                ("password", "correct horse battery"),
                ("organization_name", "Elsewhere"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, their_token) = writer(&app, &outsider).await;
    for (method, path) in [
        (Method::PATCH, format!("api-clients/{}", mine.id)),
        (Method::DELETE, format!("api-clients/{}", mine.id)),
        (Method::PATCH, format!("restricted-access-tokens/{rat_id}")),
        (Method::DELETE, format!("restricted-access-tokens/{rat_id}")),
    ] {
        let (status, body) = app
            .api(
                method.clone(),
                &path,
                &their_token,
                Some(json!({"name": "taken"})),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {body}");
    }
    let (_, list) = app
        .api(Method::GET, "api-clients", &their_token, None)
        .await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1, "only their own");
    let (_, page) = admin.rpc("credentials/list", &[]).await;
    assert_eq!(page["api_clients"][0]["name"], "Backend", "unchanged");
}

/// Two server processes share one PostgreSQL database: a client deleted through one is refused
/// by the other within one second.
#[tokio::test]
async fn a_deletion_reaches_a_second_instance_within_a_second() {
    let Some(first) = TestApp::spawn(Backend::Postgres, true).await else {
        return;
    };
    // Instances behind one name share the issuer.
    let issuer = first.base.clone();
    let second = TestApp::spawn_on(&first.database_url, |c| c.issuer = Some(issuer)).await;
    let admin = first.admin().await;
    let creds = first.api_client(&admin, "credentials:read", "").await;
    let token = first.access_token(&creds).await;
    // The second instance has verified and cached it.
    assert_eq!(second.me(&token).await.status(), StatusCode::OK);
    let (status, _) = admin.rpc("api-clients/delete", &[("id", &creds.id)]).await;
    assert_eq!(status, StatusCode::OK);
    let deleted = Instant::now();
    assert_eq!(first.me(&token).await.status(), StatusCode::UNAUTHORIZED);
    second.caught_up().await;
    assert_eq!(second.me(&token).await.status(), StatusCode::UNAUTHORIZED);
    assert!(
        deleted.elapsed() < Duration::from_secs(1),
        "the second instance learnt of it after {:?}",
        deleted.elapsed()
    );
}

/// Once a credential has been seen, the gate answers from memory: with the database gone, a
/// known JWT and a known Restricted Access Token still pass. After 5 s (by the instance's
/// clock) without reading the change log, the instance forgets what it knew and answers 503
/// `temporarily_unavailable`, never a stale 200.
#[tokio::test]
async fn the_hot_path_needs_no_database_round_trip() {
    let app = TestApp::spawn(Backend::Sqlite, true).await.unwrap();
    let admin = app.admin().await;
    let creds = app.api_client(&admin, "credentials:read", "").await;
    let jwt = app.access_token(&creds).await;
    let (_, rat) = app.restricted_token(&admin, "127.0.0.1").await;
    // Warm up, let this instance's own recent changes come back through the change log (a
    // key change makes it reload its keys once), and warm up again.
    for round in 0..2 {
        assert_eq!(app.me(&jwt).await.status(), StatusCode::OK);
        assert_eq!(app.me(&rat).await.status(), StatusCode::OK);
        assert_eq!(app.request_token(&creds, None).await.0, StatusCode::OK);
        if round == 0 {
            app.caught_up().await;
        }
    }
    app.store.close().await;
    for _ in 0..20 {
        assert_eq!(app.me(&jwt).await.status(), StatusCode::OK);
        assert_eq!(app.me(&rat).await.status(), StatusCode::OK);
    }
    let (status, _) = app.request_token(&creds, None).await;
    assert_eq!(status, StatusCode::OK, "the token endpoint too");
    // Failed reads alone change nothing until 5 s have passed by the instance's clock.
    app.caught_up().await;
    assert_eq!(app.me(&jwt).await.status(), StatusCode::OK);
    app.clock.advance_secs(5);
    app.caught_up().await;
    for bearer in [&jwt, &rat] {
        let res = app.me(bearer).await;
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body: server::ApiErrorBody = res.json().await.unwrap();
        assert_eq!(body.error, "temporarily_unavailable");
    }
    let (status, body) = app.request_token(&creds, None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"], "temporarily_unavailable");
}
