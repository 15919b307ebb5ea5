//! The IETF rate-limit header fields (draft-ietf-httpapi-ratelimit-headers) of a limited
//! credential's answers, and its 429: `RateLimit-Policy` names each policy with its quota
//! (`q`) and window in seconds (`w`); `RateLimit` tells what is left (`r`) of the policy
//! closest to exhaustion and the seconds until its window ends (`t`).

use crate::api_error::ApiError;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use services::limiter::LimitState;

pub const RATELIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
pub const RATELIMIT: HeaderName = HeaderName::from_static("ratelimit");

/// `RateLimit-Policy` and `RateLimit` for these states (at least one).
pub fn fields(states: &[LimitState]) -> Vec<(HeaderName, HeaderValue)> {
    let policy = states
        .iter()
        .map(|s| format!("\"{}\";q={};w={}", s.policy, s.limit, s.window_seconds))
        .collect::<Vec<_>>()
        .join(", ");
    let mut fields = Vec::with_capacity(2);
    if let Ok(value) = HeaderValue::from_str(&policy) {
        fields.push((RATELIMIT_POLICY, value));
    }
    if let Some(closest) = states.iter().min_by_key(|s| s.remaining) {
        let now = format!(
            "\"{}\";r={};t={}",
            closest.policy, closest.remaining, closest.reset_seconds
        );
        if let Ok(value) = HeaderValue::from_str(&now) {
            fields.push((RATELIMIT, value));
        }
    }
    fields
}

/// 429 `rate_limited`, with `Retry-After` and the fields.
pub fn refusal(by: &LimitState, states: &[LimitState]) -> ApiError {
    let what = match by.policy {
        "quota" => "quota",
        _ => "rate limit",
    };
    let mut refused = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!(
            "this credential's {what} of {} requests per {} s is used up; try again in {} s",
            by.limit, by.window_seconds, by.reset_seconds
        ),
    );
    refused.add_header(header::RETRY_AFTER, HeaderValue::from(by.reset_seconds));
    for (name, value) in fields(states) {
        refused.add_header(name, value);
    }
    refused
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(
        policy: &'static str,
        limit: u64,
        window: i64,
        remaining: u64,
        reset: i64,
    ) -> LimitState {
        LimitState {
            policy,
            limit,
            window_seconds: window,
            remaining,
            reset_seconds: reset,
        }
    }

    #[test]
    fn the_fields_name_every_policy_and_the_closest_one() {
        let fields = fields(&[
            state("rate", 5, 60, 4, 38),
            state("quota", 1000, 86_400, 2, 900),
        ]);
        assert_eq!(fields[0].0, RATELIMIT_POLICY);
        assert_eq!(fields[0].1, "\"rate\";q=5;w=60, \"quota\";q=1000;w=86400");
        assert_eq!(fields[1].1, "\"quota\";r=2;t=900");
        let refused = refusal(&state("rate", 5, 60, 0, 38), &[state("rate", 5, 60, 0, 38)]);
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(refused.body().error, "rate_limited");
    }
}
