//! Limits on what a client can send.

use crate::helpers::TestApp;
use reqwest::StatusCode;
use store::Backend;

#[tokio::test]
async fn bodies_over_64_kib_get_413() {
    let app = TestApp::spawn(Backend::Sqlite, false).await.unwrap();
    let browser = app.browser().await;
    let big = "a".repeat(65 * 1024);
    let res = browser
        .client
        .post(format!("{}/rpc/login", app.base))
        .header("x-csrf-token", &browser.csrf)
        .form(&[("email", big.as_str()), ("password", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn signup_is_not_found_when_closed() {
    let app = TestApp::spawn(Backend::Sqlite, false).await.unwrap();
    let admin = app.admin().await;
    let stranger = app.browser().await;
    let res = stranger
        .client
        .get(format!("{}/signup", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let (status, _) = stranger
        .rpc(
            "signup",
            &[
                ("name", "Eve"),
                ("email", "eve@example.com"),
                ("password", "a long password!"),
                ("organization_name", "Eve"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        admin.members().await["members"].as_array().unwrap().len(),
        1
    );
    drop(app.store);
}

#[tokio::test]
async fn cookies_are_secure_and_host_bound_when_served_over_https() {
    let app = TestApp::spawn_with(Backend::Sqlite, false, Some("https://portcullis.example"))
        .await
        .unwrap();
    let admin = app.admin().await;
    let res = admin
        .client
        .post(format!("{}/rpc/login", app.base))
        .header("x-csrf-token", &admin.csrf)
        .form(&[
            ("email", "ada@example.com"),
            ("password", "correct horse battery"),
        ])
        .send()
        .await
        .unwrap();
    let session = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("__Host-portcullis_session="))
        .unwrap();
    assert!(
        session.contains("; Secure") && session.contains("; Path=/") && !session.contains("Domain"),
        "{session}"
    );
    let fresh = reqwest::get(format!("{}/login", app.base)).await.unwrap();
    let csrf = fresh.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        csrf.starts_with("__Host-portcullis_csrf=") && csrf.contains("; Secure"),
        "{csrf}"
    );
    assert_eq!(
        fresh.headers()["strict-transport-security"],
        "max-age=31536000"
    );
    // The session works under its new name.
    let (status, _) = admin.rpc("me", &[]).await;
    assert_eq!(status, StatusCode::OK);
    // Invite links use the public URL.
    let (_, link) = admin
        .rpc(
            "members/invite",
            &[("email", "g@example.com"), ("role", "Member")],
        )
        .await;
    assert!(
        link.as_str()
            .unwrap()
            .starts_with("https://portcullis.example/invite/")
    );
}
