//! The `portcullis` binary's subcommands, run as a person would, on the test's database.

use crate::helpers::TestApp;
use crate::on_both_backends;
use std::process::Command;

on_both_backends!(
    api_access_is_switched_by_name_or_id,
    keys_rotate_switches_the_running_server_to_a_new_key,
);

fn portcullis(database_url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run portcullis")
}

async fn api_access_is_switched_by_name_or_id(app: TestApp) {
    let admin = app.admin().await;
    let (_, me) = admin.rpc("me", &[]).await;
    assert_eq!(me["organization"]["api_access"], true, "on by default");
    assert_eq!(me["permissions"]["api_access"], true);

    let off = portcullis(
        &app.database_url,
        &["org", "api-access", "Analytical", "off"],
    );
    assert!(
        off.status.success(),
        "{}",
        String::from_utf8_lossy(&off.stderr)
    );
    assert!(String::from_utf8_lossy(&off.stdout).contains("is now off"));
    let (_, me) = admin.rpc("me", &[]).await;
    assert_eq!(me["organization"]["api_access"], false);

    let id = me["organization"]["id"].as_str().unwrap().to_string();
    let on = portcullis(&app.database_url, &["org", "api-access", &id, "on"]);
    assert!(
        on.status.success(),
        "{}",
        String::from_utf8_lossy(&on.stderr)
    );
    let (_, me) = admin.rpc("me", &[]).await;
    assert_eq!(me["organization"]["api_access"], true);

    // Unknown organization and a bad switch value: a clear error, nothing changes.
    let unknown = portcullis(&app.database_url, &["org", "api-access", "Nobody", "off"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("Nobody"));
    let bad = portcullis(
        &app.database_url,
        &["org", "api-access", "Analytical", "maybe"],
    );
    assert!(!bad.status.success());
    let (_, me) = admin.rpc("me", &[]).await;
    assert_eq!(me["organization"]["api_access"], true);

    let migrate = portcullis(&app.database_url, &["migrate"]);
    assert!(
        migrate.status.success(),
        "{}",
        String::from_utf8_lossy(&migrate.stderr)
    );
}

fn kid(token: &str) -> String {
    use base64::Engine;
    let header = token.split('.').next().unwrap();
    let header: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(header)
            .unwrap(),
    )
    .unwrap();
    header["kid"].as_str().unwrap().to_string()
}

async fn keys_rotate_switches_the_running_server_to_a_new_key(app: TestApp) {
    let admin = app.admin().await;
    let creds = app.api_client(&admin, "credentials:read", "").await;
    let before = app.access_token(&creds).await;
    let rotated = portcullis(&app.database_url, &["keys", "rotate"]);
    assert!(
        rotated.status.success(),
        "{}",
        String::from_utf8_lossy(&rotated.stderr)
    );
    let said = String::from_utf8_lossy(&rotated.stdout).to_string();
    assert!(said.contains("ES256"), "{said}");
    // The running server signs with the new key within a second; the old token still works.
    app.caught_up().await;
    let after = app.access_token(&creds).await;
    assert_ne!(kid(&after), kid(&before), "the server did not switch keys");
    assert!(said.contains(&kid(&after)), "{said}");
    assert_eq!(app.me(&before).await.status(), reqwest::StatusCode::OK);
    // A bad algorithm is refused with a clear message and changes nothing.
    let bad = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(["keys", "rotate"])
        .env("DATABASE_URL", &app.database_url)
        .env("PORTCULLIS_SIGNING_ALG", "HS256")
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("ES256 or RS256"));
    assert_eq!(app.store.signing_keys(0).await.unwrap().len(), 2);
    let help = portcullis(&app.database_url, &["keys", "rotate", "--help"]);
    assert!(String::from_utf8_lossy(&help.stdout).contains("new key"));
}
