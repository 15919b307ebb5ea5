//! Usage (§9): every request that authenticates as a credential is counted, let through or
//! refused, by hour; `GET …/{id}/usage` answers the counts and the last use, the same after a
//! flush and on another instance (a restart) as before; the console lists **Last used**.

use crate::helpers::{ClientCreds, TestApp};
use crate::on_both_backends;
use reqwest::StatusCode;
use server::UsageBody;
use services::Clock;

on_both_backends!(
    counts_match_what_was_sent_after_a_flush_and_a_restart,
    restricted_tokens_count_refusals_by_address_and_hours_roll,
    usage_is_for_the_organization_and_its_readers_only
);

fn to_a_new_hour(app: &TestApp) {
    let now = app.clock.now_ms() / 1000;
    app.clock.advance_secs(3_600 - now.rem_euclid(3_600));
}

async fn usage(app: &TestApp, reader: &str, path: &str) -> (StatusCode, Option<UsageBody>) {
    let res = reqwest::Client::new()
        .get(format!("{}/api/v1/{path}/usage", app.base))
        .bearer_auth(reader)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).ok())
}

fn current(body: &UsageBody) -> (i64, i64) {
    let hour = body.hours.last().unwrap();
    (hour.allowed, hour.refused)
}

async fn counts_match_what_was_sent_after_a_flush_and_a_restart(app: TestApp) {
    to_a_new_hour(&app);
    let admin = app.admin().await;
    let target = app
        .api_client(&admin, "credentials:read", "https://app.example.com")
        .await;
    let token = app.access_token(&target).await;
    let reader = app.api_client(&admin, "credentials:read", "").await;
    let reader = app.access_token(&reader).await;
    let path = format!("api-clients/{}", target.id);

    let (status, body) = usage(&app, &reader, &path).await;
    assert_eq!(status, StatusCode::OK);
    let body = body.unwrap();
    assert_eq!(
        (body.last_used_at.as_deref(), current(&body)),
        (None, (0, 0))
    );
    assert_eq!(body.hours.len(), 168);

    let client = reqwest::Client::new();
    for _ in 0..3 {
        assert_eq!(app.me(&token).await.status(), StatusCode::OK);
    }
    // Refused after authenticating: a scope it lacks, an origin it does not allow.
    let res = client
        .post(format!("{}/api/v1/api-clients", app.base))
        .bearer_auth(&token)
        .json(&serde_json::json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = client
        .get(format!("{}/api/v1/me", app.base))
        .bearer_auth(&token)
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Not this credential's: a malformed token authenticates as nobody.
    assert_eq!(
        app.me("not-a-token").await.status(),
        StatusCode::UNAUTHORIZED
    );

    let expected = (3, 2);
    let (_, before) = usage(&app, &reader, &path).await;
    let before = before.unwrap();
    assert_eq!(current(&before), expected, "counted in memory");
    assert_eq!(before.last_used_ip.as_deref(), Some("127.0.0.1"));
    let now = server::rfc3339(app.services.now());
    assert_eq!(before.last_used_at.as_deref(), Some(now.as_str()));

    app.services.flush_usage().await.unwrap();
    let (_, flushed) = usage(&app, &reader, &path).await;
    assert_eq!(
        flushed.unwrap(),
        before,
        "the same after a flush, not twice"
    );

    // Another instance on the same database (as after a restart) reads what was written.
    let issuer = app.base.clone();
    let restarted = TestApp::spawn_on(&app.database_url, |c| c.issuer = Some(issuer)).await;
    to_a_new_hour(&restarted);
    let (status, after) = usage(&restarted, &reader, &path).await;
    assert_eq!(status, StatusCode::OK);
    let after = after.unwrap();
    let hour = after
        .hours
        .iter()
        .find(|h| h.start == before.hours.last().unwrap().start)
        .expect("the hour of the requests");
    assert_eq!((hour.allowed, hour.refused), expected);
    assert_eq!(after.last_used_at, before.last_used_at);

    // The console's list carries Last used: set for the used client, none for the unused one.
    let unused = app.api_client(&admin, "credentials:read", "").await;
    let (_, page) = admin.rpc("credentials/list", &[]).await;
    let last_used = |c: &ClientCreds| {
        page["api_clients"]
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row["id"] == c.id.as_str())
            .map(|row| row["last_used_at"].clone())
            .unwrap()
    };
    assert_eq!(last_used(&target), serde_json::json!(app.services.now()));
    assert_eq!(last_used(&unused), serde_json::Value::Null);
}

async fn restricted_tokens_count_refusals_by_address_and_hours_roll(app: TestApp) {
    to_a_new_hour(&app);
    let admin = app.admin().await;
    let (id, token) = app.restricted_token(&admin, "10.0.0.1").await;
    let reader_creds = app.api_client(&admin, "credentials:read", "").await;
    let reader = app.access_token(&reader_creds).await;
    for _ in 0..2 {
        assert_eq!(
            app.me(&token).await.status(),
            StatusCode::FORBIDDEN,
            "from 127.0.0.1"
        );
    }
    let path = format!("restricted-access-tokens/{id}");
    let (_, body) = usage(&app, &reader, &path).await;
    assert_eq!(current(&body.unwrap()), (0, 2));
    app.services.flush_usage().await.unwrap();
    // Two hours on, the counts sit two hours back; after 7 days they are out of the window.
    app.clock.advance_secs(2 * 3_600);
    // (Access tokens last an hour: the reader takes a new one.)
    let reader = app.access_token(&reader_creds).await;
    let (_, body) = usage(&app, &reader, &path).await;
    let body = body.unwrap();
    assert_eq!(current(&body), (0, 0));
    let back = &body.hours[body.hours.len() - 3];
    assert_eq!((back.allowed, back.refused), (0, 2));
    app.clock.advance_secs(7 * 86_400);
    let reader = app.access_token(&reader_creds).await;
    let (_, body) = usage(&app, &reader, &path).await;
    let body = body.unwrap();
    assert!(body.hours.iter().all(|h| h.allowed == 0 && h.refused == 0));
    assert!(body.last_used_at.is_some(), "the last use stays");
    assert!(app.services.prune_usage(app.services.now()).await.unwrap() >= 1);
}

async fn usage_is_for_the_organization_and_its_readers_only(app: TestApp) {
    let admin = app.admin().await;
    let (token_id, rat) = app.restricted_token(&admin, "127.0.0.1").await;
    let target = app.api_client(&admin, "credentials:read", "").await;
    // Another organization's reader finds nothing.
    let other = app.browser().await;
    let (status, _) = other
        .rpc(
            "signup",
            &[
                ("name", "Eve"),
                ("email", "eve@example.com"),
                ("password", "eve's long password"),
                ("organization_name", "Elsewhere"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let stranger = app.api_client(&other, "credentials:read", "").await;
    let stranger = app.access_token(&stranger).await;
    for path in [
        format!("api-clients/{}", target.id),
        format!("restricted-access-tokens/{token_id}"),
    ] {
        let (status, _) = usage(&app, &stranger, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    // A Restricted Access Token may not read usage; an unknown id is 404 to a reader.
    let (status, _) = usage(&app, &rat, &format!("api-clients/{}", target.id)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let reader = app.api_client(&admin, "credentials:read", "").await;
    let reader = app.access_token(&reader).await;
    let (status, _) = usage(&app, &reader, "api-clients/no-such-id").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
