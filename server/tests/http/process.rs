//! The real binary as an operator runs it: logs carry no secrets at any level, and SIGTERM
//! stops it cleanly within 10 seconds.

use reqwest::StatusCode;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn cookie(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| {
            c.strip_prefix(&format!("{name}="))
                .map(|v| v.split(';').next().unwrap().to_string())
        })
}

#[tokio::test]
async fn no_secret_reaches_the_logs_and_sigterm_stops_it() {
    let port = free_port();
    let database = store::testing::fresh_sqlite_url();
    let mut child = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .arg("serve")
        .env("DATABASE_URL", &database)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_SITE_ROOT", std::env::temp_dir())
        .env("RUST_LOG", "trace")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read the logs as they come, so that a full pipe never blocks the server.
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut logs = String::new();
        stderr.read_to_string(&mut logs).map(|_| logs)
    });
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let started = Instant::now();
    let csrf = loop {
        if let Ok(res) = client.get(format!("{base}/login")).send().await {
            break cookie(&res, "portcullis_csrf").unwrap();
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the server did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let password = "a very secret password 42";
    let post = |path: &str, form: Vec<(&str, &str)>| {
        client
            .post(format!("{base}/rpc/{path}"))
            .header("x-csrf-token", &csrf)
            .form(&form)
            .send()
    };
    let res = post(
        "setup",
        vec![
            ("name", "Ada"),
            ("email", "ada@example.com"),
            ("password", password),
            ("organization_name", "Org"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = post(
        "login",
        vec![("email", "ada@example.com"), ("password", password)],
    )
    .await
    .unwrap();
    let session = cookie(&res, "portcullis_session").unwrap();
    let res = post(
        "login",
        vec![
            ("email", "ada@example.com"),
            ("password", "wrong secret guess 7"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let created: serde_json::Value = post(
        "api-clients/create",
        vec![
            ("name", "c"),
            ("description", ""),
            ("allowed_origins", ""),
            ("scopes", "credentials:read"),
            ("expiration_date", ""),
        ],
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let client_secret = created["client_secret"].as_str().unwrap().to_string();
    let token: serde_json::Value = post(
        "restricted-tokens/create",
        vec![
            ("name", "t"),
            ("allowed_ips", "127.0.0.1"),
            ("expiration_date", ""),
        ],
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let token = token["secret"].as_str().unwrap().to_string();
    let invite: serde_json::Value = post(
        "members/invite",
        vec![("email", "g@example.com"), ("role", "Member")],
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let invite_token = invite
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    client
        .get(format!("{base}/invite/{invite_token}"))
        .send()
        .await
        .unwrap();

    // SIGTERM: the process stops within 10 seconds, successfully.
    let stop = Instant::now();
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            stop.elapsed() < Duration::from_secs(10),
            "still running 10 s after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status}");

    let logs = reader.join().unwrap().unwrap();
    assert!(
        logs.contains("serving"),
        "the logs were captured: {}",
        &logs[..logs.len().min(500)]
    );
    for (what, secret) in [
        ("password", password),
        ("wrong password", "wrong secret guess 7"),
        ("session token", session.as_str()),
        ("anti-forgery token", csrf.as_str()),
        ("client secret", client_secret.as_str()),
        ("restricted token", token.as_str()),
        ("invite token", invite_token.as_str()),
    ] {
        assert!(!logs.contains(secret), "the {what} appears in the logs");
    }
}
