//! The gate in front of the operator's API (PRODUCT.md §8), each against its baseline in the
//! same run:
//!
//! - the gateway (JWT with the route's scope) ÷ a reverse proxy on the same stack with no
//!   authentication (`src/bin/bare-proxy.rs`), both in front of the same upstream. The proxy
//!   does what the gateway does besides the gate (the same connection timeouts, an upstream
//!   timeout, hop-by-hop headers dropped, `X-Forwarded-*` added), so the ratio is the cost of
//!   authentication and the identity headers; the gateway ÷ a minimal proxy (no timeouts, no
//!   header work) is reported too, with no target, for the whole difference;
//! - `/gate/check` (forward-auth, Restricted Access Token) ÷ `GET /api/v1/me` with the same
//!   token on the same instance.

use crate::cpu;
use crate::wrk::{self, Measured, Scenario};
use crate::{
    Options, Running, access_token_for, api_client_form, free_port, json_of, root,
    sign_up_and_create, wait_healthy,
};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const BARE: &str = "GET /orders/{id} through a reverse proxy without authentication";
const MINIMAL: &str = "GET /orders/{id} through a minimal proxy (no timeouts, no header work)";
const GATEWAY: &str = "GET /orders/{id} through the gateway (JWT)";
const RAT_ME: &str = "GET /api/v1/me (Restricted Access Token)";
const CHECK: &str = "GET /gate/check (Restricted Access Token)";

/// Runs of each scenario; the median counts.
const ROUNDS: usize = 5;

/// `(name, baseline name, target)` of each comparison.
const COMPARISONS: [(&str, &str, Option<f64>); 3] = [
    (GATEWAY, BARE, Some(0.85)),
    (GATEWAY, MINIMAL, None),
    (CHECK, RAT_ME, Some(1.0)),
];

fn bare_proxy(args: &[&str]) -> Result<Running, String> {
    Command::new(root().join("target/release/bare-proxy"))
        .args(args)
        .stdout(Stdio::null())
        .spawn()
        .map(Running)
        .map_err(|e| format!("cannot start bare-proxy: {e}"))
}

/// Waits until something accepts connections at `addr`.
pub async fn listening(addr: &str) -> Result<(), String> {
    for _ in 0..300 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Err(format!("nothing listens on {addr}"))
}

fn operator_file(work: &Path, upstream: &str) -> Result<std::path::PathBuf, String> {
    let file = work.join("gateway-api.toml");
    let text = format!(
        "[api]\nname = \"Bench Orders API\"\n\n[[api.scopes]]\nname = \"orders:read\"\n\
         description = \"Read orders\"\n\n[[api.routes]]\npath = \"/orders/{{id}}\"\n\
         methods = [\"GET\"]\nscopes = [\"orders:read\"]\nrestricted_tokens = true\n\
         upstream = \"http://{upstream}\"\n"
    );
    std::fs::write(&file, text).map_err(|e| e.to_string())?;
    Ok(file)
}

pub async fn measure(options: &Options, work: &Path) -> Result<String, String> {
    let upstream = format!("127.0.0.1:{}", free_port());
    let bare = format!("127.0.0.1:{}", free_port());
    let minimal = format!("127.0.0.1:{}", free_port());
    let gateway = format!("127.0.0.1:{}", free_port());
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let upstream_process = bare_proxy(&["upstream", &upstream])?;
    let bare_process = bare_proxy(&["proxy", &bare, &upstream])?;
    let minimal_process = bare_proxy(&["minimal", &minimal, &upstream])?;
    listening(&upstream).await?;
    listening(&bare).await?;
    listening(&minimal).await?;
    let database = format!("sqlite://{}/gateway.db", work.display());
    let portcullis = Command::new(root().join("target/release/portcullis"))
        .arg("serve")
        .env("DATABASE_URL", &database)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_SITE_ROOT", root().join("target/site"))
        .env("RUST_LOG", "warn")
        .env("PORTCULLIS_OPEN_SIGNUP", "true")
        .env("PORTCULLIS_CONFIG", operator_file(work, &upstream)?)
        .env("PORTCULLIS_GATEWAY_ADDR", &gateway)
        .stdout(Stdio::null())
        .spawn()
        .map(Running)
        .map_err(|e| format!("cannot start portcullis: {e}"))?;
    wait_healthy(&base).await?;

    let console = sign_up_and_create(&base).await?;
    let http = reqwest::Client::new();
    let created = json_of(
        http.post(format!("{base}/rpc/api-clients/create"))
            .header("cookie", &console.console_cookie)
            .header("x-csrf-token", &console.csrf)
            .form(&api_client_form("Orders client", "orders:read"))
            .send(),
    )
    .await?;
    let jwt = format!("Bearer {}", access_token_for(&http, &base, &created).await?);
    let rat = format!("Bearer {}", console.restricted_token);
    let get = |name, url: String, headers: Vec<(String, String)>| Scenario {
        name,
        url,
        method: "GET",
        headers,
        body: String::new(),
    };
    let (bare_pid, portcullis_pid) = (bare_process.0.id(), portcullis.0.id());
    let minimal_pid = minimal_process.0.id();
    let upstream_pid = upstream_process.0.id();
    let authorization = |value: &str| ("Authorization".to_string(), value.to_string());
    let scenarios = [
        get(BARE, format!("http://{bare}/orders/1"), vec![]),
        get(MINIMAL, format!("http://{minimal}/orders/1"), vec![]),
        get(
            GATEWAY,
            format!("http://{gateway}/orders/1"),
            vec![authorization(&jwt)],
        ),
        get(
            RAT_ME,
            format!("{base}/api/v1/me"),
            vec![authorization(&rat)],
        ),
        get(
            CHECK,
            format!("{base}/gate/check"),
            vec![
                authorization(&rat),
                ("X-Forwarded-Method".into(), "GET".into()),
                ("X-Forwarded-Uri".into(), "/orders/1".into()),
            ],
        ),
    ];
    // Each side of a comparison runs in turn, ROUNDS times, and the median counts: a drift of
    // the machine during the run then weighs on both sides alike.
    // The process each scenario tests, whose CPU time per request is reported beside its
    // throughput, and the upstream's.
    let tested = [
        bare_pid,
        minimal_pid,
        portcullis_pid,
        portcullis_pid,
        portcullis_pid,
    ];
    let mut runs: Vec<Runs> = scenarios.iter().map(|s| Runs::new(s.name)).collect();
    for scenario in &scenarios {
        wrk::run(scenario, 2, options.connections, work)?;
    }
    for _ in 0..ROUNDS {
        for ((scenario, runs), pid) in scenarios.iter().zip(runs.iter_mut()).zip(tested) {
            let before = (cpu::seconds(pid), cpu::seconds(upstream_pid));
            let m = wrk::run(scenario, options.seconds, options.connections, work)?;
            let after = (cpu::seconds(pid), cpu::seconds(upstream_pid));
            let requests = m.requests_per_second * f64::from(options.seconds);
            let cpu = cpu::micros_per_request(before.0, after.0, requests);
            let upstream_cpu = cpu::micros_per_request(before.1, after.1, requests);
            eprintln!(
                "  {:<50} {:>9.0} req/s  p50 {:.2} ms  p99 {:.2} ms  failures {}  cpu {cpu:.1} µs/req (upstream {upstream_cpu:.1})",
                scenario.name, m.requests_per_second, m.p50_ms, m.p99_ms, m.failures
            );
            runs.measured.push(m);
            runs.cpu.push(cpu);
        }
    }
    let medians: Vec<Median> = runs.into_iter().map(Runs::median).collect();
    Ok(report(&medians))
}

