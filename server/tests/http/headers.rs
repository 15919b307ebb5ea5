//! Security headers and the `Host` check (§11): what every answer of the main listener carries,
//! and what a request for another host name gets.

use crate::helpers::TestApp;
use reqwest::StatusCode;
use store::Backend;

async fn sqlite_app() -> TestApp {
    TestApp::spawn(Backend::Sqlite, false).await.unwrap()
}

fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
        .to_string()
}

/// The value of `'nonce-…'` in a policy's `script-src`.
fn policy_nonce(policy: &str) -> String {
    let start = policy.find("'nonce-").expect("a nonce in the policy") + "'nonce-".len();
    let end = policy[start..].find('\'').unwrap() + start;
    policy[start..end].to_string()
}

#[tokio::test]
async fn console_pages_carry_a_nonce_policy_and_no_store() {
    let app = sqlite_app().await;
    let mut nonces = Vec::new();
    for path in ["/setup", "/login", "/no-such-page"] {
        let res = reqwest::get(format!("{}{path}", app.base)).await.unwrap();
        let policy = header(&res, "content-security-policy");
        assert_eq!(header(&res, "cache-control"), "no-store", "{path}");
        assert!(policy.contains("default-src 'self'"), "{path}: {policy}");
        assert!(
            policy.contains("frame-ancestors 'none'"),
            "{path}: {policy}"
        );
        assert!(!policy.contains("unsafe-inline"), "{path}: {policy}");
        let nonce = policy_nonce(&policy);
        let html = res.text().await.unwrap();
        // Every script on the page is the instance's own: it carries this answer's nonce.
        let scripts: Vec<&str> = html.split("<script").skip(1).collect();
        assert!(!scripts.is_empty(), "{path}: the hydration script");
        for script in scripts {
            let tag = &script[..script.find('>').unwrap()];
            assert!(tag.contains(&format!("nonce=\"{nonce}\"")), "{path}: {tag}");
        }
        nonces.push(nonce);
    }
    nonces.sort();
    nonces.dedup();
    assert_eq!(nonces.len(), 3, "a new nonce for every answer");
}

#[tokio::test]
async fn the_browser_bundle_is_revalidated_on_every_page_load() {
    let app = sqlite_app().await;
    // The tests' site root is the temporary folder: a bundle file of this test's own there.
    let pkg = std::env::temp_dir().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("headers-test.wasm"), b"\0asm").unwrap();
    let res = reqwest::get(format!("{}/pkg/headers-test.wasm", app.base))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "cache-control"), "no-cache");
    // A missing file is the console's 404 page, which is never stored.
    let res = reqwest::get(format!("{}/pkg/no-such-file.wasm", app.base))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(header(&res, "cache-control"), "no-store");
}

