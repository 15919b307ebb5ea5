//! The credential lifecycle (PRODUCT.md §10): rotating an API Client's secret with and without
//! a grace period, regenerating and revoking Restricted Access Tokens, on both backends and on
//! a second instance; bad input, permissions and tenant isolation for each endpoint.

use crate::helpers::{Browser, ClientCreds, TestApp, challenge};
use crate::on_both_backends;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use server::UsageBody;
use server::{ApiClientItem, RestrictedTokenItem};

on_both_backends!(
    during_the_grace_both_secrets_work_on_every_instance,
    do_not_keep_refuses_the_old_secret_at_once,
    usage_says_which_secret_was_last_used,
    regenerate_keeps_both_tokens_until_the_end,
    a_revoked_token_stays_listed_is_refused_and_cannot_change,
    bad_input_is_refused_and_changes_nothing,
    only_managers_of_the_organization_may_rotate,
    each_change_is_one_audit_event,
);

/// A console Admin and an API Client with `credentials:write` (and its token) to call the API.
async fn setup(app: &TestApp) -> (Browser, String) {
    let admin = app.admin().await;
    let token = writer_token(app, &admin).await;
    (admin, token)
}

/// A token of a new API Client with `credentials:write`, created through `admin`'s session.
async fn writer_token(app: &TestApp, admin: &Browser) -> String {
    let writer = app
        .api_client(admin, "credentials:read credentials:write", "")
        .await;
    app.access_token(&writer).await
}

/// After the clock moved an hour, the first session and token have ended: a new session (the
/// setup's Admin) and a new writer's token.
async fn fresh_writer(app: &TestApp) -> String {
    let admin = app
        .browser_signed_in_as("ada@example.com", "correct horse battery")
        .await;
    writer_token(app, &admin).await
}

/// The organization's lifecycle events, newest first, read through the API.
async fn lifecycle_events(app: &TestApp, admin: &Browser) -> Vec<server::AuditEventBody> {
    let auditor = app.api_client(admin, "audit:read", "").await;
    let auditor = app.access_token(&auditor).await;
    let res = reqwest::Client::new()
        .get(format!("{}/api/v1/audit-events?limit=200", app.base))
        .bearer_auth(&auditor)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let list: server::AuditEventList = res.json().await.unwrap();
    list.data
        .into_iter()
        .filter(|e| {
            matches!(
                e.action.as_str(),
                "api_client.secret_rotated"
                    | "restricted_access_token.regenerated"
                    | "restricted_access_token.revoked"
            )
        })
        .collect()
}

async fn rotate(app: &TestApp, token: &str, id: &str, body: Value) -> (StatusCode, Value) {
    app.api(
        Method::POST,
        &format!("api-clients/{id}/rotate-secret"),
        token,
        Some(body),
    )
    .await
}

