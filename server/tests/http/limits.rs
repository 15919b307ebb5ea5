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