/// Every run of one scenario.
struct Runs<'a> {
    name: &'a str,
    measured: Vec<Measured>,
    /// CPU microseconds per request of the process under test, per run.
    cpu: Vec<f64>,
}

/// A scenario's median run by throughput, and its median CPU time per request.
struct Median<'a> {
    name: &'a str,
    measured: Measured,
    cpu_us: f64,
}

impl<'a> Runs<'a> {
    fn new(name: &'a str) -> Self {
        Runs {
            name,
            measured: vec![],
            cpu: vec![],
        }
    }

    fn median(mut self) -> Median<'a> {
        self.measured
            .sort_by(|a, b| a.requests_per_second.total_cmp(&b.requests_per_second));
        self.cpu.sort_by(f64::total_cmp);
        Median {
            name: self.name,
            measured: self.measured[self.measured.len() / 2],
            cpu_us: self.cpu[self.cpu.len() / 2],
        }
    }
}

const HEADING: &str = "\n## The operator's API: gateway and forward-auth";

/// `table` with its gateway section (up to the next section or the end) replaced by `section`,
/// or with `section` added.
pub fn replace_section(table: &str, section: &str) -> String {
    let Some(start) = table.find(HEADING) else {
        return format!("{table}{section}");
    };
    let rest = &table[start + HEADING.len()..];
    let end = rest
        .find("\n## ")
        .map(|i| start + HEADING.len() + i)
        .unwrap_or(table.len());
    format!("{}{section}{}", &table[..start], &table[end..])
}

fn report(medians: &[Median]) -> String {
    let of = |name: &str| {
        medians
            .iter()
            .find(|m| m.name == name)
            .map(|m| (m.measured, m.cpu_us))
            .unwrap_or_default()
    };
    let mut out = format!(
        "{HEADING} (SQLite)\n\n\
         Same run, same upstream (`bench/src/bin/bare-proxy.rs`, a small JSON answer). The \
         reverse proxy is hyper-util's client behind axum with no authentication, doing what \
         the gateway does besides the gate: served with the same connection timeouts, a \
         timeout on the upstream, hop-by-hop headers dropped, `X-Forwarded-*` added; the \
         minimal proxy does none of that (no target: it shows the whole difference). \
         `/gate/check` and \
         `/api/v1/me` run on the same instance with the same Restricted Access Token. The \
         scenarios run in turn, {ROUNDS} times each; the table shows each one's median run. \
         CPU is the median CPU time (user + system) per request of the process under test: \
         the proxy, or the Portcullis instance.\n\n\
         | scenario | req/s | p50 ms | p99 ms | failures | CPU µs/req | baseline | baseline req/s | baseline CPU µs/req | ratio | target |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- |\n"
    );
    for (name, baseline, target) in COMPARISONS {
        let ((m, cpu), (b, baseline_cpu)) = (of(name), of(baseline));
        let ratio = m.requests_per_second / b.requests_per_second.max(1.0);
        let verdict = match target {
            Some(target) if ratio >= target => format!("≥ {target:.2} met"),
            Some(target) => format!("≥ {target:.2} **missed**"),
            None => "-".to_string(),
        };
        out.push_str(&format!(
            "| {name} | {:.0} | {:.2} | {:.2} | {} | {cpu:.1} | {baseline} | {:.0} | {baseline_cpu:.1} | {ratio:.2} | {verdict} |\n",
            m.requests_per_second, m.p50_ms, m.p99_ms, m.failures, b.requests_per_second
        ));
    }
    out
}
