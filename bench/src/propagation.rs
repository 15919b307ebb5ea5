//! Revocation propagation: two release instances on one PostgreSQL database; an API Client is
//! deleted through the first instance's console and the second is asked, as fast as it
//! answers, until it refuses the client's token. The baseline is the same measurement on the
//! instance that made the change (what a request costs, with no propagation at all).

use crate::{
    Credentials, access_token_for, api_client_form, free_port, json_of, root, sign_up_and_create,
    wait_healthy,
};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Propagation {
    pub deletions: usize,
    /// To the second instance.
    pub median_ms: f64,
    pub max_ms: f64,
    /// On the instance that made the change (the floor).
    pub local_median_ms: f64,
}

pub(crate) struct Instance(Child);

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn start(database_url: &str, port: u16, issuer: &str) -> Result<Instance, String> {
    let binary = root().join("target/release/portcullis");
    Command::new(&binary)
        .arg("serve")
        .env("DATABASE_URL", database_url)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_SITE_ROOT", root().join("target/site"))
        .env("PORTCULLIS_ISSUER", issuer)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .map(Instance)
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Asks `base` for `/api/v1/me` with `token` until it answers 401; answers how long it took.
async fn until_refused(http: &reqwest::Client, base: &str, token: &str) -> Result<f64, String> {
    let started = Instant::now();
    loop {
        let status = http
            .get(format!("{base}/api/v1/me"))
            .bearer_auth(token)
            .send()
            .await
            .map_err(|e| e.to_string())?
            .status();
        if status == reqwest::StatusCode::UNAUTHORIZED {
            return Ok(started.elapsed().as_secs_f64() * 1000.0);
        }
        if started.elapsed() > Duration::from_secs(10) {
            return Err(format!("{base} still accepts a deleted client after 10 s"));
        }
    }
}

pub async fn measure(database_url: &str, deletions: usize) -> Result<Propagation, String> {
    let (port_a, port_b) = (free_port(), free_port());
    let a = format!("http://127.0.0.1:{port_a}");
    let b = format!("http://127.0.0.1:{port_b}");
    let _first = start(database_url, port_a, &a)?;
    wait_healthy(&a).await?;
    let _second = start(database_url, port_b, &a)?;
    wait_healthy(&b).await?;
    let console: Credentials = sign_up_and_create(&a).await?;
    let http = reqwest::Client::new();
    let rpc = |endpoint: &str, form: Vec<(&str, &str)>| {
        http.post(format!("{a}/rpc/{endpoint}"))
            .header("cookie", &console.console_cookie)
            .header("x-csrf-token", &console.csrf)
            .form(&form)
            .send()
    };
    let (mut remote, mut local) = (Vec::new(), Vec::new());
    for n in 0..deletions * 2 {
        let created = json_of(rpc(
            "api-clients/create",
            api_client_form("Propagation", "credentials:read"),
        ))
        .await?;
        let token = access_token_for(&http, &a, &created).await?;
        let token = token.as_str();
        // Both instances have verified and cached it.
        for base in [&a, &b] {
            let res = http
                .get(format!("{base}/api/v1/me"))
                .bearer_auth(token)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            if !res.status().is_success() {
                return Err(format!("{base} refused a fresh token: {}", res.status()));
            }
        }
        let id = created["client"]["id"].as_str().ok_or("no id")?;
        let deleted = rpc("api-clients/delete", vec![("id", id)])
            .await
            .map_err(|e| e.to_string())?;
        if !deleted.status().is_success() {
            return Err(format!("cannot delete: {}", deleted.status()));
        }
        // Alternate which instance is asked first, so neither gains from the other's wait.
        if n % 2 == 0 {
            remote.push(until_refused(&http, &b, token).await?);
        } else {
            local.push(until_refused(&http, &a, token).await?);
        }
    }
    let max_ms = remote.iter().copied().fold(0.0, f64::max);
    Ok(Propagation {
        deletions: remote.len(),
        median_ms: median(&mut remote),
        max_ms,
        local_median_ms: median(&mut local),
    })
}

pub fn report(p: &Propagation) -> String {
    format!(
        "\n## Revocation propagation (PostgreSQL, two instances)\n\n\
         An API Client deleted through instance A's console; instance B is asked until it \
         refuses the client's token. The floor is the same measurement on A itself.\n\n\
         | deletions | median ms | max ms | floor (on A) median ms | median ÷ floor | target |\n\
         | ---: | ---: | ---: | ---: | ---: | --- |\n\
         | {} | {:.1} | {:.1} | {:.1} | {:.1} | median < 100 ms {} |\n",
        p.deletions,
        p.median_ms,
        p.max_ms,
        p.local_median_ms,
        p.median_ms / p.local_median_ms.max(0.001),
        if p.median_ms < 100.0 {
            "met"
        } else {
            "**missed**"
        }
    )
}
