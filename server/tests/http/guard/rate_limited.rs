//! 429: a credential past its rate limit is refused by every front (the gateway, nginx and
//! Caddy through `/gate/check`) with `Retry-After` and the `RateLimit` fields, until the
//! window ends on the instance's clock.

use super::{Ask, FRONTS, Guarded, refusal};
use crate::guarded_on_both_backends;
use reqwest::StatusCode;
use services::Clock;

guarded_on_both_backends!(a_client_past_its_rate_limit_gets_429_until_the_next_window);

async fn a_client_past_its_rate_limit_gets_429_until_the_next_window(g: Guarded) {
    // Windows are aligned to the minute: start at the beginning of one, so that the five
    // requests of each front fall in the same window.
    let now = g.app.clock.now_ms() / 1000;
    g.app.clock.advance_secs(60 - now.rem_euclid(60));
    for front in FRONTS {
        let creds = g
            .app
            .limited_api_client(&g.admin, "orders:read", ("5", "minute"), ("", ""))
            .await;
        let token = g.app.access_token(&creds).await;
        for n in 0..5 {
            let res = g.send(front, Ask::get("/orders/7", &token)).await;
            assert_eq!(
                res.status(),
                StatusCode::OK,
                "{front:?} request {n}\n{}",
                g.logs()
            );
            if front == super::Front::Gateway {
                assert_eq!(res.headers()["ratelimit-policy"], "\"rate\";q=5;w=60");
                let left = format!("\"rate\";r={};t=60", 4 - n);
                assert_eq!(res.headers()["ratelimit"], left.as_str(), "{front:?}");
            }
        }
        let res = g.send(front, Ask::get("/orders/7", &token)).await;
        let retry_after = res.headers().get("retry-after").cloned();
        let fields = res.headers().get("ratelimit").cloned();
        let (status, body) = refusal(res).await;
        assert_eq!(
            status,
            StatusCode::TOO_MANY_REQUESTS,
            "{front:?}\n{}",
            g.logs()
        );
        assert_eq!(body.error, "rate_limited", "{front:?}");
        assert_eq!(
            retry_after.as_ref().map(|v| v.to_str().unwrap()),
            Some("60"),
            "{front:?}"
        );
        assert_eq!(
            fields.as_ref().map(|v| v.to_str().unwrap()),
            Some("\"rate\";r=0;t=60"),
            "{front:?}"
        );
        // The next minute lets it through again; then the next front starts a fresh client.
        g.app.clock.advance_secs(60);
        let res = g.send(front, Ask::get("/orders/7", &token)).await;
        assert_eq!(res.status(), StatusCode::OK, "{front:?} after a minute");
        g.app.clock.advance_secs(60);
    }
}
