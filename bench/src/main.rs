//! `portcullis-bench`: measures Portcullis's hot paths against a baseline in the same run and
//! writes the table to `bench/results/`. Run it through `cargo xtask bench` (which builds the
//! release binaries and installs wrk); see bench/README.md.
//!
//! For each backend (SQLite, and PostgreSQL when it answers) and each size (a thousand
//! credentials, then a million across ten thousand organizations), it starts the release
//! `portcullis`, signs up through the console, creates an API Client and a Restricted Access
//! Token, and drives four scenarios with wrk on loopback: the token endpoint (HTTP Basic),
//! `GET /api/v1/me` with a JWT, the same with a Restricted Access Token, and the console's
//! credential list. The baseline (`src/bin/baseline.rs`) runs the first three with the same
//! cryptography and no storage, in turn with Portcullis in each block (`--rounds` runs each, 3 by default).

#![allow(clippy::disallowed_methods)] // a benchmark measures the wall clock: it is the edge

mod bundle;
mod cpu;
mod gateway;
mod overshoot;
mod propagation;
mod seed;
mod wrk;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::cookie::CookieStore;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::Store;
use wrk::{Measured, Scenario};

const TOKEN: &str = "POST /oauth/token (Basic)";
const JWT_ME: &str = "GET /api/v1/me (JWT)";
const JWT_ME_LIMITED: &str = "GET /api/v1/me (JWT, client with a rate limit)";
const RAT_ME: &str = "GET /api/v1/me (Restricted Access Token)";
const CONSOLE_LIST: &str = "console credential list (signed in)";

struct Options {
    seconds: u32,
    connections: u32,
    large: u64,
    postgres: bool,
    /// Only the revocation propagation (PostgreSQL).
    only_propagation: bool,
    /// Only the gateway and forward-auth comparisons (their section of latest.md is replaced).
    only_gateway: bool,
    /// Only the browser bundle's size (printed, latest.md untouched).
    only_bundle: bool,
    /// Only the load scenarios whose name holds this (printed, latest.md untouched): to
    /// measure one change to a hot path, with `--rounds` pairs.
    scenario: Option<String>,
    /// Pairs of runs (Portcullis, then the baseline) per scenario with a baseline.
    rounds: usize,
}

