//! Signing keys at rest (§5, §11), with the real binary: `PORTCULLIS_KEY_ENCRYPTION_KEY` seals
//! every private key, the first start with it seals the keys made before, and a start without
//! it (or with another key) stops with a message that names the variable.

use crate::process::{Running, free_port, listens_on};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::StatusCode;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn kek(byte: u8) -> String {
    STANDARD.encode([byte; 32])
}

fn portcullis(database: &str, kek: Option<&str>) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_portcullis"));
    command
        .env("DATABASE_URL", database)
        .env("LEPTOS_SITE_ROOT", std::env::temp_dir())
        .env("RUST_LOG", "warn")
        .env_remove("PORTCULLIS_KEY_ENCRYPTION_KEY");
    if let Some(kek) = kek {
        command.env("PORTCULLIS_KEY_ENCRYPTION_KEY", kek);
    }
    command
}

/// `portcullis keys rotate`; answers the new key's id.
fn rotate(database: &str, kek: Option<&str>) -> Output {
    portcullis(database, kek)
        .args(["keys", "rotate"])
        .output()
        .unwrap()
}

/// Starts `serve`: the running server and its base URL, or how it stopped (status, stderr).
async fn serve(database: &str, kek: Option<&str>) -> Result<(Running, String), (i32, String)> {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = Running(
        portcullis(database, kek)
            .arg("serve")
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let started = Instant::now();
    loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            let mut stderr = String::new();
            std::io::Read::read_to_string(&mut child.0.stderr.take().unwrap(), &mut stderr)
                .unwrap();
            return Err((status.code().unwrap_or(-1), stderr));
        }
        if listens_on(child.0.id(), port) && reqwest::get(format!("{base}/healthz")).await.is_ok() {
            return Ok((child, base));
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no start, no exit"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn stored_keys(database: &str) -> Vec<(String, String)> {
    let store = store::Store::open(database).await.unwrap();
    let keys = store.stored_private_keys().await.unwrap();
    store.close().await;
    keys
}

/// The database file and its WAL, as a backup would copy them.
fn database_bytes(database: &str) -> Vec<u8> {
    let path = database
        .strip_prefix("sqlite://")
        .unwrap()
        .split('?')
        .next()
        .unwrap();
    let mut bytes = std::fs::read(path).unwrap();
    if let Ok(wal) = std::fs::read(format!("{path}-wal")) {
        bytes.extend(wal);
    }
    bytes
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn keys_are_sealed_at_rest_and_a_start_without_the_key_stops() {
    let database = store::testing::fresh_sqlite_url();
    // Before the variable: a key stored as it always was.
    let made = rotate(&database, None);
    assert!(made.status.success(), "{made:?}");
    let before = stored_keys(&database).await;
    assert_eq!(before.len(), 1);
    let (kid, plaintext) = before[0].clone();
    assert!(!plaintext.starts_with("enc1:"));

    // The first start with the variable seals it, and the key still signs and verifies.
    let key = kek(7);
    let (server, base) = serve(&database, Some(&key)).await.unwrap();
    let jwks: serde_json::Value = reqwest::get(format!("{base}/.well-known/jwks.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jwks["keys"][0]["kid"], kid.as_str(), "the same key, sealed");
    drop(server);
    let after = stored_keys(&database).await;
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].0, kid);
    assert!(after[0].1.starts_with("enc1:"), "sealed");
    assert!(
        !contains(&database_bytes(&database), plaintext.as_bytes()),
        "no earlier version of the row stays in the file"
    );

    // Keys made with the variable are sealed from the start.
    let made = rotate(&database, Some(&key));
    assert!(made.status.success(), "{made:?}");
    let keys = stored_keys(&database).await;
    assert_eq!(keys.len(), 2);
    assert!(keys.iter().all(|(_, stored)| stored.starts_with("enc1:")));

    // Without the variable, or with another key, the server does not start.
    for (kek, says) in [
        (None, "set PORTCULLIS_KEY_ENCRYPTION_KEY"),
        (
            Some(kek(8)),
            "does not open with PORTCULLIS_KEY_ENCRYPTION_KEY",
        ),
    ] {
        let (status, stderr) = serve(&database, kek.as_deref()).await.err().unwrap();
        assert_ne!(status, 0);
        assert!(stderr.contains(says), "{stderr}");
        assert!(!stderr.contains(&key), "the key itself is never printed");
    }
    let refused = rotate(&database, None);
    assert!(!refused.status.success(), "keys rotate refuses too");

    // A malformed variable names itself and prints nothing of its value.
    let short = STANDARD.encode([1u8; 16]);
    let (status, stderr) = serve(&database, Some(&short)).await.err().unwrap();
    assert_ne!(status, 0);
    assert!(
        stderr.contains("PORTCULLIS_KEY_ENCRYPTION_KEY") && stderr.contains("32 bytes"),
        "{stderr}"
    );
    assert!(!stderr.contains(&short), "{stderr}");

    // With the right key it serves again.
    let (_server, base) = serve(&database, Some(&key)).await.unwrap();
    let res = reqwest::get(format!("{base}/.well-known/jwks.json"))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}
