//! The real binary as an operator runs it: logs carry no secrets at any level, and SIGTERM
//! stops it cleanly within 10 seconds.

use reqwest::StatusCode;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Whether process `pid` holds the socket listening on 127.0.0.1:`port` (Linux's `/proc`: the
/// listening socket's inode in `/proc/net/tcp` among the process's open files).
pub(crate) fn listens_on(pid: u32, port: u16) -> bool {
    let Some(inode) = listening_inode(port) else {
        return false;
    };
    let socket = PathBuf::from(format!("socket:[{inode}]"));
    let Ok(files) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    files
        .flatten()
        .any(|file| std::fs::read_link(file.path()).is_ok_and(|target| target == socket))
}

/// The inode of the socket listening on 127.0.0.1:`port`, if any.
fn listening_inode(port: u16) -> Option<String> {
    const LISTEN: &str = "0A";
    let local = format!("0100007F:{port:04X}");
    let table = std::fs::read_to_string("/proc/net/tcp").ok()?;
    table.lines().skip(1).find_map(|line| {
        match line.split_whitespace().collect::<Vec<_>>().as_slice() {
            [_, address, _, state, _, _, _, _, _, inode, ..]
                if *address == local && *state == LISTEN =>
            {
                Some(inode.to_string())
            }
            _ => None,
        }
    })
}

/// A port counts as a process's only when that process holds its listening socket: another
/// process's listener on it (the race between `free_port` and a child's bind) does not count.
#[test]
fn a_listener_belongs_to_the_process_that_holds_it() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let other = Running(Command::new("sleep").arg("30").spawn().unwrap());
    assert!(listens_on(std::process::id(), port));
    assert!(!listens_on(other.0.id(), port));
    drop(listener);
    assert!(!listens_on(std::process::id(), port));
}

pub(crate) fn cookie(res: &reqwest::Response, name: &str) -> Option<String> {
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
        if listens_on(child.id(), port)
            && let Ok(res) = client.get(format!("{base}/login")).send().await
        {
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
    let client_id = created["client"]["client_id"].as_str().unwrap().to_string();
    // The OAuth endpoints and the gate, with every secret in play.
    let issued: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/oauth/token"))
        .basic_auth(&client_id, Some(&client_secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access_token = issued["access_token"].as_str().unwrap().to_string();
    for bearer in [&access_token, &token] {
        let res = reqwest::Client::new()
            .get(format!("{base}/api/v1/me"))
            .bearer_auth(bearer)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
    for endpoint in ["introspect", "revoke"] {
        let res = reqwest::Client::new()
            .post(format!("{base}/oauth/{endpoint}"))
            .form(&[
                ("client_id", client_id.as_str()),
                ("client_secret", client_secret.as_str()),
                ("token", access_token.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
    let signing_key: String = {
        let store = store::Store::connect(&database).await.unwrap();
        let row = sqlx::query("SELECT private_der FROM signing_keys")
            .fetch_one(store.pool())
            .await
            .unwrap();
        sqlx::Row::try_get(&row, "private_der").unwrap()
    };
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
        ("access token", access_token.as_str()),
        (
            "access token signature",
            access_token.rsplit('.').next().unwrap(),
        ),
        ("signing key", signing_key.as_str()),
        ("invite token", invite_token.as_str()),
    ] {
        assert!(!logs.contains(secret), "the {what} appears in the logs");
    }
}

/// A server process, stopped when dropped (also when a test fails).
pub(crate) struct Running(pub(crate) std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary on `database` at a free port with `issuer`; answers the child and its
/// base URL once it answers `/healthz`.
pub(crate) async fn start(database: &str, issuer: Option<&str>) -> (Running, String) {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let child = Running(
        Command::new(env!("CARGO_BIN_EXE_portcullis"))
            .env("DATABASE_URL", database)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("LEPTOS_SITE_ROOT", std::env::temp_dir())
            .env("PORTCULLIS_ISSUER", issuer.unwrap_or(&base))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let started = Instant::now();
    while !listens_on(child.0.id(), port) || reqwest::get(format!("{base}/healthz")).await.is_err()
    {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the server did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (child, base)
}

/// Two `portcullis` processes on one PostgreSQL database (as a scaled-out deployment runs
/// them): an API Client deleted through one is refused by the other within one second.
#[tokio::test]
async fn a_second_process_on_postgres_learns_of_a_deletion_within_a_second() {
    let Some(database) = store::testing::fresh_postgres_url().await else {
        return;
    };
    let (_first, base) = start(&database, None).await;
    let (_second, second_base) = start(&database, Some(&base)).await;
    let console = Console::set_up(&base).await;
    let created = console.create_api_client("credentials:read").await;
    let token = access_token(&base, &created).await;
    let me = |base: &str| {
        reqwest::Client::new()
            .get(format!("{base}/api/v1/me"))
            .bearer_auth(&token)
            .send()
    };
    assert_eq!(me(&second_base).await.unwrap().status(), StatusCode::OK);
    let res = console
        .rpc(
            "api-clients/delete",
            &[("id", created["client"]["id"].as_str().unwrap())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let deleted = Instant::now();
    assert_eq!(me(&base).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let delay = loop {
        if me(&second_base).await.unwrap().status() == StatusCode::UNAUTHORIZED {
            break deleted.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    eprintln!("the second process refused the token {delay:?} after the deletion");
    assert!(delay < Duration::from_secs(1), "took {delay:?}");
}

/// The console of a running binary, as a person's browser uses it.
pub(crate) struct Console {
    client: reqwest::Client,
    base: String,
    csrf: String,
}

impl Console {
    /// Sets a fresh instance up (Ada, Admin of Org) and keeps her signed in.
    pub(crate) async fn set_up(base: &str) -> Console {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        let res = client.get(format!("{base}/setup")).send().await.unwrap();
        let csrf = cookie(&res, "portcullis_csrf").unwrap();
        let console = Console {
            client,
            base: base.to_string(),
            csrf,
        };
        let res = console
            .rpc(
                "setup",
                &[
                    ("name", "Ada"),
                    ("email", "ada@example.com"),
                    ("password", "a very secret password 42"),
                    ("organization_name", "Org"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        console
    }

    pub(crate) async fn rpc(&self, endpoint: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}/rpc/{endpoint}", self.base))
            .header("x-csrf-token", &self.csrf)
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// Creates an API Client with `scopes`; answers the console's answer (client and secret).
    pub(crate) async fn create_api_client(&self, scopes: &str) -> serde_json::Value {
        let res = self
            .rpc(
                "api-clients/create",
                &[
                    ("name", "c"),
                    ("description", ""),
                    ("allowed_origins", ""),
                    ("scopes", scopes),
                    ("expiration_date", ""),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        res.json().await.unwrap()
    }
}

/// An access token (HTTP Basic) for a client as `Console::create_api_client` answers it, or
/// as `POST /api/v1/api-clients` does.
pub(crate) async fn access_token(base: &str, created: &serde_json::Value) -> String {
    let client = if created.get("client").is_some() {
        &created["client"]
    } else {
        created
    };
    let issued: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/oauth/token"))
        .basic_auth(
            client["client_id"].as_str().unwrap(),
            created["client_secret"].as_str(),
        )
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    issued["access_token"].as_str().unwrap().to_string()
}
