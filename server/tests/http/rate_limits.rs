//! Rate limits and quotas on `/api/v1` (§9): set in the console and through the JSON API,
//! enforced by the gate with 429, `Retry-After` and the `RateLimit` fields, counted on the
//! instance's clock; bad limits are refused with the field named and nothing saved.

use crate::helpers::TestApp;
use crate::on_both_backends;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use services::Clock;

on_both_backends!(
    five_a_minute_then_429_until_the_next_minute,
    a_quota_counts_across_the_day,
    limits_set_through_the_api_are_shown_changed_and_cleared,
    bad_limits_are_refused_and_change_nothing,
    two_instances_together_pass_a_limit_by_at_most_one_exchange
);

/// Moves the clock to the start of the next day, so that every window starts now.
fn to_a_new_day(app: &TestApp) {
    let now = app.clock.now_ms() / 1000;
    app.clock.advance_secs(86_400 - now.rem_euclid(86_400));
}

async fn five_a_minute_then_429_until_the_next_minute(app: TestApp) {
    to_a_new_day(&app);
    let admin = app.admin().await;
    let creds = app
        .limited_api_client(&admin, "credentials:read", ("5", "minute"), ("", ""))
        .await;
    let token = app.access_token(&creds).await;
    app.clock.advance_secs(10);
    for left in (0..5).rev() {
        let res = app.me(&token).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["ratelimit-policy"], "\"rate\";q=5;w=60");
        let expected = format!("\"rate\";r={left};t=50");
        assert_eq!(res.headers()["ratelimit"], expected.as_str());
    }
    let res = app.me(&token).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(res.headers()["retry-after"], "50");
    assert_eq!(res.headers()["ratelimit"], "\"rate\";r=0;t=50");
    let body: server::ApiErrorBody = res.json().await.unwrap();
    assert_eq!(body.error, "rate_limited");
    assert!(body.error_description.contains("50 s"), "{body:?}");
    // A refusal spends nothing; other credentials are not touched.
    let other = app.api_client(&admin, "credentials:read", "").await;
    let other = app.access_token(&other).await;
    let res = app.me(&other).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers().get("ratelimit").is_none(),
        "no limit, no fields"
    );
    // The next minute lets it through.
    app.clock.advance_secs(50);
    assert_eq!(app.me(&token).await.status(), StatusCode::OK);
}

