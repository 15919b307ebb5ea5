//! The two-instance overshoot of a rate limit (PostgreSQL): two release instances share one
//! database, an API Client has a limit of about four seconds of their traffic (measured first
//! with an unlimited client, in the same run) per hour, and workers call `/api/v1/me` on both
//! instances at once, as fast as they answer, for eight seconds, so that the limit is reached
//! after several exchanges rather than before the first. The
//! instances exchange their counts every second, so together they may let through the limit
//! plus what the other instance let through in one exchange interval (README, "Rate limits
//! and quotas"). The figure is the measured overshoot against that bound, both from the same
//! run: the bound is the most requests one instance let through in any one second.

use crate::propagation::start;
use crate::{
    access_token_for, api_client_form, free_port, json_of, sign_up_and_create, wait_healthy,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const WORKERS_PER_INSTANCE: usize = 16;
const RUN: Duration = Duration::from_secs(8);
/// The limit is this many seconds of the measured throughput.
const LIMIT_SECONDS: f64 = 4.0;

pub struct Overshoot {
    pub limit: u64,
    pub sent: u64,
    pub allowed: u64,
    /// The most requests one instance let through in any one second.
    pub bound: u64,
    /// Let through by each instance.
    pub per_instance: [u64; 2],
}

impl Overshoot {
    fn overshoot(&self) -> u64 {
        self.allowed.saturating_sub(self.limit)
    }
}

fn hour_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() / 3600)
        .unwrap_or_default()
}

/// The most of `times` (seconds since the start, in any order) that fall in one second.
fn most_in_one_second(times: &mut [f64]) -> u64 {
    times.sort_by(f64::total_cmp);
    let (mut most, mut first) = (0, 0);
    for last in 0..times.len() {
        while times[last] - times[first] >= 1.0 {
            first += 1;
        }
        most = most.max(last - first + 1);
    }
    most as u64
}

/// Calls `url` with `token` until `stop`; answers the times (since `start`) of the calls let
/// through, and how many were sent.
async fn worker(
    http: reqwest::Client,
    url: String,
    token: String,
    start: Instant,
    stop: Arc<AtomicBool>,
) -> Result<(Vec<f64>, u64), String> {
    let (mut allowed, mut sent) = (Vec::new(), 0);
    while !stop.load(Ordering::Relaxed) {
        let status = http
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .map_err(|e| e.to_string())?
            .status();
        sent += 1;
        match status.as_u16() {
            200 => allowed.push(start.elapsed().as_secs_f64()),
            429 => {}
            other => return Err(format!("{url} answered {other}")),
        }
    }
    Ok((allowed, sent))
}

/// Drives `/api/v1/me` with `token` on both instances for `run`; answers, per instance, the
/// times of the calls let through, and how many were sent.
async fn drive(
    http: &reqwest::Client,
    bases: [&str; 2],
    token: &str,
    run: Duration,
) -> Result<([Vec<f64>; 2], u64), String> {
    let begun = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for base in bases {
        for _ in 0..WORKERS_PER_INSTANCE {
            tasks.push(tokio::spawn(worker(
                http.clone(),
                format!("{base}/api/v1/me"),
                token.to_string(),
                begun,
                stop.clone(),
            )));
        }
    }
    tokio::time::sleep(run).await;
    stop.store(true, Ordering::Relaxed);
    let mut per_instance = [Vec::new(), Vec::new()];
    let mut sent = 0;
    for (n, task) in tasks.into_iter().enumerate() {
        let (allowed, count) = task.await.map_err(|e| e.to_string())??;
        per_instance[n / WORKERS_PER_INSTANCE].extend(allowed);
        sent += count;
    }
    Ok((per_instance, sent))
}

pub async fn measure(database_url: &str) -> Result<Overshoot, String> {
    let (port_a, port_b) = (free_port(), free_port());
    let a = format!("http://127.0.0.1:{port_a}");
    let b = format!("http://127.0.0.1:{port_b}");
    let _first = start(database_url, port_a, &a)?;
    wait_healthy(&a).await?;
    let _second = start(database_url, port_b, &a)?;
    wait_healthy(&b).await?;
    let console = sign_up_and_create(&a).await?;
    let http = reqwest::Client::new();
    // How fast both answer an unlimited client: the limit is a few seconds of that.
    let (warm, _) = drive(&http, [&a, &b], &console.jwt, Duration::from_secs(2)).await?;
    let per_second = (warm[0].len() + warm[1].len()) as f64 / 2.0;
    let limit = ((per_second * LIMIT_SECONDS / 1000.0).round() as u64).max(1) * 1000;
    // A run that crosses the top of an hour starts a new window: it is run again.
    for _ in 0..2 {
        let limit_text = limit.to_string();
        let mut form = api_client_form("Overshoot", "credentials:read");
        form.extend([
            ("rate_limit_requests", limit_text.as_str()),
            ("rate_limit_per", "hour"),
        ]);
        let created = json_of(
            http.post(format!("{a}/rpc/api-clients/create"))
                .header("cookie", &console.console_cookie)
                .header("x-csrf-token", &console.csrf)
                .form(&form)
                .send(),
        )
        .await?;
        let token = access_token_for(&http, &a, &created).await?;
        let hour = hour_now();
        let (mut per_instance, sent) = drive(&http, [&a, &b], &token, RUN).await?;
        if hour_now() != hour {
            eprintln!("  the run crossed the top of an hour: again");
            continue;
        }
        let counts = [per_instance[0].len() as u64, per_instance[1].len() as u64];
        let bound = per_instance
            .iter_mut()
            .map(|times| most_in_one_second(times))
            .max()
            .unwrap_or_default();
        return Ok(Overshoot {
            limit,
            sent,
            allowed: counts[0] + counts[1],
            bound,
            per_instance: counts,
        });
    }
    Err("two runs crossed the top of an hour".into())
}

pub fn report(o: &Overshoot) -> String {
    let overshoot = o.overshoot();
    format!(
        "\n## Rate limit overshoot (PostgreSQL, two instances)\n\n\
         One API Client limited to {} requests per hour (about {LIMIT_SECONDS} s of what both \
         instances answered an unlimited client just before); {} workers on each instance call \
         `/api/v1/me` for {} s, as fast as the instances answer. The bound is the README's: \
         what the other instance lets through in one exchange interval (1 s), measured as the \
         most requests one instance let through in any one second of the same run.\n\n\
         | sent | let through (A + B) | limit | overshoot | bound | overshoot ÷ bound | target |\n\
         | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n\
         | {} | {} ({} + {}) | {} | {} | {} | {:.2} | ≤ 1.00 {} |\n",
        o.limit,
        WORKERS_PER_INSTANCE,
        RUN.as_secs(),
        o.sent,
        o.allowed,
        o.per_instance[0],
        o.per_instance[1],
        o.limit,
        overshoot,
        o.bound,
        overshoot as f64 / o.bound.max(1) as f64,
        if overshoot <= o.bound && o.allowed >= o.limit {
            "met"
        } else {
            "**missed**"
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_busiest_second_is_counted() {
        let mut times = vec![0.1, 0.2, 1.05, 1.1, 1.15, 2.5, 0.95];
        // 0.2 to 1.15: five calls within one second.
        assert_eq!(most_in_one_second(&mut times), 5);
        assert_eq!(most_in_one_second(&mut []), 0);
    }
}
