//! The audit log (§9): one event per action with its actor (member, API Client, CLI) and no
//! secret; read by Admins (console, CSV) and `audit:read` clients only, per organization;
//! paging, filters and bad queries; append-only; retention; a 100,000-event export streamed.

use crate::cli::portcullis;
use crate::helpers::{Browser, TestApp};
use crate::on_both_backends;
use reqwest::{Method, StatusCode};
use serde_json::json;
use server::AuditEventList;

on_both_backends!(
    each_action_is_one_event_with_its_actor_and_no_secret,
    only_admins_and_audit_readers_of_the_organization_read_it,
    pages_filters_and_bad_queries,
    events_cannot_be_changed_and_old_ones_are_pruned,
    a_100000_event_export_is_streamed,
);

async fn events(app: &TestApp, token: &str, query: &str) -> (StatusCode, Option<AuditEventList>) {
    let res = reqwest::Client::new()
        .get(format!("{}/api/v1/audit-events{query}", app.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (
        status,
        serde_json::from_str(&res.text().await.unwrap()).ok(),
    )
}

/// Every event, newest first, through the API's pages.
async fn all_events(app: &TestApp, token: &str) -> AuditEventList {
    let (status, list) = events(app, token, "?limit=200").await;
    assert_eq!(status, StatusCode::OK);
    let list = list.unwrap();
    assert_eq!(list.next_cursor, None, "fits one page");
    list
}

async fn ok(browser: &Browser, endpoint: &str, form: &[(&str, &str)]) -> serde_json::Value {
    let (status, body) = browser.rpc(endpoint, form).await;
    assert_eq!(status, StatusCode::OK, "{endpoint}: {body}");
    body
}

fn cli_ok(app: &TestApp, args: &[&str]) {
    let out = portcullis(&app.database_url, args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn each_action_is_one_event_with_its_actor_and_no_secret(app: TestApp) {
    let admin = app.admin().await;
    // The reader's own creation is the first event.
    let reader = app.api_client(&admin, "audit:read", "").await;
    let (status, _) = admin
        .rpc(
            "login",
            &[
                ("email", "ada@example.com"),
                ("password", "wrong password here"),
            ],
        )
        .await;
    assert_ne!(status, StatusCode::OK);
    let (status, _) = admin
        .rpc(
            "login",
            &[
                ("email", "nobody@example.com"),
                ("password", "whatever it is"),
            ],
        )
        .await;
    assert_ne!(status, StatusCode::OK);
    let ada = app
        .browser_signed_in_as("ada@example.com", "correct horse battery")
        .await;

    let client = app.api_client(&ada, "credentials:read", "").await;
    let form = vec![
        ("id", client.id.as_str()),
        ("name", "Renamed"),
        ("description", ""),
        ("allowed_origins", ""),
        ("scopes", "credentials:read"),
        ("expiration_date", ""),
    ];
    ok(&ada, "api-clients/update", &form).await;
    ok(
        &ada,
        "api-clients/set-disabled",
        &[("id", &client.id), ("disabled", "true")],
    )
    .await;
    ok(
        &ada,
        "api-clients/set-disabled",
        &[("id", &client.id), ("disabled", "false")],
    )
    .await;
    ok(&ada, "api-clients/delete", &[("id", &client.id)]).await;
    let (token_id, token_secret) = app.restricted_token(&ada, "10.0.0.1").await;
    ok(
        &ada,
        "restricted-tokens/update",
        &[
            ("id", &token_id),
            ("name", "Browser"),
            ("allowed_ips", "10.0.0.2"),
            ("expiration_date", ""),
        ],
    )
    .await;
    ok(&ada, "restricted-tokens/delete", &[("id", &token_id)]).await;
    let grace = app.member(&ada, "grace@example.com", "Member").await;
    let page = ada.members().await;
    let grace_id = crate::helpers::user_id(&page, "grace@example.com");
    ok(
        &ada,
        "members/update",
        &[
            ("user_id", &grace_id),
            ("role", "Developer"),
            ("manage_credentials", "false"),
        ],
    )
    .await;
    ok(&ada, "members/remove", &[("user_id", &grace_id)]).await;
    ok(
        &ada,
        "members/invite",
        &[("email", "lin@example.com"), ("role", "Member")],
    )
    .await;
    let page = ada.members().await;
    let invite_id = page["invites"][0]["id"].as_str().unwrap().to_string();
    ok(&ada, "invites/revoke", &[("invite_id", &invite_id)]).await;
    drop(grace);

    // Through /api/v1, as an API Client.
    let writer = app.api_client(&ada, "credentials:write", "").await;
    let writer_token = app.access_token(&writer).await;
    let (status, created) = app
        .api(
            Method::POST,
            "api-clients",
            &writer_token,
            Some(json!({"name": "From the API"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let api_secret = created["client_secret"].as_str().unwrap().to_string();

    // From the command line.
    cli_ok(&app, &["org", "api-access", "Analytical", "off"]);
    cli_ok(&app, &["org", "api-access", "Analytical", "on"]);
    cli_ok(&app, &["keys", "rotate"]);
    let keys = app.store.signing_keys(0).await.unwrap();
    let retired = keys
        .iter()
        .find(|k| k.retired_at.is_some())
        .unwrap()
        .kid
        .clone();
    cli_ok(&app, &["keys", "revoke", &retired]);
    // The revoked key signed the reader's token: once the server has followed the change log,
    // a token from the new key reads the log.
    app.caught_up().await;
    let reader_token = app.access_token(&reader).await;

    let list = all_events(&app, &reader_token).await;
    let seen: Vec<(String, String)> = list
        .data
        .iter()
        .rev()
        .map(|e| (e.action.clone(), e.actor.kind.clone()))
        .collect();
    let expected: Vec<(String, String)> = [
        ("api_client.created", "user"),
        ("session.sign_in_failed", "user"),
        ("session.signed_in", "user"),
        ("api_client.created", "user"),
        ("api_client.updated", "user"),
        ("api_client.disabled", "user"),
        ("api_client.enabled", "user"),
        ("api_client.deleted", "user"),
        ("restricted_access_token.created", "user"),
        ("restricted_access_token.updated", "user"),
        ("restricted_access_token.deleted", "user"),
        ("member.invited", "user"),
        ("member.joined", "user"),
        ("member.role_changed", "user"),
        ("member.removed", "user"),
        ("member.invited", "user"),
        ("invite.revoked", "user"),
        ("api_client.created", "user"),
        ("api_client.created", "api_client"),
        ("organization.api_access_changed", "cli"),
        ("organization.api_access_changed", "cli"),
        ("signing_key.rotated", "cli"),
        ("signing_key.revoked", "cli"),
    ]
    .into_iter()
    .map(|(a, k)| (a.to_string(), k.to_string()))
    .collect();
    assert_eq!(
        seen, expected,
        "one event per action, in order; the unknown email's failure is in no organization's log"
    );

    let find = |action: &str| list.data.iter().find(|e| e.action == action).unwrap();
    let updated = find("api_client.updated");
    assert_eq!(updated.actor.name, "Ada Lovelace");
    assert_eq!(updated.client_ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(updated.target.id, client.id);
    assert_eq!(
        updated.changes["name"],
        json!({"from": "Backend", "to": "Renamed"})
    );
    assert_eq!(
        updated.changes.len(),
        1,
        "only what changed: {:?}",
        updated.changes
    );
    let by_api = list
        .data
        .iter()
        .find(|e| e.actor.kind == "api_client")
        .unwrap();
    assert_eq!(
        (by_api.actor.id.as_str(), by_api.client_ip.as_deref()),
        (writer.id.as_str(), Some("127.0.0.1"))
    );
    let role = find("member.role_changed");
    assert_eq!(
        role.changes["role"],
        json!({"from": "Member", "to": "Developer"})
    );
    assert_eq!(find("member.joined").actor.id, grace_id);
    assert_eq!(find("organization.api_access_changed").client_ip, None);

    // No secret anywhere: not in the API's answer, not in the CSV.
    let raw = serde_json::to_string(&list).unwrap();
    let csv = export(&ada, "").await.1;
    for secret in [
        reader.secret.as_str(),
        client.secret.as_str(),
        writer.secret.as_str(),
        api_secret.as_str(),
        token_secret.as_str(),
        "correct horse battery",
        "wrong password here",
        "another long password",
    ] {
        assert!(
            !raw.contains(secret) && !csv.contains(secret),
            "a secret leaked"
        );
    }
}

async fn export(
    browser: &Browser,
    query: &str,
) -> (StatusCode, String, reqwest::header::HeaderMap) {
    let res = browser
        .client
        .get(format!("{}/audit-log.csv{query}", browser.base))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    (status, res.text().await.unwrap(), headers)
}

async fn only_admins_and_audit_readers_of_the_organization_read_it(app: TestApp) {
    let admin = app.admin().await;
    let reader = app.api_client(&admin, "audit:read", "").await;
    let reader = app.access_token(&reader).await;
    let member = app
        .member_with(&admin, "m@example.com", "Member", true)
        .await;
    let developer = app
        .member_with(&admin, "d@example.com", "Developer", true)
        .await;
    for (who, browser) in [("Member", &member), ("Developer", &developer)] {
        let (status, _) = browser.rpc("audit/list", &[]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who}");
        let (status, _) = browser.rpc("audit/actors", &[]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who}");
        let (status, body, _) = export(browser, "").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who}: {body}");
    }
    let anonymous = app.browser().await;
    assert_eq!(export(&anonymous, "").await.0, StatusCode::UNAUTHORIZED);
    let (status, page) = admin.rpc("audit/list", &[]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(!page["page"]["data"].as_array().unwrap().is_empty());
    // The actor filter's list is a load of its own; the Admin who acted is in it.
    let (status, actors) = admin.rpc("audit/actors", &[]).await;
    assert_eq!(status, StatusCode::OK, "{actors}");
    let actors = actors.as_array().expect("a list of actors");
    assert!(actors.iter().any(|a| a["type"] == "user"), "{actors:?}");

    // Credentials without audit:read, and Restricted Access Tokens, are refused.
    let plain = app
        .api_client(&admin, "credentials:read credentials:write", "")
        .await;
    let plain = app.access_token(&plain).await;
    let (status, _) = events(&app, &plain, "").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, rat) = app.restricted_token(&admin, "127.0.0.1").await;
    assert_eq!(events(&app, &rat, "").await.0, StatusCode::FORBIDDEN);

    // Another organization sees none of this one's events, and this one none of its.
    let b = app.browser().await;
    ok(
        &b,
        "signup",
        &[
            ("name", "Bob"),
            ("email", "bob@example.com"),
            ("password", "bob's long password"),
            ("organization_name", "B"),
        ],
    )
    .await;
    let b_reader = app.api_client(&b, "audit:read", "").await;
    let b_reader = app.access_token(&b_reader).await;
    let b_events = all_events(&app, &b_reader).await;
    assert_eq!(b_events.data.len(), 1, "only its own client's creation");
    let a_events = all_events(&app, &reader).await;
    assert!(a_events.data.iter().all(|e| e.actor.name != "Bob"));
    let (_, csv, _) = export(&b, "").await;
    assert!(!csv.contains("Ada Lovelace"));
}

async fn pages_filters_and_bad_queries(app: TestApp) {
    let admin = app.admin().await;
    let reader = app.api_client(&admin, "audit:read", "").await;
    let reader = app.access_token(&reader).await;
    for _ in 0..4 {
        app.api_client(&admin, "credentials:read", "").await;
    }
    app.restricted_token(&admin, "10.0.0.1").await;
    let all = all_events(&app, &reader).await;
    assert_eq!(all.data.len(), 6);

    // Pages of two, followed by their cursors, give the same events in the same order.
    let mut paged = Vec::new();
    let mut query = "?limit=2".to_string();
    loop {
        let (status, page) = events(&app, &reader, &query).await;
        assert_eq!(status, StatusCode::OK);
        let page = page.unwrap();
        assert!(page.data.len() <= 2);
        paged.extend(page.data);
        match page.next_cursor {
            Some(cursor) => query = format!("?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(paged, all.data);

    let (_, tokens) = events(&app, &reader, "?action=restricted_access_token.created").await;
    assert_eq!(tokens.unwrap().data.len(), 1);
    let ada = &all.data[0].actor.id;
    let (_, by_ada) = events(&app, &reader, &format!("?actor={ada}")).await;
    assert_eq!(by_ada.unwrap().data.len(), 6);
    let (_, by_nobody) = events(&app, &reader, "?actor=nobody").await;
    assert!(by_nobody.unwrap().data.is_empty());

    for bad in [
        "?limit=0",
        "?limit=201",
        "?limit=-5",
        "?cursor=abc",
        "?action=api_client.exploded",
        "?actor=%27%20OR%201%3D1--",
        "?order=asc",
    ] {
        let res = reqwest::Client::new()
            .get(format!("{}/api/v1/audit-events{bad}", app.base))
            .bearer_auth(&reader)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad}");
        let body: server::ApiErrorBody = res.json().await.unwrap();
        assert_eq!(body.error, "invalid_request", "{bad}");
        let (status, _, _) = export(&admin, bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    }
    let (status, _) = admin.rpc("audit/list", &[("action", "nope")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        all_events(&app, &reader).await.data.len(),
        6,
        "reading changed nothing"
    );
}

async fn events_cannot_be_changed_and_old_ones_are_pruned(app: TestApp) {
    let admin = app.admin().await;
    let reader = app.api_client(&admin, "audit:read", "").await;
    let reader = app.access_token(&reader).await;
    let changed = sqlx::query("UPDATE audit_events SET actor_name = 'Mallory'")
        .execute(app.store.pool())
        .await;
    assert!(changed.is_err(), "the table refuses updates");
    assert_eq!(
        all_events(&app, &reader).await.data[0].actor.name,
        "Ada Lovelace"
    );

    let at_start = all_events(&app, &reader).await.data.len();

    app.clock.advance_secs(399 * 86_400);
    // The first session has ended by now: sign in again (one event) and add a client (one).
    let admin = app
        .browser_signed_in_as("ada@example.com", "correct horse battery")
        .await;
    let late_reader = app.api_client(&admin, "audit:read", "").await;
    app.clock.advance_secs(2 * 86_400);
    let pruned = app
        .services
        .prune_audit_events(400, app.services.now())
        .await
        .unwrap();
    assert_eq!(
        pruned as usize, at_start,
        "exactly the events older than 400 days"
    );
    let left = all_events(&app, &app.access_token(&late_reader).await).await;
    let actions: Vec<_> = left.data.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["api_client.created", "session.signed_in"]);
}

async fn a_100000_event_export_is_streamed(app: TestApp) {
    let admin = app.admin().await;
    let (_, me) = admin.rpc("me", &[]).await;
    let org = me["organization"]["id"].as_str().unwrap();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) \
         INSERT INTO audit_events (id, organization_id, instance_wide, at, actor_type, actor_id, \
         actor_name, client_ip, action, target_type, target_id, target_name, changes) \
         SELECT 'seed' || i, $1, 0, i, 'user', 'u', '=cmd|calc', '127.0.0.1', \
         'api_client.updated', 'api_client', 'c', 'name, with \"quotes\"', '{}' FROM n",
    )
    .bind(org)
    .execute(app.store.pool())
    .await
    .unwrap();
    let (status, csv, headers) = export(&admin, "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    assert!(
        headers.get("content-length").is_none(),
        "streamed, not sized up front"
    );
    let lines: Vec<&str> = csv.split_terminator("\r\n").collect();
    assert_eq!(lines.len(), 1 + 100_000);
    assert!(lines[0].starts_with("time,action,actor_type"));
    // Quoted as RFC 4180 says, and the formula kept as text.
    let (time, rest) = lines[1].split_once(',').unwrap();
    assert!(
        time.starts_with("1970-01-0") && time.ends_with('Z'),
        "{time}"
    );
    assert_eq!(
        rest,
        "api_client.updated,user,u,\"'=cmd|calc\",127.0.0.1,api_client,c,\"name, with \"\"quotes\"\"\",{}"
    );
    let (_, filtered, _) = export(&admin, "?action=member.removed").await;
    assert_eq!(
        filtered.split_terminator("\r\n").count(),
        1,
        "the header only"
    );
}
