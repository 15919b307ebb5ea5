//! Drives a scenario with wrk (Debian's package) and reads its numbers back from a Lua `done`
//! hook, so nothing depends on wrk's human-readable output.

use std::path::Path;
use std::process::Command;

/// One load scenario: a request wrk repeats.
pub struct Scenario<'a> {
    pub name: &'a str,
    pub url: String,
    pub method: &'a str,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct Measured {
    pub requests_per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Responses that were not 2xx, and socket errors.
    pub failures: u64,
}

fn lua_string(value: &str) -> String {
    format!("{value:?}")
}

fn script(scenario: &Scenario) -> String {
    let mut lua = format!(
        "wrk.method = {}\nwrk.body = {}\n",
        lua_string(scenario.method),
        lua_string(&scenario.body)
    );
    for (name, value) in &scenario.headers {
        lua.push_str(&format!(
            "wrk.headers[{}] = {}\n",
            lua_string(name),
            lua_string(value)
        ));
    }
    lua.push_str(
        r#"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout + e.status))
end
"#,
    );
    lua
}

/// Runs `scenario` for `seconds` with `connections` connections.
pub fn run(
    scenario: &Scenario,
    seconds: u32,
    connections: u32,
    work_dir: &Path,
) -> Result<Measured, String> {
    let file: String = scenario
        .name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let script_path = work_dir.join(format!("{file}.lua"));
    std::fs::write(&script_path, script(scenario)).map_err(|e| e.to_string())?;
    let output = Command::new("wrk")
        .args([
            "-t2",
            &format!("-c{connections}"),
            &format!("-d{seconds}s"),
            "--timeout",
            "5s",
            "-s",
        ])
        .arg(&script_path)
        .arg(&scenario.url)
        .output()
        .map_err(|e| format!("cannot run wrk: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("BENCH "))
        .ok_or_else(|| {
            format!(
                "wrk printed no result: {stdout} {}",
                String::from_utf8_lossy(&output.stderr)
            )
        })?;
    let numbers: Vec<f64> = line
        .split_whitespace()
        .map(|n| n.parse().unwrap_or_default())
        .collect();
    let [requests, duration_us, p50_us, p99_us, failures] = numbers[..] else {
        return Err(format!("unexpected wrk result: {line}"));
    };
    Ok(Measured {
        requests_per_second: requests / (duration_us / 1e6),
        p50_ms: p50_us / 1000.0,
        p99_ms: p99_us / 1000.0,
        failures: failures as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_quote_values() {
        let s = script(&Scenario {
            name: "x",
            url: "http://h/".into(),
            method: "POST",
            headers: vec![("Authorization".into(), "Basic \"q\"".into())],
            body: "a=b".into(),
        });
        assert!(
            s.contains(r#"wrk.headers["Authorization"] = "Basic \"q\"""#),
            "{s}"
        );
        assert!(s.contains(r#"wrk.body = "a=b""#));
    }
}
