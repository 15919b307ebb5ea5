//! Faults, with the real binary: `kill -9` in the middle of a stream of creations loses no
//! acknowledged write; a deletion reaches a second process under load within a second; the
//! database going away answers 503 and service resumes without a restart.
//!
//! The test command runs them short; `cargo xtask bench` runs them longer
//! (`PORTCULLIS_FAULT_SECONDS`).

use crate::process::{Console, Running, access_token, free_port, start};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ISSUER: &str = "http://portcullis.test";

fn fault_seconds() -> f64 {
    std::env::var("PORTCULLIS_FAULT_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.5)
}

/// Sets the instance up through the console; answers an access token with both scopes.
async fn writer_token(base: &str) -> String {
    let console = Console::set_up(base).await;
    let created = console
        .create_api_client("credentials:read credentials:write")
        .await;
    access_token(base, &created).await
}

/// Creates Restricted Access Tokens from 8 connections until the server dies; answers the
/// ids of the creations that were acknowledged (201).
async fn create_until_killed(base: &str, token: &str, server: &mut Running) -> Vec<String> {
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for worker in 0..8 {
        let (base, token, acknowledged) =
            (base.to_string(), token.to_string(), acknowledged.clone());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            for n in 0.. {
                let res = client
                    .post(format!("{base}/api/v1/restricted-access-tokens"))
                    .bearer_auth(&token)
                    .json(&json!({"name": format!("w{worker}-{n}"), "allowed_ips": ["10.0.0.1"]}))
                    .send()
                    .await;
                let Ok(res) = res else { break };
                if res.status() != StatusCode::CREATED {
                    break;
                }
                let Ok(body) = res.json::<Value>().await else {
                    break;
                };
                acknowledged
                    .lock()
                    .unwrap()
                    .push(body["id"].as_str().unwrap().to_string());
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs_f64(fault_seconds())).await;
    let killed = Command::new("kill")
        .args(["-KILL", &server.0.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let _ = server.0.wait();
    for task in tasks {
        let _ = task.await;
    }
    acknowledged.lock().unwrap().clone()
}

async fn kill_nine_loses_nothing(database: &str) {
    let (mut server, base) = start(database, Some(ISSUER)).await;
    let token = writer_token(&base).await;
    let acknowledged = create_until_killed(&base, &token, &mut server).await;
    assert!(
        acknowledged.len() > 10,
        "only {} creations before the kill",
        acknowledged.len()
    );
    // Restart on the same database: everything acknowledged is there, and whole.
    let (_server, base) = start(database, Some(ISSUER)).await;
    // Every page of the list (it answers 100 at a time).
    let mut stored = Vec::new();
    let mut cursor = String::new();
    loop {
        let list: Value = reqwest::Client::new()
            .get(format!(
                "{base}/api/v1/restricted-access-tokens?limit=500&cursor={cursor}"
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        stored.extend(list["data"].as_array().unwrap().iter().cloned());
        match list["next_cursor"].as_str() {
            Some(next) => cursor = next.to_string(),
            None => break,
        }
    }
    for id in &acknowledged {
        assert!(
            stored.iter().any(|t| t["id"] == id.as_str()),
            "acknowledged creation {id} is missing after kill -9"
        );
    }
    for item in &stored {
        assert!(
            item["name"].as_str().is_some_and(|n| n.starts_with('w')),
            "{item}"
        );
        assert_eq!(item["token_last_four"].as_str().unwrap().len(), 4, "{item}");
        assert_eq!(item["allowed_ips"], json!(["10.0.0.1"]), "{item}");
    }
    eprintln!(
        "kill -9 after {} acknowledged creations: {} stored, none lost",
        acknowledged.len(),
        stored.len()
    );
    if database.starts_with("sqlite:") {
        let store = store::Store::connect(database).await.unwrap();
        let row = sqlx::query("PRAGMA integrity_check")
            .fetch_one(store.pool())
            .await
            .unwrap();
        let verdict: String = sqlx::Row::try_get(&row, 0).unwrap();
        assert_eq!(verdict, "ok");
    }
}

#[tokio::test]
async fn kill_nine_during_creations_loses_no_acknowledged_write_on_sqlite() {
    kill_nine_loses_nothing(&store::testing::fresh_sqlite_url()).await;
}

#[tokio::test]
async fn kill_nine_during_creations_loses_no_acknowledged_write_on_postgres() {
    if let Some(database) = store::testing::fresh_postgres_url().await {
        kill_nine_loses_nothing(&database).await;
    }
}

/// Two processes on one PostgreSQL database, the second under load: clients deleted through
/// the first are refused by the second within a second. Reports the delays.
#[tokio::test]
async fn a_deletion_reaches_a_loaded_second_process_within_a_second() {
    let Some(database) = store::testing::fresh_postgres_url().await else {
        return;
    };
    let (_first, base) = start(&database, Some(ISSUER)).await;
    let (_second, second) = start(&database, Some(ISSUER)).await;
    let writer = writer_token(&base).await;
    // Load on the second process: /me with the writer's token, from 8 connections.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let served = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut load = Vec::new();
    for _ in 0..8 {
        let (second, writer, stop, served) =
            (second.clone(), writer.clone(), stop.clone(), served.clone());
        load.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let ok = client
                    .get(format!("{second}/api/v1/me"))
                    .bearer_auth(&writer)
                    .send()
                    .await
                    .is_ok_and(|r| r.status() == StatusCode::OK);
                assert!(ok, "the load's own token must keep working");
                served.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }));
    }
    let rounds = (fault_seconds() * 2.0).ceil() as usize;
    let mut delays = Vec::new();
    for _ in 0..rounds {
        let created: Value = reqwest::Client::new()
            .post(format!("{base}/api/v1/api-clients"))
            .bearer_auth(&writer)
            .json(&json!({"name": "doomed"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = access_token(&base, &created).await;
        let me = |base: &str| {
            reqwest::Client::new()
                .get(format!("{base}/api/v1/me"))
                .bearer_auth(&token)
                .send()
        };
        assert_eq!(me(&second).await.unwrap().status(), StatusCode::OK);
        let res = reqwest::Client::new()
            .delete(format!(
                "{base}/api/v1/api-clients/{}",
                created["id"].as_str().unwrap()
            ))
            .bearer_auth(&writer)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        let deleted = Instant::now();
        loop {
            if me(&second).await.unwrap().status() == StatusCode::UNAUTHORIZED {
                delays.push(deleted.elapsed());
                break;
            }
            assert!(
                deleted.elapsed() < Duration::from_secs(1),
                "still accepted after 1 s under load"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for task in load {
        task.await.unwrap();
    }
    delays.sort();
    eprintln!(
        "deletion → refused on the second process, under load ({} requests served): \
         {} rounds, median {:?}, max {:?}",
        served.load(std::sync::atomic::Ordering::Relaxed),
        delays.len(),
        delays[delays.len() / 2],
        delays[delays.len() - 1]
    );
}

/// A PostgreSQL server of our own (a private cluster on a free port), so that stopping it
/// disturbs nothing else.
struct PrivateCluster {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
}

fn as_postgres(program: &Path) -> Command {
    // initdb and postgres refuse to run as root.
    if running_as_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

impl PrivateCluster {
    fn create() -> Option<PrivateCluster> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .flatten()
            .map(|e| e.path().join("bin"))
            .find(|b| b.join("initdb").exists())?;
        let dir = std::env::temp_dir().join(format!("portcullis-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).ok()?;
        if running_as_root() {
            Command::new("chown")
                .args(["postgres:postgres"])
                .arg(&dir)
                .status()
                .ok()?;
        }
        let ok = as_postgres(&bin.join("initdb"))
            .args(["-A", "trust", "-U", "postgres", "-D"])
            .arg(dir.join("data"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .ok()?
            .success();
        ok.then_some(PrivateCluster {
            dir,
            bin,
            port: free_port(),
        })
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn start(&self) {
        let ok = as_postgres(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.dir.join("data"))
            .arg("-o")
            .arg(format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1",
                self.port,
                self.dir.display()
            ))
            .arg("-l")
            .arg(self.dir.join("log"))
            .args(["-w", "start"])
            .stdout(Stdio::null())
            .status()
            .unwrap()
            .success();
        assert!(ok, "the private PostgreSQL did not start");
    }

    fn stop(&self) {
        let _ = as_postgres(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", "fast", "-w", "stop"])
            .stdout(Stdio::null())
            .status();
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// PostgreSQL stopped under a running Portcullis: requests that need it answer 503 with a
/// clear error (never a 500, never a hang beyond the pool's timeout); once it is back, the
/// same requests succeed without restarting Portcullis.
#[tokio::test]
async fn the_database_going_away_answers_503_and_service_resumes() {
    let Some(cluster) = PrivateCluster::create() else {
        assert!(
            std::env::var("PORTCULLIS_REQUIRE_POSTGRES").is_err(),
            "PostgreSQL's binaries (initdb) are required for this test"
        );
        eprintln!("skipped: no PostgreSQL binaries");
        return;
    };
    cluster.start();
    let (_server, base) = start(&cluster.url(), Some(ISSUER)).await;
    let token = writer_token(&base).await;
    let create = || {
        reqwest::Client::new()
            .post(format!("{base}/api/v1/restricted-access-tokens"))
            .bearer_auth(&token)
            .json(&json!({"name": "during", "allowed_ips": ["10.0.0.1"]}))
            .send()
    };
    assert_eq!(create().await.unwrap().status(), StatusCode::CREATED);

    cluster.stop();
    let res = create().await.unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("database")
    );
    let health = reqwest::get(format!("{base}/healthz")).await.unwrap();
    assert_eq!(health.status(), StatusCode::SERVICE_UNAVAILABLE);
    let res = reqwest::Client::new()
        .post(format!("{base}/oauth/token"))
        .basic_auth("pci_000000000000000000000000", Some("pcs_x"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_ne!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);

    cluster.start();
    let back = Instant::now();
    loop {
        let status = create().await.unwrap().status();
        if status == StatusCode::CREATED {
            break;
        }
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(back.elapsed() < Duration::from_secs(20), "did not recover");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let res = reqwest::Client::new()
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        reqwest::get(format!("{base}/healthz"))
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    eprintln!("recovered {:?} after PostgreSQL came back", back.elapsed());
}
