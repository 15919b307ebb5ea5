//! Limits on what a client can send.

use crate::helpers::TestApp;
use reqwest::StatusCode;
use store::Backend;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

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

/// The token endpoint reads its body itself (no router): a body over the limit is refused
/// whether it says its length first or comes in chunks, and the endpoint still answers after.
#[tokio::test]
async fn token_requests_over_64_kib_get_413_with_or_without_a_length() {
    let app = TestApp::spawn(Backend::Sqlite, false).await.unwrap();
    let admin = app.admin().await;
    let creds = app.api_client(&admin, "credentials:read", "").await;
    let big = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}&pad={}",
        creds.client_id,
        creds.secret,
        "a".repeat(65 * 1024)
    );
    let res = reqwest::Client::new()
        .post(format!("{}/oauth/token", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(big.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);

    let addr = app.base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut request = format!(
        "POST /oauth/token HTTP/1.1\r\nHost: {addr}\r\nContent-Type: \
         application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    .into_bytes();
    for chunk in big.as_bytes().chunks(16 * 1024) {
        request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend_from_slice(chunk);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    // The server may answer and close before it has read everything: a failed write is fine.
    let _ = stream.write_all(&request).await;
    let mut answer = vec![0u8; 64];
    let read = stream.read(&mut answer).await.unwrap();
    let status_line = String::from_utf8_lossy(&answer[..read]);
    assert!(status_line.starts_with("HTTP/1.1 413"), "{status_line}");

    let (status, _) = app.request_token(&creds, None).await;
    assert_eq!(status, StatusCode::OK);
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
