//! CPU time of a process, from `/proc/PID/stat` (user + system), so that a scenario can say
//! how much of the machine each request cost the process under test: steadier than throughput
//! on a small machine where wrk, the proxy and the upstream share the cores.

/// Clock ticks per second of `/proc/PID/stat` (`sysconf(_SC_CLK_TCK)`, 100 on Linux).
const TICKS_PER_SECOND: f64 = 100.0;

/// The CPU seconds `pid` has used so far, or `None` when it cannot be read.
pub fn seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse(&stat)
}

/// Microseconds of CPU per request, from the CPU seconds read before and after `requests`
/// were answered; NaN when either read failed or nothing was answered.
pub fn micros_per_request(before: Option<f64>, after: Option<f64>, requests: f64) -> f64 {
    match (before, after) {
        (Some(before), Some(after)) if requests > 0.0 => (after - before) * 1e6 / requests,
        _ => f64::NAN,
    }
}

/// utime + stime of a `/proc/PID/stat` line: fields 14 and 15, counted after the command name
/// (which is in parentheses and may itself hold spaces).
fn parse(stat: &str) -> Option<f64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace().skip(11);
    let user: f64 = fields.next()?.parse().ok()?;
    let system: f64 = fields.next()?.parse().ok()?;
    Some((user + system) / TICKS_PER_SECOND)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_and_system_ticks_are_added() {
        let line = "4242 (bare proxy) S 1 4242 4242 0 -1 4194560 500 0 0 0 250 50 0 0 20 0 4 0";
        assert_eq!(parse(line), Some(3.0));
        assert_eq!(parse("garbage"), None);
    }

    #[test]
    fn per_request_divides_what_was_spent_and_is_nan_without_a_reading() {
        assert_eq!(micros_per_request(Some(1.0), Some(1.5), 1000.0), 500.0);
        assert!(micros_per_request(None, Some(1.5), 1000.0).is_nan());
        assert!(micros_per_request(Some(1.0), Some(1.5), 0.0).is_nan());
    }

    #[test]
    fn this_process_has_used_some_time() {
        let spent = seconds(std::process::id()).expect("readable");
        assert!(spent >= 0.0);
        assert!(seconds(u32::MAX).is_none());
    }
}