#[tokio::test]
async fn rpc_answers_and_shown_once_secrets_are_not_stored() {
    let app = sqlite_app().await;
    let admin = app.admin().await;
    let res = admin
        .client
        .post(format!("{}/rpc/me", app.base))
        .header("x-csrf-token", &admin.csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "cache-control"), "no-store");
    // A refused call is not stored either.
    let res = reqwest::Client::new()
        .post(format!("{}/rpc/me", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(header(&res, "cache-control"), "no-store");
}

#[tokio::test]
async fn other_answers_allow_only_the_instance_and_plain_http_has_no_hsts() {
    let app = sqlite_app().await;
    for path in ["/docs", "/healthz", "/docs/reference/"] {
        let res = reqwest::get(format!("{}{path}", app.base)).await.unwrap();
        let policy = header(&res, "content-security-policy");
        assert!(policy.starts_with("default-src 'self'"), "{path}: {policy}");
        assert!(
            policy.contains("frame-ancestors 'none'"),
            "{path}: {policy}"
        );
        assert!(
            !policy.contains("script-src"),
            "{path}: scripts are 'self' only"
        );
        assert!(
            res.headers().get("strict-transport-security").is_none(),
            "{path}: HSTS over plain http would be ignored, and wrong"
        );
    }
}

#[tokio::test]
async fn a_request_for_another_host_is_refused_before_anything_runs() {
    let app = sqlite_app().await;
    let client = reqwest::Client::new();
    let port = app.base.rsplit(':').next().unwrap().to_string();
    // DNS rebinding: a page on rebind.example whose name now points here tries to claim the
    // fresh instance.
    let rebind = format!("rebind.example:{port}");
    let res = client
        .get(format!("{}/setup", app.base))
        .header("host", &rebind)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::MISDIRECTED_REQUEST);
    assert!(res.headers().get("set-cookie").is_none(), "nothing ran");
    let res = client
        .post(format!("{}/rpc/setup", app.base))
        .header("host", &rebind)
        .form(&[
            ("name", "Mallory"),
            ("email", "mallory@example.com"),
            ("password", "correct horse battery"),
            ("organization_name", "Mine now"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::MISDIRECTED_REQUEST);
    for path in ["/oauth/token", "/api/v1/me", "/healthz", "/docs"] {
        let res = client
            .get(format!("{}{path}", app.base))
            .header("host", "rebind.example")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::MISDIRECTED_REQUEST, "{path}");
    }
    // Nothing was set up: the instance still offers its setup, under its own name.
    for host in [format!("127.0.0.1:{port}"), format!("localhost:{port}")] {
        let res = client
            .get(format!("{}/setup", app.base))
            .header("host", &host)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{host}");
    }
    // Proxies ask /gate/check with the guarded API's own host: it is not refused for that.
    let ask = |host: String| {
        client
            .get(format!("{}/gate/check", app.base))
            .header("host", host)
            .header("x-forwarded-method", "GET")
            .header("x-forwarded-uri", "/api/v1/me")
            .send()
    };
    let theirs = ask("api.example.com".into()).await.unwrap();
    let ours = ask(format!("127.0.0.1:{port}")).await.unwrap();
    assert_eq!(
        theirs.status(),
        StatusCode::NOT_FOUND,
        "no operator route here"
    );
    assert_eq!(theirs.status(), ours.status());
}

#[tokio::test]
async fn the_issuers_host_and_the_allowed_hosts_are_answered() {
    let app = TestApp::spawn_configured(Backend::Sqlite, |config| {
        config.issuer = Some("https://Auth.Example.com".into());
        config.allowed_hosts = vec!["portcullis.internal".into()];
    })
    .await
    .unwrap();
    let client = reqwest::Client::new();
    for (host, expected) in [
        ("auth.example.com", StatusCode::OK),
        ("portcullis.internal:3000", StatusCode::OK),
        (
            "auth.example.com.evil.example",
            StatusCode::MISDIRECTED_REQUEST,
        ),
        ("evil.example", StatusCode::MISDIRECTED_REQUEST),
    ] {
        let res = client
            .get(format!("{}/healthz", app.base))
            .header("host", host)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), expected, "{host}");
    }
}

#[tokio::test]
async fn over_https_every_part_of_the_listener_answers_with_hsts() {
    let app = TestApp::spawn_with(Backend::Sqlite, false, Some("https://portcullis.example"))
        .await
        .unwrap();
    let client = reqwest::Client::new();
    // The console, the API, the OAuth endpoints, forward-auth and health: each part of the
    // main listener, whatever it answers.
    for path in [
        "/login",
        "/api/v1/me",
        "/oauth/token",
        "/gate/check",
        "/healthz",
    ] {
        let res = client
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(
            header(&res, "strict-transport-security"),
            "max-age=31536000",
            "{path}"
        );
    }
}

#[tokio::test]
async fn paths_that_only_begin_like_the_api_are_the_consoles() {
    let app = sqlite_app().await;
    // `/api/v1` itself and everything under it pass the gate: a credential first.
    for path in ["/api/v1", "/api/v1/", "/api/v1/nothing", "/api/v1/me"] {
        let res = reqwest::get(format!("{}{path}", app.base)).await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{path}");
        assert!(res.headers().get("www-authenticate").is_some(), "{path}");
        assert!(
            res.headers().get("content-security-policy").is_none(),
            "{path}: the API part carries no page policy"
        );
        let body: server::ApiErrorBody = res.json().await.unwrap();
        assert_eq!(body.error, "unauthorized", "{path}");
    }
    // Paths that merely begin like the API's or the OAuth endpoints' are the console's pages.
    for path in [
        "/api/v1x",
        "/api/v2/me",
        "/oauth/nothing",
        "/oauth/token/x",
        "/gate/checks",
    ] {
        let res = reqwest::get(format!("{}{path}", app.base)).await.unwrap();
        assert_ne!(res.status(), StatusCode::UNAUTHORIZED, "{path}");
        assert!(
            header(&res, "content-security-policy").starts_with("default-src 'self'"),
            "{path}"
        );
        assert!(res.headers().get("www-authenticate").is_none(), "{path}");
    }
}