async fn a_quota_counts_across_the_day(app: TestApp) {
    to_a_new_day(&app);
    let admin = app.admin().await;
    let (status, created) = admin
        .rpc(
            "restricted-tokens/create",
            &[
                ("name", "Kiosk"),
                ("allowed_ips", "127.0.0.1"),
                ("expiration_date", ""),
                ("quota_requests", "3"),
                ("quota_per", "day"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    assert_eq!(
        created["token"]["limits"]["quota"],
        json!({"requests": 3, "per": "day"})
    );
    let token = created["secret"].as_str().unwrap().to_string();
    for hour in 0..3 {
        let res = app.me(&token).await;
        assert_eq!(res.status(), StatusCode::OK, "hour {hour}");
        app.clock.advance_secs(3_600);
    }
    app.clock.advance_secs(20 * 3_600);
    let res = app.me(&token).await;
    assert_eq!(
        res.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "23 hours later"
    );
    assert_eq!(res.headers()["retry-after"], "3600");
    assert_eq!(res.headers()["ratelimit-policy"], "\"quota\";q=3;w=86400");
    app.clock.advance_secs(3_600);
    assert_eq!(app.me(&token).await.status(), StatusCode::OK, "a new day");
}

async fn limits_set_through_the_api_are_shown_changed_and_cleared(app: TestApp) {
    to_a_new_day(&app);
    let admin = app.admin().await;
    let writer = app
        .api_client(&admin, "credentials:read credentials:write", "")
        .await;
    let writer = app.access_token(&writer).await;
    let (status, created) = app
        .api(
            Method::POST,
            "api-clients",
            &writer,
            Some(json!({
                "name": "Nightly",
                "scopes": ["credentials:read"],
                "rate_limit": {"requests": 2, "per": "second"},
                "quota": {"requests": 1000, "per": "month"}
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(
        created["rate_limit"],
        json!({"requests": 2, "per": "second"})
    );
    assert_eq!(created["quota"], json!({"requests": 1000, "per": "month"}));
    let id = created["id"].as_str().unwrap().to_string();
    let creds = crate::helpers::ClientCreds {
        id: id.clone(),
        client_id: created["client_id"].as_str().unwrap().to_string(),
        secret: created["client_secret"].as_str().unwrap().to_string(),
    };
    let token = app.access_token(&creds).await;
    assert_eq!(app.me(&token).await.status(), StatusCode::OK);
    let res = app.me(&token).await;
    assert_eq!(
        res.headers()["ratelimit-policy"],
        "\"rate\";q=2;w=1, \"quota\";q=1000;w=2592000"
    );
    assert_eq!(app.me(&token).await.status(), StatusCode::TOO_MANY_REQUESTS);

    // A PATCH without the fields keeps them; one with them changes them; null clears.
    let path = format!("api-clients/{id}");
    let (status, kept) = app
        .api(Method::PATCH, &path, &writer, Some(json!({"name": "N"})))
        .await;
    assert_eq!(status, StatusCode::OK, "{kept}");
    assert_eq!(kept["rate_limit"], json!({"requests": 2, "per": "second"}));
    let body = json!({"rate_limit": {"requests": 10, "per": "second"}, "quota": null});
    let (status, changed) = app.api(Method::PATCH, &path, &writer, Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["quota"], Value::Null);
    // The gate sees the change at once: ten a second now.
    let res = app.me(&token).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["ratelimit-policy"], "\"rate\";q=10;w=1");
    let (_, cleared) = app
        .api(
            Method::PATCH,
            &path,
            &writer,
            Some(json!({"rate_limit": null})),
        )
        .await;
    assert_eq!(cleared["rate_limit"], Value::Null);
    let res = app.me(&token).await;
    assert!(res.headers().get("ratelimit-policy").is_none());
}

async fn bad_limits_are_refused_and_change_nothing(app: TestApp) {
    let admin = app.admin().await;
    let writer = app
        .api_client(&admin, "credentials:read credentials:write", "")
        .await;
    let writer = app.access_token(&writer).await;
    for (field, value) in [
        ("rate_limit", json!({"requests": 0, "per": "minute"})),
        ("rate_limit", json!({"requests": -5, "per": "minute"})),
        ("rate_limit", json!({"requests": 1.5, "per": "minute"})),
        ("rate_limit", json!({"requests": 5, "per": "fortnight"})),
        ("rate_limit", json!({"requests": 5, "per": "day"})),
        (
            "rate_limit",
            json!({"requests": 10_000_000_000_u64, "per": "second"}),
        ),
        ("rate_limit", json!("5/minute")),
        ("quota", json!({"requests": 5, "per": "hour"})),
        ("quota", json!({"requests": "many", "per": "day"})),
    ] {
        let mut body = json!({"name": "Bad"});
        body[field] = value.clone();
        let (status, refused) = app
            .api(Method::POST, "api-clients", &writer, Some(body))
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{value}: {refused}"
        );
        assert_eq!(refused["field"], field, "{value}");
    }
    for (requests, per, field) in [
        ("0", "minute", "rate_limit"),
        ("-3", "minute", "rate_limit"),
        ("ten", "minute", "rate_limit"),
        ("5", "fortnight", "rate_limit"),
    ] {
        let (status, refused) = admin
            .rpc(
                "restricted-tokens/create",
                &[
                    ("name", "Bad"),
                    ("allowed_ips", "127.0.0.1"),
                    ("expiration_date", ""),
                    ("rate_limit_requests", requests),
                    ("rate_limit_per", per),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{requests} {per}");
        assert_eq!(refused["Field"]["field"], field);
    }
    let (_, clients) = app.api(Method::GET, "api-clients", &writer, None).await;
    assert_eq!(
        clients["data"].as_array().unwrap().len(),
        1,
        "only the writer"
    );
    let (_, tokens) = app
        .api(Method::GET, "restricted-access-tokens", &writer, None)
        .await;
    assert_eq!(tokens["data"].as_array().unwrap().len(), 0);
}

/// Two instances on one database, exchanging their counts after every `burst` requests each
/// (as they do every second): together they let through at most the limit plus what the
/// other let through since the last exchange. Without the exchange it would be twice the limit.
async fn two_instances_together_pass_a_limit_by_at_most_one_exchange(first: TestApp) {
    to_a_new_day(&first);
    let issuer = first.base.clone();
    let second = TestApp::spawn_on(&first.database_url, |c| c.issuer = Some(issuer)).await;
    to_a_new_day(&second);
    assert_eq!(
        first.clock.now_ms() / 60_000,
        second.clock.now_ms() / 60_000,
        "both clocks in one minute"
    );
    let admin = first.admin().await;
    let creds = first
        .limited_api_client(&admin, "credentials:read", ("20", "minute"), ("", ""))
        .await;
    let token = first.access_token(&creds).await;
    const BURST: usize = 3;
    let mut allowed = 0;
    let mut by_second = 0;
    for _round in 0..10 {
        for (n, app) in [&first, &second].into_iter().enumerate() {
            for _ in 0..BURST {
                let status = app.me(&token).await.status();
                assert!(
                    [StatusCode::OK, StatusCode::TOO_MANY_REQUESTS].contains(&status),
                    "{status}"
                );
                if status == StatusCode::OK {
                    allowed += 1;
                    by_second += n;
                }
            }
        }
        for app in [&first, &second] {
            let now = app.services.now();
            app.services.exchange_limit_counts(now).await.unwrap();
        }
    }
    eprintln!("two instances let through {allowed} of 60 requests under a limit of 20");
    assert!(allowed >= 20, "the limit itself is let through: {allowed}");
    assert!(
        by_second >= BURST,
        "the second instance served too: {by_second}"
    );
    assert!(
        allowed <= 20 + BURST,
        "overshoot beyond one exchange: {allowed}"
    );
    // Each refuses now, and the next minute opens both.
    assert_eq!(
        first.me(&token).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        second.me(&token).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    first.clock.advance_secs(60);
    second.clock.advance_secs(60);
    assert_eq!(second.me(&token).await.status(), StatusCode::OK);
}