impl Options {
    fn parse() -> Options {
        let mut options = Options {
            seconds: 10,
            connections: 32,
            large: 1_000_000,
            postgres: true,
            only_propagation: false,
            only_gateway: false,
            only_bundle: false,
            scenario: None,
            rounds: 3,
        };
        let args: Vec<String> = std::env::args().skip(1).collect();
        let mut i = 0;
        while i < args.len() {
            let text = args.get(i + 1).cloned();
            let value = text.as_deref().and_then(|v| v.parse().ok());
            match (args[i].as_str(), value) {
                ("--seconds", Some(v)) => options.seconds = v as u32,
                ("--connections", Some(v)) => options.connections = v as u32,
                ("--large", Some(v)) => options.large = v,
                ("--rounds", Some(v)) if v > 0 => options.rounds = v as usize,
                ("--only-scenario", _) if text.is_some() => options.scenario = text,
                ("--no-postgres", _) => {
                    options.postgres = false;
                    i -= 1;
                }
                ("--only-propagation", _) => {
                    options.only_propagation = true;
                    i -= 1;
                }
                ("--only-gateway", _) => {
                    options.only_gateway = true;
                    i -= 1;
                }
                ("--only-bundle", _) => {
                    options.only_bundle = true;
                    i -= 1;
                }
                (other, _) => {
                    eprintln!(
                        "usage: portcullis-bench [--seconds N] [--connections N] [--large N] [--rounds N] [--no-postgres] [--only-propagation] [--only-gateway] [--only-bundle] [--only-scenario TEXT] (got {other})"
                    );
                    std::process::exit(2);
                }
            }
            i += 2;
        }
        options
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("bench sits in the workspace")
        .to_path_buf()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A child process, killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn wait_healthy(base: &str) -> Result<(), String> {
    let started = Instant::now();
    loop {
        if let Ok(res) = reqwest::get(format!("{base}/healthz")).await
            && res.status().is_success()
        {
            return Ok(());
        }
        if started.elapsed() > Duration::from_secs(30) {
            return Err(format!("{base} did not become healthy"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn start_portcullis(database_url: &str, port: u16) -> Result<Running, String> {
    let binary = root().join("target/release/portcullis");
    Command::new(&binary)
        .arg("serve")
        .env("DATABASE_URL", database_url)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_SITE_ROOT", root().join("target/site"))
        .env("RUST_LOG", "warn")
        .env("PORTCULLIS_OPEN_SIGNUP", "true")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .map(Running)
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))
}

/// What the scenarios send to Portcullis.
struct Credentials {
    basic: String,
    jwt: String,
    /// A token of a client with a rate limit (high enough never to refuse): the cost of
    /// counting.
    limited_jwt: String,
    restricted_token: String,
    console_cookie: String,
    csrf: String,
}

/// The console's form for a new API Client with `scopes` (space-separated).
fn api_client_form<'a>(name: &'a str, scopes: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", name),
        ("description", ""),
        ("allowed_origins", ""),
        ("scopes", scopes),
        ("expiration_date", ""),
    ]
}

/// The JSON answer of a request.
async fn json_of(
    request: impl std::future::Future<Output = reqwest::Result<reqwest::Response>>,
) -> Result<Value, String> {
    request
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())
}

/// An access token for the API Client the console just `created` (its JSON answer), by HTTP
/// Basic.
async fn access_token_for(
    http: &reqwest::Client,
    base: &str,
    created: &Value,
) -> Result<String, String> {
    let issued = json_of(
        http.post(format!("{base}/oauth/token"))
            .basic_auth(
                created["client"]["client_id"].as_str().ok_or("no client")?,
                created["client_secret"].as_str(),
            )
            .form(&[("grant_type", "client_credentials")])
            .send(),
    )
    .await?;
    issued["access_token"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("no access token: {issued}"))
}

/// An access token for HTTP Basic credentials.
async fn issue(base: &str, basic: &str) -> Result<Value, String> {
    reqwest::Client::new()
        .post(format!("{base}/oauth/token"))
        .header("authorization", basic)
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())
}

/// Signs up through the console like a person, then creates the credentials like one.
async fn sign_up_and_create(base: &str) -> Result<Credentials, String> {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .build()
        .map_err(|e| e.to_string())?;
    let url: reqwest::Url = base.parse().map_err(|e| format!("{e}"))?;
    client
        .get(format!("{base}/login"))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let cookies = || {
        jar.cookies(&url)
            .and_then(|v| v.to_str().ok().map(str::to_string))
            .unwrap_or_default()
    };
    let csrf = cookies()
        .split("; ")
        .find_map(|c| c.strip_prefix("portcullis_csrf="))
        .map(str::to_string)
        .ok_or("no anti-forgery cookie")?;
    let rpc = |endpoint: &str, form: Vec<(&str, &str)>| {
        client
            .post(format!("{base}/rpc/{endpoint}"))
            .header("x-csrf-token", &csrf)
            .form(&form)
            .send()
    };
    let email = format!("bench-{}@bench.test", std::process::id());
    let account = vec![
        ("name", "Bench"),
        ("email", email.as_str()),
        ("password", "a long bench password"),
        ("organization_name", "Bench"),
    ];
    let res = rpc("setup", account.clone())
        .await
        .map_err(|e| e.to_string())?;
    if !res.status().is_success() {
        let res = rpc("signup", account).await.map_err(|e| e.to_string())?;
        if !res.status().is_success() {
            return Err(format!("cannot sign up: {}", res.status()));
        }
    }
    let created = json_of(rpc(
        "api-clients/create",
        api_client_form("Bench client", "credentials:read"),
    ))
    .await?;
    let client_id = created["client"]["client_id"].as_str().ok_or("no client")?;
    let secret = created["client_secret"].as_str().ok_or("no secret")?;
    let token: Value = rpc(
        "restricted-tokens/create",
        vec![
            ("name", "Bench token"),
            ("allowed_ips", "127.0.0.1"),
            ("expiration_date", ""),
        ],
    )
    .await
    .map_err(|e| e.to_string())?
    .json()
    .await
    .map_err(|e| e.to_string())?;
    let basic = format!("Basic {}", STANDARD.encode(format!("{client_id}:{secret}")));
    let issued = issue(base, &basic).await?;
    let mut limited_form = api_client_form("Bench limited client", "credentials:read");
    limited_form.extend([
        ("rate_limit_requests", "1000000000"),
        ("rate_limit_per", "hour"),
        ("quota_requests", "1000000000"),
        ("quota_per", "month"),
    ]);
    let limited = json_of(rpc("api-clients/create", limited_form)).await?;
    let limited_basic = format!(
        "Basic {}",
        STANDARD.encode(format!(
            "{}:{}",
            limited["client"]["client_id"].as_str().ok_or("no client")?,
            limited["client_secret"].as_str().ok_or("no secret")?
        ))
    );
    let limited_issued = issue(base, &limited_basic).await?;
    Ok(Credentials {
        basic,
        jwt: issued["access_token"]
            .as_str()
            .ok_or("no access token")?
            .into(),
        limited_jwt: limited_issued["access_token"]
            .as_str()
            .ok_or("no access token")?
            .into(),
        restricted_token: token["secret"].as_str().ok_or("no token")?.into(),
        console_cookie: cookies(),
        csrf,
    })
}

fn portcullis_scenarios<'a>(base: &str, c: &Credentials) -> Vec<Scenario<'a>> {
    let form = (
        "Content-Type".to_string(),
        "application/x-www-form-urlencoded".to_string(),
    );
    vec![
        Scenario {
            name: TOKEN,
            url: format!("{base}/oauth/token"),
            method: "POST",
            headers: vec![("Authorization".into(), c.basic.clone()), form.clone()],
            body: "grant_type=client_credentials".into(),
        },
        Scenario {
            name: JWT_ME,
            url: format!("{base}/api/v1/me"),
            method: "GET",
            headers: vec![("Authorization".into(), format!("Bearer {}", c.jwt))],
            body: String::new(),
        },
        Scenario {
            name: JWT_ME_LIMITED,
            url: format!("{base}/api/v1/me"),
            method: "GET",
            headers: vec![("Authorization".into(), format!("Bearer {}", c.limited_jwt))],
            body: String::new(),
        },
        Scenario {
            name: RAT_ME,
            url: format!("{base}/api/v1/me"),
            method: "GET",
            headers: vec![(
                "Authorization".into(),
                format!("Bearer {}", c.restricted_token),
            )],
            body: String::new(),
        },
        Scenario {
            name: CONSOLE_LIST,
            url: format!("{base}/rpc/credentials/list"),
            method: "POST",
            headers: vec![
                ("Cookie".into(), c.console_cookie.clone()),
                ("x-csrf-token".into(), c.csrf.clone()),
                form,
            ],
            body: String::new(),
        },
    ]
}

struct Row {
    scenario: &'static str,
    backend: &'static str,
    credentials: i64,
    measured: Measured,
    /// The baseline's run paired with `measured` (see `median_pair`).
    baseline: Option<Measured>,
}

/// Of runs in pairs (Portcullis, then the baseline right after it), the pair whose ratio is
/// the median: each ratio compares two runs a few seconds apart, whatever the machine did
/// between rounds.
fn median_pair(mut pairs: Vec<(Measured, Measured)>) -> (Measured, Measured) {
    let ratio = |(ours, theirs): &(Measured, Measured)| {
        ours.requests_per_second / theirs.requests_per_second
    };
    pairs.sort_by(|a, b| ratio(a).total_cmp(&ratio(b)));
    pairs[pairs.len() / 2]
}

/// One measured run after a warm-up (caches, connections) of a scenario served by the process
/// `pid`, logged with that process's CPU time (user + system) per request: steadier than
/// throughput on a machine whose two cores wrk shares.
fn measure_once(
    who: &str,
    scenario: &Scenario,
    pid: u32,
    options: &Options,
    work: &Path,
) -> Result<Measured, String> {
    wrk::run(scenario, 2, options.connections, work)?;
    let before = cpu::seconds(pid);
    let measured = wrk::run(scenario, options.seconds, options.connections, work)?;
    let requests = measured.requests_per_second * f64::from(options.seconds);
    let cpu = cpu::micros_per_request(before, cpu::seconds(pid), requests);
    let m = &measured;
    eprintln!(
        "  {who:<22} {:<45} {:>9.0} req/s  p50 {:.2} ms  p99 {:.2} ms  failures {}  cpu {cpu:.1} µs/req",
        scenario.name, m.requests_per_second, m.p50_ms, m.p99_ms, m.failures
    );
    Ok(measured)
}

async fn measure_portcullis(
    backend: &'static str,
    database_url: &str,
    baseline: &Baseline,
    options: &Options,
    work: &Path,
    rows: &mut Vec<Row>,
) -> Result<(), String> {
    let store = Store::open(database_url)
        .await
        .map_err(|e| format!("{backend}: {e}"))?;
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut credentials = None;
    // A thousand credentials first (10 organizations), then the large size.
    let mut sizes = vec![1_000u64];
    if options.large > 1_000 {
        sizes.push(options.large);
    }
    let mut seeded_orgs = 0u64;
    for (round, size) in sizes.into_iter().enumerate() {
        let orgs = size / seed::PER_ORGANIZATION;
        let started = Instant::now();
        seed::organizations(&store, seeded_orgs, orgs - seeded_orgs).await?;
        seeded_orgs = orgs;
        let total = seed::count(&store).await?;
        eprintln!(
            "{backend}: {total} credentials stored (seeding took {:.1} s)",
            started.elapsed().as_secs_f64()
        );
        let server = start_portcullis(database_url, port)?;
        wait_healthy(&base).await?;
        if round == 0 {
            credentials = Some(sign_up_and_create(&base).await?);
        }
        let c = credentials.as_ref().ok_or("no credentials")?;
        let pid = server.0.id();
        let chosen = portcullis_scenarios(&base, c)
            .into_iter()
            .filter(|s| (options.scenario.as_deref()).is_none_or(|wanted| s.name.contains(wanted)));
        for scenario in chosen {
            let counterpart = baseline.scenarios.iter().find(|b| b.name == scenario.name);
            let who = format!("{backend} {total}");
            let (measured, baseline) = match counterpart {
                None => (measure_once(&who, &scenario, pid, options, work)?, None),
                Some(base_scenario) => {
                    // Runs of the scenario and of its baseline, in turn; the median pair
                    // counts. The machine drifts (another tenant, the CPU's clock) by a quarter
                    // over a run: a baseline measured once at the start would compare a later
                    // block against a different machine.
                    let mut pairs = Vec::new();
                    for _ in 0..options.rounds {
                        let ours = measure_once(&who, &scenario, pid, options, work)?;
                        let theirs = measure_once(
                            "baseline",
                            base_scenario,
                            baseline.process.0.id(),
                            options,
                            work,
                        )?;
                        pairs.push((ours, theirs));
                    }
                    let (ours, theirs) = median_pair(pairs);
                    (ours, Some(theirs))
                }
            };
            rows.push(Row {
                scenario: scenario.name,
                backend,
                credentials: total,
                measured,
                baseline,
            });
        }
        drop(server);
    }
    store.close().await;
    Ok(())
}

/// The baseline server, running for the whole throughput run, and what wrk sends it.
struct Baseline {
    process: Running,
    scenarios: Vec<Scenario<'static>>,
}

async fn start_baseline() -> Result<Baseline, String> {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = Command::new(root().join("target/release/baseline"))
        .arg(format!("127.0.0.1:{port}"))
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start the baseline: {e}"))?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().ok_or("no stdout")?)
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    let process = Running(child);
    let values: Value = serde_json::from_str(&line).map_err(|e| e.to_string())?;
    let basic = format!(
        "Basic {}",
        STANDARD.encode(format!(
            "{}:{}",
            values["client_id"].as_str().unwrap_or_default(),
            values["client_secret"].as_str().unwrap_or_default()
        ))
    );
    let scenarios = vec![
        Scenario {
            name: TOKEN,
            url: format!("{base}/oauth/token"),
            method: "POST",
            headers: vec![
                ("Authorization".into(), basic),
                (
                    "Content-Type".into(),
                    "application/x-www-form-urlencoded".into(),
                ),
            ],
            body: "grant_type=client_credentials".into(),
        },
        Scenario {
            name: JWT_ME,
            url: format!("{base}/jwt/me"),
            method: "GET",
            headers: vec![(
                "Authorization".into(),
                format!("Bearer {}", values["jwt"].as_str().unwrap_or_default()),
            )],
            body: String::new(),
        },
        Scenario {
            name: RAT_ME,
            url: format!("{base}/rat/me"),
            method: "GET",
            headers: vec![(
                "Authorization".into(),
                format!("Bearer {}", values["token"].as_str().unwrap_or_default()),
            )],
            body: String::new(),
        },
    ];
    gateway::listening(base.trim_start_matches("http://")).await?;
    Ok(Baseline { process, scenarios })
}

async fn fresh_postgres() -> Option<(String, String)> {
    let admin = std::env::var("PORTCULLIS_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let name = format!("portcullis_bench_{}", std::process::id());
    let store = Store::connect(&format!("{admin}/postgres")).await.ok()?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(store.pool())
        .await
        .ok()?;
    store.close().await;
    Some((format!("{admin}/{name}"), admin))
}

async fn drop_postgres(admin: &str, url: &str) {
    let name = url.rsplit('/').next().unwrap_or_default().to_string();
    if let Ok(store) = Store::connect(&format!("{admin}/postgres")).await {
        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(store.pool())
        .await;
        store.close().await;
    }
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "unknown host".into());
    format!("{host}: {cpu}, {cores} cores")
}

fn target(scenario: &str) -> Option<f64> {
    match scenario {
        TOKEN => Some(0.95),
        JWT_ME => Some(1.00),
        RAT_ME => Some(0.85),
        _ => None,
    }
}

fn report(rows: &[Row], options: &Options) -> String {
    let date = Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let mut out = format!(
        "# Portcullis benchmark\n\n{date}, on {}.\n\nwrk, {} connections, 2 threads, {} s per \
         scenario after a 2 s warm-up, loopback; the server and wrk share the machine. \
         Ratio = Portcullis ÷ the baseline (`bench/src/bin/baseline.rs`: same cryptography, no \
         storage). A scenario with a baseline runs in turn with it, {} times each, in the \
         same block (backend and size); the table shows the pair of runs whose ratio is the \
         median.\n\n",
        machine(),
        options.connections,
        options.seconds,
        options.rounds
    );
    out.push_str("| scenario | backend | credentials | req/s | p50 ms | p99 ms | failures | baseline req/s | ratio | target |\n");
    out.push_str("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
    for row in rows {
        let base = row.baseline.as_ref();
        let ratio = base.map(|b| row.measured.requests_per_second / b.requests_per_second);
        let verdict = match (ratio, target(row.scenario)) {
            (Some(r), Some(t)) if r >= t => format!("≥ {:.0}% met", t * 100.0),
            (Some(_), Some(t)) => format!("≥ {:.0}% **missed**", t * 100.0),
            _ => "-".into(),
        };
        let p99 = if row.measured.p99_ms < 10.0 {
            format!("{:.2}", row.measured.p99_ms)
        } else {
            format!("**{:.2}**", row.measured.p99_ms)
        };
        out.push_str(&format!(
            "| {} | {} | {} | {:.0} | {:.2} | {p99} | {} | {} | {} | {verdict} |\n",
            row.scenario,
            row.backend,
            row.credentials,
            row.measured.requests_per_second,
            row.measured.p50_ms,
            row.measured.failures,
            base.map(|b| format!("{:.0}", b.requests_per_second))
                .unwrap_or("-".into()),
            ratio.map(|r| format!("{:.2}", r)).unwrap_or("-".into()),
        ));
    }
    let mut scale = String::new();
    for small in rows.iter().filter(|r| r.credentials < 10_000) {
        if let Some(large) = rows.iter().find(|r| {
            r.scenario == small.scenario && r.backend == small.backend && r.credentials >= 10_000
        }) {
            scale.push_str(&format!(
                "| {} | {} | {} | {} | {:.2} |\n",
                small.scenario,
                small.backend,
                small.credentials,
                large.credentials,
                large.measured.requests_per_second / small.measured.requests_per_second
            ));
        }
    }
    section(
        &mut out,
        "Scale: throughput with the large store ÷ with a thousand credentials",
        "| scenario | backend | small | large | ratio (target ≥ 0.90) |\n| --- | --- | ---: | ---: | ---: |",
        &scale,
    );
    let mut limits = String::new();
    for plain in rows.iter().filter(|r| r.scenario == JWT_ME) {
        if let Some(limited) = rows.iter().find(|r| {
            r.scenario == JWT_ME_LIMITED
                && r.backend == plain.backend
                && r.credentials == plain.credentials
        }) {
            let ratio = limited.measured.requests_per_second / plain.measured.requests_per_second;
            limits.push_str(&format!(
                "| {} | {} | {:.0} | {:.0} | {:.2} {} |\n",
                plain.backend,
                plain.credentials,
                plain.measured.requests_per_second,
                limited.measured.requests_per_second,
                ratio,
                if ratio >= 0.90 { "met" } else { "NOT met" }
            ));
        }
    }
    section(
        &mut out,
        "Limits: a client with a rate limit and a quota ÷ one without, same run",
        "| backend | credentials | unlimited req/s | limited req/s | ratio (target ≥ 0.90) |\n| --- | ---: | ---: | ---: | ---: |",
        &limits,
    );
    out
}

/// A titled table, when it has rows (a focused run measures one scenario at one size: no
/// comparison across sizes or with the limited client).
fn section(out: &mut String, title: &str, header: &str, rows: &str) {
    if !rows.is_empty() {
        out.push_str(&format!("\n## {title}\n\n{header}\n{rows}"));
    }
}

#[tokio::main]
async fn main() {
    let options = Options::parse();
    if let Err(message) = bench(&options).await {
        eprintln!("portcullis-bench: {message}");
        std::process::exit(1);
    }
}

async fn bench(options: &Options) -> Result<(), String> {
    let work = root().join("target/bench");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let started = Instant::now();
    if options.only_bundle {
        let bundle = measure_bundle(&work).await?;
        println!("{}", bundle::report(&bundle));
        return bundle_verdict(&bundle);
    }
    if options.scenario.is_some() {
        // A focused run: its table is printed, latest.md keeps the full run's.
        let baseline = start_baseline().await?;
        let mut rows = Vec::new();
        let sqlite = format!("sqlite://{}/bench.db", work.display());
        measure_portcullis("SQLite", &sqlite, &baseline, options, &work, &mut rows).await?;
        println!("{}", report(&rows, options));
        return Ok(());
    }
    if options.only_gateway {
        eprintln!("==> the operator's API: gateway and forward-auth");
        let section = gateway::measure(options, &work).await?;
        let latest = root().join("bench/results/latest.md");
        let old = std::fs::read_to_string(&latest).unwrap_or_default();
        let table = gateway::replace_section(&old, &section);
        std::fs::write(&latest, &table).map_err(|e| e.to_string())?;
        println!("{section}");
        eprintln!("updated bench/results/latest.md");
        return Ok(());
    }

    let mut table = String::new();
    // Measured (and its limit checked) when latest.md is written, not for propagation alone.
    let mut bundle = None;
    if !options.only_propagation {
        table = measure_throughput(options, &work).await?;
        let measured = measure_bundle(&work).await?;
        table.push_str(&bundle::report(&measured));
        bundle = Some(measured);
    }
    if options.postgres {
        eprintln!("==> revocation propagation to a second instance (PostgreSQL)");
        match fresh_postgres().await {
            Some((url, admin)) => {
                let result = propagation::measure(&url, 60).await;
                drop_postgres(&admin, &url).await;
                let measured = result?;
                eprintln!(
                    "  median {:.1} ms, max {:.1} ms over {} deletions (floor {:.1} ms)",
                    measured.median_ms,
                    measured.max_ms,
                    measured.deletions,
                    measured.local_median_ms
                );
                table.push_str(&propagation::report(&measured));
            }
            None => eprintln!("PostgreSQL does not answer: skipped"),
        }
        eprintln!("==> rate limit overshoot with two instances (PostgreSQL)");
        match fresh_postgres().await {
            Some((url, admin)) => {
                let result = overshoot::measure(&url).await;
                drop_postgres(&admin, &url).await;
                let measured = result?;
                eprintln!(
                    "  let through {} of {} sent, limit {}, bound {}",
                    measured.allowed, measured.sent, measured.limit, measured.bound
                );
                table.push_str(&overshoot::report(&measured));
            }
            None => eprintln!("PostgreSQL does not answer: skipped"),
        }
    }
    let results = root().join("bench/results");
    std::fs::create_dir_all(&results).map_err(|e| e.to_string())?;
    let name = if options.only_propagation {
        "propagation.md"
    } else {
        "latest.md"
    };
    std::fs::write(results.join(name), &table).map_err(|e| e.to_string())?;
    println!("{table}");
    eprintln!(
        "wrote bench/results/{name} in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    bundle.as_ref().map_or(Ok(()), bundle_verdict)
}

/// The bundle from a server of its own (an empty SQLite store).
async fn measure_bundle(work: &Path) -> Result<bundle::Bundle, String> {
    eprintln!("==> the browser bundle as served");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let database = format!("sqlite://{}/bundle.db", work.display());
    let _server = start_portcullis(&database, port)?;
    wait_healthy(&base).await?;
    let measured = bundle::measure(&base).await?;
    eprintln!(
        "  {} bytes, {} gzip, {} br",
        measured.plain, measured.gzip, measured.brotli
    );
    Ok(measured)
}

/// The bench fails when the bundle is over its limit (after writing its results).
fn bundle_verdict(bundle: &bundle::Bundle) -> Result<(), String> {
    if bundle.within_limit() {
        Ok(())
    } else {
        Err(format!(
            "the browser bundle is {} bytes gzip, over the limit of {} (PRODUCT.md §7)",
            bundle.gzip,
            bundle::LIMIT_GZIP_BYTES
        ))
    }
}

/// The load scenarios against the baseline, on SQLite and (when it answers) PostgreSQL.
async fn measure_throughput(options: &Options, work: &Path) -> Result<String, String> {
    let baseline = start_baseline().await?;
    let mut rows = Vec::new();
    eprintln!("==> Portcullis on SQLite");
    let sqlite = format!("sqlite://{}/bench.db", work.display());
    measure_portcullis("SQLite", &sqlite, &baseline, options, work, &mut rows).await?;
    if options.postgres {
        eprintln!("==> Portcullis on PostgreSQL");
        match fresh_postgres().await {
            Some((url, admin)) => {
                let result =
                    measure_portcullis("PostgreSQL", &url, &baseline, options, work, &mut rows)
                        .await;
                drop_postgres(&admin, &url).await;
                result?;
            }
            None => eprintln!("PostgreSQL does not answer: skipped"),
        }
    }
    drop(baseline);
    let mut table = report(&rows, options);
    eprintln!("==> the operator's API: gateway and forward-auth");
    table.push_str(&gateway::measure(options, work).await?);
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(scenario: &'static str, credentials: i64, requests_per_second: f64) -> Row {
        Row {
            scenario,
            backend: "SQLite",
            credentials,
            measured: Measured {
                requests_per_second,
                ..Measured::default()
            },
            baseline: None,
        }
    }

    fn options() -> Options {
        Options {
            seconds: 5,
            connections: 32,
            large: 1000,
            postgres: false,
            only_propagation: false,
            only_gateway: false,
            only_bundle: false,
            scenario: None,
            rounds: 1,
        }
    }

    #[test]
    fn a_focused_run_reports_no_empty_comparison() {
        let text = report(&[row(TOKEN, 1000, 100.0)], &options());
        assert!(text.contains("| POST /oauth/token (Basic) | SQLite | 1000 | 100 |"));
        assert!(!text.contains("## Scale"), "{text}");
        assert!(!text.contains("## Limits"), "{text}");
    }

    #[test]
    fn sizes_and_the_limited_client_are_compared_when_measured() {
        let rows = [
            row(JWT_ME, 1000, 100.0),
            row(JWT_ME_LIMITED, 1000, 95.0),
            row(JWT_ME, 1_000_003, 92.0),
        ];
        let text = report(&rows, &options());
        assert!(
            text.contains("## Scale: throughput with the large store ÷ with a thousand credentials\n\n| scenario | backend | small | large | ratio (target ≥ 0.90) |\n| --- | --- | ---: | ---: | ---: |\n| GET /api/v1/me (JWT) | SQLite | 1000 | 1000003 | 0.92 |\n"),
            "{text}"
        );
        assert!(
            text.contains("| SQLite | 1000 | 100 | 95 | 0.95 met |"),
            "{text}"
        );
    }
}
