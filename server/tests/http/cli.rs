//! The `portcullis` binary's subcommands, run as a person would, on the test's database.

use crate::helpers::TestApp;
use crate::on_both_backends;
use std::process::Command;

on_both_backends!(api_access_is_switched_by_name_or_id);

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