/// Rotates `client` keeping the old secret `keep` seconds; answers the client with the new
/// secret, and the listed item.
async fn rotated(
    app: &TestApp,
    token: &str,
    client: &ClientCreds,
    keep: i64,
) -> (ClientCreds, ApiClientItem) {
    let (status, body) = rotate(
        app,
        token,
        &client.id,
        json!({"keep_old_for_seconds": keep}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let item: ApiClientItem = serde_json::from_value(body.clone()).unwrap();
    let secret = body["client_secret"].as_str().unwrap().to_string();
    assert_ne!(secret, client.secret);
    assert_eq!(item.secret_last_four, secret[secret.len() - 4..]);
    let new = ClientCreds {
        secret,
        ..client.clone()
    };
    (new, item)
}

async fn token_status(app: &TestApp, creds: &ClientCreds) -> StatusCode {
    app.request_token(creds, None).await.0
}

async fn listed_client(app: &TestApp, token: &str, id: &str) -> ApiClientItem {
    let (status, body) = app.api(Method::GET, "api-clients", token, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let items: Vec<ApiClientItem> = serde_json::from_value(body["data"].clone()).unwrap();
    items.into_iter().find(|c| c.id == id).unwrap()
}

async fn listed_token(app: &TestApp, token: &str, id: &str) -> RestrictedTokenItem {
    let (status, body) = app
        .api(Method::GET, "restricted-access-tokens", token, None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let items: Vec<RestrictedTokenItem> = serde_json::from_value(body["data"].clone()).unwrap();
    items.into_iter().find(|t| t.id == id).unwrap()
}

async fn during_the_grace_both_secrets_work_on_every_instance(app: TestApp) {
    let (admin, writer) = setup(&app).await;
    let client = app.api_client(&admin, "credentials:read", "").await;
    let second = TestApp::spawn_with_clock(&app.database_url, app.clock.clone(), |c| {
        c.issuer = Some(app.base.clone())
    })
    .await;
    // Both instances know the client (and cache it) before the rotation.
    assert_eq!(token_status(&app, &client).await, StatusCode::OK);
    assert_eq!(token_status(&second, &client).await, StatusCode::OK);

    let (new, item) = rotated(&app, &writer, &client, 3_600).await;
    assert_eq!(
        item.previous_secret_last_four.as_deref(),
        Some(&client.secret[client.secret.len() - 4..])
    );
    assert!(item.previous_secret_expires_at.is_some());
    second.caught_up().await;
    for instance in [&app, &second] {
        for creds in [&client, &new] {
            let token = instance.access_token(creds).await;
            assert_eq!(instance.me(&token).await.status(), StatusCode::OK);
        }
    }
    assert_eq!(
        listed_client(&app, &writer, &client.id).await,
        item,
        "the list shows both last fours"
    );

    // One second before the end the old secret still works; at the end it does not, anywhere.
    app.clock.advance_secs(3_599);
    assert_eq!(token_status(&second, &client).await, StatusCode::OK);
    app.clock.advance_secs(1);
    for instance in [&app, &second] {
        let (status, body) = instance.request_token(&client, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(body["error"], "invalid_client");
        assert_eq!(token_status(instance, &new).await, StatusCode::OK);
    }
    let after = listed_client(&app, &fresh_writer(&app).await, &client.id).await;
    assert_eq!(
        after.previous_secret_last_four, None,
        "an ended secret is not shown"
    );
    drop(admin);
}

async fn do_not_keep_refuses_the_old_secret_at_once(app: TestApp) {
    let (admin, writer) = setup(&app).await;
    let client = app.api_client(&admin, "credentials:read", "").await;
    let second = TestApp::spawn_with_clock(&app.database_url, app.clock.clone(), |c| {
        c.issuer = Some(app.base.clone())
    })
    .await;
    assert_eq!(token_status(&second, &client).await, StatusCode::OK);
    let (new, item) = rotated(&app, &writer, &client, 0).await;
    assert_eq!(item.previous_secret_last_four, None);
    assert_eq!(token_status(&app, &client).await, StatusCode::UNAUTHORIZED);
    second.caught_up().await;
    assert_eq!(
        token_status(&second, &client).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(token_status(&second, &new).await, StatusCode::OK);
    // A rotation through the console does the same.
    let (status, body) = admin
        .rpc(
            "api-clients/rotate-secret",
            &[("id", &client.id), ("keep_old_for_seconds", "0")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(token_status(&app, &new).await, StatusCode::UNAUTHORIZED);
    let newest = ClientCreds {
        secret: body["client_secret"].as_str().unwrap().to_string(),
        ..client.clone()
    };
    assert_eq!(token_status(&app, &newest).await, StatusCode::OK);
}

async fn usage_of(app: &TestApp, token: &str, id: &str) -> UsageBody {
    app.services.flush_usage().await.unwrap();
    let (status, body) = app
        .api(Method::GET, &format!("api-clients/{id}/usage"), token, None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_value(body).unwrap()
}

async fn usage_says_which_secret_was_last_used(app: TestApp) {
    let (admin, writer) = setup(&app).await;
    let client = app.api_client(&admin, "credentials:read", "").await;
    assert_eq!(
        usage_of(&app, &writer, &client.id).await.last_used_secret,
        None
    );
    app.access_token(&client).await;
    assert_eq!(
        usage_of(&app, &writer, &client.id)
            .await
            .last_used_secret
            .as_deref(),
        Some("current")
    );
    let (new, _) = rotated(&app, &writer, &client, 86_400).await;
    app.clock.advance_secs(1);
    app.access_token(&client).await;
    assert_eq!(
        usage_of(&app, &writer, &client.id)
            .await
            .last_used_secret
            .as_deref(),
        Some("previous"),
        "the old secret is still in use"
    );
    app.clock.advance_secs(1);
    app.access_token(&new).await;
    assert_eq!(
        usage_of(&app, &writer, &client.id)
            .await
            .last_used_secret
            .as_deref(),
        Some("current")
    );
}

async fn regenerate(app: &TestApp, token: &str, id: &str, body: Value) -> (StatusCode, Value) {
    app.api(
        Method::POST,
        &format!("restricted-access-tokens/{id}/regenerate"),
        token,
        Some(body),
    )
    .await
}

async fn regenerate_keeps_both_tokens_until_the_end(app: TestApp) {
    let (admin, writer) = setup(&app).await;
    let (id, old) = app.restricted_token(&admin, "127.0.0.1").await;
    assert_eq!(app.me(&old).await.status(), StatusCode::OK, "cached before");
    let second = TestApp::spawn_with_clock(&app.database_url, app.clock.clone(), |c| {
        c.issuer = Some(app.base.clone())
    })
    .await;
    assert_eq!(second.me(&old).await.status(), StatusCode::OK);
    let (status, body) =
        regenerate(&app, &writer, &id, json!({"keep_old_for_seconds": 3600})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let new = body["token"].as_str().unwrap().to_string();
    let item: RestrictedTokenItem = serde_json::from_value(body).unwrap();
    assert_eq!(item.token_last_four, new[new.len() - 4..]);
    assert_eq!(
        item.previous_token_last_four.as_deref(),
        Some(&old[old.len() - 4..])
    );
    second.caught_up().await;
    for instance in [&app, &second] {
        assert_eq!(instance.me(&old).await.status(), StatusCode::OK);
        assert_eq!(instance.me(&new).await.status(), StatusCode::OK);
    }
    app.clock.advance_secs(3_600);
    for instance in [&app, &second] {
        let res = instance.me(&old).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert!(challenge(&res).contains("invalid_token"));
        assert_eq!(instance.me(&new).await.status(), StatusCode::OK);
    }
    // Without a grace period, the replaced token stops at once.
    let (status, body) = regenerate(
        &app,
        &fresh_writer(&app).await,
        &id,
        json!({"keep_old_for_seconds": 0}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(app.me(&new).await.status(), StatusCode::UNAUTHORIZED);
    let newest = body["token"].as_str().unwrap();
    assert_eq!(app.me(newest).await.status(), StatusCode::OK);
}

async fn a_revoked_token_stays_listed_is_refused_and_cannot_change(app: TestApp) {
    let (admin, writer) = setup(&app).await;
    let (id, token) = app.restricted_token(&admin, "127.0.0.1").await;
    let second = TestApp::spawn_with_clock(&app.database_url, app.clock.clone(), |c| {
        c.issuer = Some(app.base.clone())
    })
    .await;
    assert_eq!(second.me(&token).await.status(), StatusCode::OK);
    let (status, body) = app
        .api(
            Method::POST,
            &format!("restricted-access-tokens/{id}/revoke"),
            &writer,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let item: RestrictedTokenItem = serde_json::from_value(body).unwrap();
    assert_eq!(item.status, "revoked");
    assert_eq!(listed_token(&app, &writer, &id).await.status, "revoked");
    assert_eq!(app.me(&token).await.status(), StatusCode::UNAUTHORIZED);
    second.caught_up().await;
    assert_eq!(second.me(&token).await.status(), StatusCode::UNAUTHORIZED);

    // Nothing changes it any more: not an update, a regeneration or a second revocation.
    let (status, body) = app
        .api(
            Method::PATCH,
            &format!("restricted-access-tokens/{id}"),
            &writer,
            Some(json!({"name": "Renamed"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"], "revoked");
    let (status, _) = regenerate(&app, &writer, &id, json!({"keep_old_for_seconds": 0})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = app
        .api(
            Method::POST,
            &format!("restricted-access-tokens/{id}/revoke"),
            &writer,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, body) = admin
        .rpc(
            "restricted-tokens/update",
            &[
                ("id", &id),
                ("name", "Renamed"),
                ("allowed_ips", "127.0.0.1"),
                ("expiration_date", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let listed = listed_token(&app, &writer, &id).await;
    assert_eq!(
        (listed.name.as_str(), listed.status.as_str()),
        ("Browser app", "revoked")
    );
    // It can still be deleted.
    let (status, _) = app
        .api(
            Method::DELETE,
            &format!("restricted-access-tokens/{id}"),
            &writer,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

async fn bad_input_is_refused_and_changes_nothing(app: TestApp) {
    let (admin, writer) = setup(&app).await;
    let client = app.api_client(&admin, "credentials:read", "").await;
    let (token_id, token) = app.restricted_token(&admin, "127.0.0.1").await;
    for bad in [
        json!({"keep_old_for_seconds": -1}),
        json!({"keep_old_for_seconds": 604_801}),
        json!({"keep_old_for_seconds": 1.5}),
        json!({"keep_old_for_seconds": "60"}),
        json!({"keep_old_for_seconds": null}),
    ] {
        let (status, body) = rotate(&app, &writer, &client.id, bad.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert_eq!(body["field"], "keep_old_for_seconds", "{bad}");
        let (status, body) = regenerate(&app, &writer, &token_id, bad.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
    }
    for bad in [
        json!({}),
        json!({"keep_old_for_seconds": 0, "extra": 1}),
        json!([0]),
    ] {
        let (status, body) = rotate(&app, &writer, &client.id, bad.clone()).await;
        assert!(
            status == StatusCode::BAD_REQUEST || status == StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {status} {body}"
        );
        assert!(body["error"].is_string(), "{bad}: {body}");
    }
    let (status, body) = admin
        .rpc(
            "api-clients/rotate-secret",
            &[("id", &client.id), ("keep_old_for_seconds", "1 week")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    // An id that names nothing.
    let (status, _) = rotate(
        &app,
        &writer,
        "no-such-id",
        json!({"keep_old_for_seconds": 0}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Nothing changed: the secrets and the token still work, and no event was written.
    assert_eq!(token_status(&app, &client).await, StatusCode::OK);
    assert_eq!(app.me(&token).await.status(), StatusCode::OK);
    assert!(
        lifecycle_events(&app, &admin).await.is_empty(),
        "no rotation was recorded"
    );
}

async fn only_managers_of_the_organization_may_rotate(app: TestApp) {
    let (admin, writer) = setup(&app).await;
    let client = app.api_client(&admin, "credentials:read", "").await;
    let (token_id, token) = app.restricted_token(&admin, "127.0.0.1").await;
    let reader = app.api_client(&admin, "credentials:read", "").await;
    let reader = app.access_token(&reader).await;
    let keep = json!({"keep_old_for_seconds": 0});
    // A token without credentials:write, and a Restricted Access Token: 403.
    for bearer in [reader.as_str(), token.as_str()] {
        let (status, body) = rotate(&app, bearer, &client.id, keep.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(body["error"], "insufficient_scope");
        let (status, _) = regenerate(&app, bearer, &token_id, keep.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = app
            .api(
                Method::POST,
                &format!("restricted-access-tokens/{token_id}/revoke"),
                bearer,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    // A Member without Manage API credentials: 403 in the console.
    let member = app.member(&admin, "grace@example.com", "Member").await;
    let (status, _) = member
        .rpc(
            "api-clients/rotate-secret",
            &[("id", &client.id), ("keep_old_for_seconds", "0")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = member
        .rpc("restricted-tokens/revoke", &[("id", &token_id)])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Another organization's writer does not find them.
    let other = app.browser().await;
    let (status, body) = other
        .rpc(
            "signup",
            &[
                ("name", "Eve"),
                ("email", "eve@example.com"),
                ("password", "another long password"),
                ("organization_name", "Elsewhere"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let outsider = app
        .api_client(&other, "credentials:read credentials:write", "")
        .await;
    let outsider = app.access_token(&outsider).await;
    let (status, _) = rotate(&app, &outsider, &client.id, keep.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .api(
            Method::POST,
            &format!("restricted-access-tokens/{token_id}/revoke"),
            &outsider,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Through it all, the credentials kept working.
    assert_eq!(token_status(&app, &client).await, StatusCode::OK);
    assert_eq!(app.me(&token).await.status(), StatusCode::OK);
    drop(writer);
}

async fn each_change_is_one_audit_event(app: TestApp) {
    let (admin, writer) = setup(&app).await;
    let client = app.api_client(&admin, "credentials:read", "").await;
    let (token_id, _) = app.restricted_token(&admin, "127.0.0.1").await;
    rotated(&app, &writer, &client, 3_600).await;
    let (status, _) =
        regenerate(&app, &writer, &token_id, json!({"keep_old_for_seconds": 0})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = admin
        .rpc("restricted-tokens/revoke", &[("id", &token_id)])
        .await;
    assert_eq!(status, StatusCode::OK);
    let events = lifecycle_events(&app, &admin).await;
    let seen: Vec<(&str, &str, &str)> = events
        .iter()
        .map(|e| {
            (
                e.action.as_str(),
                e.actor.kind.as_str(),
                e.target.id.as_str(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("restricted_access_token.revoked", "user", token_id.as_str()),
            (
                "restricted_access_token.regenerated",
                "api_client",
                token_id.as_str()
            ),
            (
                "api_client.secret_rotated",
                "api_client",
                client.id.as_str()
            ),
        ]
    );
    assert_eq!(
        events[2].changes["keep_old_for_seconds"],
        json!({"to": 3600})
    );
    let raw = serde_json::to_string(&events).unwrap();
    assert!(!raw.contains(&client.secret[4..]), "no secret in the log");
}
