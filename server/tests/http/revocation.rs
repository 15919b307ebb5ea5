//! Revocation that nothing can lose, with real binaries on one PostgreSQL database: instance A
//! on the real clock, B 10 minutes ahead, C 10 minutes behind (Debian's libfaketime, whose offset
//! each test moves by rewriting a file instead of waiting). Deletions, disabling and
//! revocations made through any of them are refused by the others within a second; a deletion
//! in a transaction that stays open while every clock moves 10 s, and 50,000 changes in one
//! burst, still arrive; a follower that dies makes its instance answer 503 until it is back.

use crate::process::{Console, access_token, free_port, listens_on};
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::Executor;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const LIBFAKETIME: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
/// How far every clock moves while the slow transaction stays open.
const HELD_OPEN_SECONDS: i64 = 10;
/// What "at once" means between instances.
const PROPAGATION: Duration = Duration::from_secs(1);
/// 50,000 changes take longer to read (page by page) than one: all must arrive, in good time.
const BURST: Duration = Duration::from_secs(10);

/// A `portcullis serve` whose wall clock is off by `offset` seconds, read by libfaketime from
/// `clock_file` on every call (the monotonic clock, which tokio's timers use, stays real).
/// Stopped when dropped.
struct Instance {
    child: std::process::Child,
    base: String,
    clock_file: PathBuf,
    offset: std::cell::Cell<i64>,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.clock_file);
    }
}

impl Instance {
    async fn start(database: &str, issuer: Option<&str>, offset: i64) -> Instance {
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let clock_file = std::env::temp_dir().join(format!("portcullis-clock-{port}"));
        std::fs::write(&clock_file, format!("{offset:+}\n")).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_portcullis"))
            .arg("serve")
            .env("LD_PRELOAD", LIBFAKETIME)
            .env("FAKETIME_TIMESTAMP_FILE", &clock_file)
            .env("FAKETIME_NO_CACHE", "1")
            .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
            .env("DATABASE_URL", database)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("LEPTOS_SITE_ROOT", std::env::temp_dir())
            .env("PORTCULLIS_ISSUER", issuer.unwrap_or(&base))
            .env("PORTCULLIS_TEST_HOOKS", "true")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let instance = Instance {
            child,
            base,
            clock_file,
            offset: std::cell::Cell::new(offset),
        };
        // Waiting for a process to start listening: an event, not time passing.
        let started = Instant::now();
        while !listens_on(instance.child.id(), port)
            || reqwest::get(format!("{}/healthz", instance.base))
                .await
                .is_err()
        {
            assert!(started.elapsed() < Duration::from_secs(20), "did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        instance
    }

    /// Moves this instance's wall clock `seconds` forward, at once.
    fn move_clock(&self, seconds: i64) {
        self.offset.set(self.offset.get() + seconds);
        std::fs::write(&self.clock_file, format!("{:+}\n", self.offset.get())).unwrap();
    }

    async fn me(&self, token: &str) -> StatusCode {
        reqwest::Client::new()
            .get(format!("{}/api/v1/me", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status()
    }

    /// `POST /oauth/token` for a client as the console created it.
    async fn token_status(&self, created: &Value) -> StatusCode {
        reqwest::Client::new()
            .post(format!("{}/oauth/token", self.base))
            .basic_auth(
                created["client"]["client_id"].as_str().unwrap(),
                created["client_secret"].as_str(),
            )
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap()
            .status()
    }

    /// Sends the test hook's signal (`PORTCULLIS_TEST_HOOKS`) that makes the follower panic.
    fn kill_follower(&self) {
        let sent = Command::new("kill")
            .args(["-USR1", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success(), "no portcullis process to signal");
    }
}

fn faketime_available() -> bool {
    let there = std::path::Path::new(LIBFAKETIME).exists();
    if !there {
        let required = std::env::var("PORTCULLIS_REQUIRE_FAKETIME").is_ok_and(|v| v == "1")
            || std::env::var("CI").is_ok_and(|v| v == "true");
        assert!(!required, "faketime is required (apt-get install faketime)");
        eprintln!("SKIPPED: faketime is not installed");
    }
    there
}

/// What an instance must refuse.
enum Refuse<'a> {
    /// `GET /api/v1/me` with each of these tokens: 401.
    Tokens(&'a [String]),
    /// `POST /oauth/token` with this client's secret: 401.
    Secret(&'a Value),
}

impl Instance {
    async fn refuses(&self, what: &Refuse<'_>) -> bool {
        match what {
            Refuse::Tokens(tokens) => {
                for token in tokens.iter() {
                    if self.me(token).await != StatusCode::UNAUTHORIZED {
                        return false;
                    }
                }
                true
            }
            Refuse::Secret(created) => self.token_status(created).await == StatusCode::UNAUTHORIZED,
        }
    }
}

/// Waits until every instance in `on` refuses `what`; fails after `PROPAGATION` (counted from
/// `since`).
async fn refused_everywhere(label: &str, on: &[&Instance], since: Instant, what: Refuse<'_>) {
    refused_everywhere_within(PROPAGATION, label, on, since, what).await;
}

async fn refused_everywhere_within(
    within: Duration,
    label: &str,
    on: &[&Instance],
    since: Instant,
    what: Refuse<'_>,
) {
    for instance in on {
        while !instance.refuses(&what).await {
            assert!(
                since.elapsed() < within,
                "{label}: {} still accepts it after {:?}",
                instance.base,
                since.elapsed()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    eprintln!("{label}: refused everywhere after {:?}", since.elapsed());
}

struct Three {
    database: String,
    a: Instance,
    b: Instance,
    c: Instance,
    console: Console,
}

async fn three_instances() -> Option<Three> {
    if !faketime_available() {
        return None;
    }
    let database = store::testing::fresh_postgres_url().await?;
    let a = Instance::start(&database, None, 0).await;
    let console = Console::set_up(&a.base).await;
    let b = Instance::start(&database, Some(&a.base), 600).await;
    let c = Instance::start(&database, Some(&a.base), -600).await;
    Some(Three {
        database,
        a,
        b,
        c,
        console,
    })
}

/// A client warmed on every instance: each has issued it a token and verified them all.
async fn warmed_client(three: &Three) -> (Value, Vec<String>) {
    let created = three.console.create_api_client("credentials:read").await;
    let mut tokens = Vec::new();
    for instance in [&three.a, &three.b, &three.c] {
        tokens.push(access_token(&instance.base, &created).await);
    }
    // The clocks really disagree: B signs 10 minutes ahead of A, C 10 minutes behind.
    let (at_a, at_b, at_c) = (iat(&tokens[0]), iat(&tokens[1]), iat(&tokens[2]));
    assert!(
        (at_b - at_a - 600).abs() <= 30,
        "B is off by {} s",
        at_b - at_a
    );
    assert!(
        (at_c - at_a + 600).abs() <= 30,
        "C is off by {} s",
        at_c - at_a
    );
    for instance in [&three.a, &three.b, &three.c] {
        for token in &tokens {
            assert_eq!(instance.me(token).await, StatusCode::OK);
        }
    }
    (created, tokens)
}

/// A JWT's `iat`: the clock of the instance that signed it.
fn iat(token: &str) -> i64 {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    claims["iat"].as_i64().unwrap()
}

fn id(created: &Value) -> &str {
    created["client"]["id"].as_str().unwrap()
}

#[tokio::test]
async fn skewed_clocks_lose_no_deletion_disable_or_revocation() {
    let Some(three) = three_instances().await else {
        return;
    };
    let (a, b, c) = (&three.a, &three.b, &three.c);

    // Deleted through A's console: B and C refuse its tokens and its secret.
    let (deleted, tokens) = warmed_client(&three).await;
    let res = three
        .console
        .rpc("api-clients/delete", &[("id", id(&deleted))])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let since = Instant::now();
    refused_everywhere(
        "deleted (tokens)",
        &[a, b, c],
        since,
        Refuse::Tokens(&tokens),
    )
    .await;
    refused_everywhere(
        "deleted (secret)",
        &[a, b, c],
        since,
        Refuse::Secret(&deleted),
    )
    .await;

    // Disabled through A's console.
    let (disabled, tokens) = warmed_client(&three).await;
    let res = three
        .console
        .rpc(
            "api-clients/set-disabled",
            &[("id", id(&disabled)), ("disabled", "true")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let since = Instant::now();
    refused_everywhere(
        "disabled",
        &[a, b, c],
        since,
        Refuse::Tokens(&tokens[1..=1]),
    )
    .await;

    // One token revoked through A (RFC 7009); the client's other tokens still work.
    let (client, tokens) = warmed_client(&three).await;
    let res = reqwest::Client::new()
        .post(format!("{}/oauth/revoke", a.base))
        .basic_auth(
            client["client"]["client_id"].as_str().unwrap(),
            client["client_secret"].as_str(),
        )
        .form(&[("token", tokens[2].as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let since = Instant::now();
    refused_everywhere("revoked", &[a, b, c], since, Refuse::Tokens(&tokens[2..=2])).await;
    for instance in [a, b, c] {
        assert_eq!(instance.me(&tokens[0]).await, StatusCode::OK);
    }

    // Changes made through B and through C reach the others the same way (the API, as an
    // integration would delete a client).
    let writer = three
        .console
        .create_api_client("credentials:read credentials:write")
        .await;
    for (through, others) in [(b, [a, c]), (c, [a, b])] {
        let (victim, tokens) = warmed_client(&three).await;
        let writer_token = access_token(&through.base, &writer).await;
        let res = reqwest::Client::new()
            .delete(format!(
                "{}/api/v1/api-clients/{}",
                through.base,
                id(&victim)
            ))
            .bearer_auth(&writer_token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        let since = Instant::now();
        refused_everywhere(
            "deleted through a skewed instance",
            &others,
            since,
            Refuse::Tokens(&tokens[0..=0]),
        )
        .await;
    }
    drop(three.database);
}

#[tokio::test]
async fn a_late_commit_and_a_burst_of_fifty_thousand_changes_arrive() {
    let Some(three) = three_instances().await else {
        return;
    };
    let (a, b, c) = (&three.a, &three.b, &three.c);
    let store = store::Store::connect(&three.database).await.unwrap();

    // A deletion whose transaction stays open while other changes commit and propagate and every
    // instance's clock moves 10 s (a reader that looked back by its clock would skip it).
    let (slow, slow_tokens) = warmed_client(&three).await;
    let mut held = store.pool().begin().await.unwrap();
    sqlx::query("INSERT INTO gate_events (kind, key) VALUES ('client', $1)")
        .bind(slow["client"]["client_id"].as_str().unwrap())
        .execute(&mut *held)
        .await
        .unwrap();
    sqlx::query("DELETE FROM api_clients WHERE id = $1")
        .bind(id(&slow))
        .execute(&mut *held)
        .await
        .unwrap();
    let (quick, quick_tokens) = warmed_client(&three).await;
    let res = three
        .console
        .rpc("api-clients/delete", &[("id", id(&quick))])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    refused_everywhere(
        "committed meanwhile",
        &[a, b, c],
        Instant::now(),
        Refuse::Tokens(&quick_tokens[1..=1]),
    )
    .await;
    for instance in [a, b, c] {
        assert_eq!(
            instance.me(&slow_tokens[0]).await,
            StatusCode::OK,
            "not committed yet"
        );
    }
    for instance in [a, b, c] {
        instance.move_clock(HELD_OPEN_SECONDS);
    }
    // Another change after the move: once it is refused everywhere, every follower has read
    // the log on its moved clock, with the slow deletion still uncommitted.
    let (later, later_tokens) = warmed_client(&three).await;
    let res = three
        .console
        .rpc("api-clients/delete", &[("id", id(&later))])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let since = Instant::now();
    refused_everywhere(
        "after the clocks moved",
        &[a, b, c],
        since,
        Refuse::Tokens(&later_tokens[0..=0]),
    )
    .await;
    for instance in [a, b, c] {
        assert_eq!(
            instance.me(&slow_tokens[1]).await,
            StatusCode::OK,
            "not committed yet"
        );
    }
    held.commit().await.unwrap();
    let since = Instant::now();
    refused_everywhere(
        "committed 10 s late",
        &[a, b, c],
        since,
        Refuse::Tokens(&slow_tokens[2..=2]),
    )
    .await;

    // 50,000 changes in one transaction, with a real deletion first and one last.
    let (first, first_tokens) = warmed_client(&three).await;
    let (last, last_tokens) = warmed_client(&three).await;
    let mut burst = store.pool().begin().await.unwrap();
    for (created, position) in [(&first, "first"), (&last, "last")] {
        if position == "last" {
            burst
                .execute(
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000) \
                     INSERT INTO gate_events (kind, key) SELECT 'revoked', 'burst-' || i FROM n",
                )
                .await
                .unwrap();
        }
        sqlx::query("INSERT INTO gate_events (kind, key) VALUES ('client', $1)")
            .bind(created["client"]["client_id"].as_str().unwrap())
            .execute(&mut *burst)
            .await
            .unwrap();
        sqlx::query("DELETE FROM api_clients WHERE id = $1")
            .bind(id(created))
            .execute(&mut *burst)
            .await
            .unwrap();
    }
    burst.commit().await.unwrap();
    let since = Instant::now();
    for (what, tokens) in [
        ("burst (first)", &first_tokens),
        ("burst (last)", &last_tokens),
    ] {
        let tokens = Refuse::Tokens(&tokens[0..=0]);
        refused_everywhere_within(BURST, what, &[a, b, c], since, tokens).await;
    }
}

#[tokio::test]
async fn a_dead_follower_answers_503_until_it_is_back() {
    let Some(three) = three_instances().await else {
        return;
    };
    let (_, tokens) = warmed_client(&three).await;
    let b = &three.b;
    b.kill_follower();
    let killed = Instant::now();
    loop {
        let res = reqwest::Client::new()
            .get(format!("{}/api/v1/me", b.base))
            .bearer_auth(&tokens[0])
            .send()
            .await
            .unwrap();
        if res.status() == StatusCode::SERVICE_UNAVAILABLE {
            let body: server::ApiErrorBody = res.json().await.unwrap();
            assert_eq!(body.error, "temporarily_unavailable");
            let health = reqwest::get(format!("{}/healthz", b.base)).await.unwrap();
            assert_eq!(
                health.status(),
                StatusCode::SERVICE_UNAVAILABLE,
                "out of rotation"
            );
            break;
        }
        assert!(killed.elapsed() < Duration::from_secs(1), "still answering");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    while b.me(&tokens[0]).await != StatusCode::OK {
        assert!(
            killed.elapsed() < Duration::from_secs(10),
            "did not recover"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!("the follower was back after {:?}", killed.elapsed());
    // The others never stopped.
    assert_eq!(three.a.me(&tokens[1]).await, StatusCode::OK);
    assert_eq!(three.c.me(&tokens[2]).await, StatusCode::OK);
}
