//! The authorization server over real HTTP (PRODUCT.md §5): metadata, the token endpoint with
//! every error of RFC 6749 §5.2, JWT claims, JWKS, introspection, revocation, key rotation,
//! and independent client and JWT libraries against it.

use crate::helpers::{ClientCreds, TestApp, challenge};
use crate::on_both_backends;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Row;
use store::Backend;

on_both_backends!(
    metadata_and_jwks_describe_the_server,
    basic_and_body_authentication_issue_rfc9068_tokens,
    every_token_endpoint_error,
    unusable_clients_get_invalid_client_and_their_tokens_stop,
    scope_narrows_the_token,
    introspection_answers_within_the_organization_only,
    revocation_stops_a_token_at_once,
    forged_and_foreign_tokens_are_refused,
    rotation_keeps_old_tokens_valid_until_they_expire,
);

fn jwt_part(token: &str, index: usize) -> Value {
    let part = token.split('.').nth(index).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

async fn post_form(url: String, form: &[(&str, &str)]) -> reqwest::Response {
    reqwest::Client::new()
        .post(url)
        .form(form)
        .send()
        .await
        .unwrap()
}

fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

async fn assert_oauth_error(res: reqwest::Response, status: StatusCode, error: &str) {
    assert_eq!(res.status(), status);
    assert_eq!(
        res.headers().get("cache-control").unwrap(),
        "no-store",
        "errors are not cached either"
    );
    if status == StatusCode::UNAUTHORIZED {
        assert_eq!(challenge(&res), "Basic realm=\"portcullis\"");
    }
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], error, "{body}");
    assert!(body["error_description"].is_string(), "{body}");
}

async fn metadata_and_jwks_describe_the_server(app: TestApp) {
    let meta: Value = reqwest::get(format!(
        "{}/.well-known/oauth-authorization-server",
        app.base
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let issuer = app.base.clone();
    assert_eq!(meta["issuer"], issuer);
    assert_eq!(meta["token_endpoint"], format!("{issuer}/oauth/token"));
    assert_eq!(meta["jwks_uri"], format!("{issuer}/.well-known/jwks.json"));
    assert_eq!(
        meta["introspection_endpoint"],
        format!("{issuer}/oauth/introspect")
    );
    assert_eq!(
        meta["revocation_endpoint"],
        format!("{issuer}/oauth/revoke")
    );
    assert_eq!(meta["grant_types_supported"], json!(["client_credentials"]));
    assert_eq!(
        meta["token_endpoint_auth_methods_supported"],
        json!(["client_secret_basic", "client_secret_post"])
    );
    assert_eq!(
        meta["scopes_supported"],
        json!(["credentials:read", "credentials:write", "audit:read"])
    );
    let jwks: Value = reqwest::get(format!("{}/.well-known/jwks.json", app.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["kty"], "EC");
    assert_eq!(keys[0]["crv"], "P-256");
    assert_eq!(keys[0]["alg"], "ES256");
    assert_eq!(keys[0]["use"], "sig");
    assert!(keys[0].get("d").is_none(), "no private part is published");
}

async fn basic_and_body_authentication_issue_rfc9068_tokens(app: TestApp) {
    let admin = app.admin().await;
    let creds = app
        .api_client(&admin, "credentials:read credentials:write", "")
        .await;
    // HTTP Basic, with the id form-urlencoded as RFC 6749 §2.3.1 asks (%70 is "p").
    let encoded_id = format!("%70{}", &creds.client_id[1..]);
    let res = reqwest::Client::new()
        .post(format!("{}/oauth/token", app.base))
        .header("authorization", basic(&encoded_id, &creds.secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers().get("cache-control").unwrap(), "no-store");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "credentials:read credentials:write");
    let token = body["access_token"].as_str().unwrap();
    let header = jwt_part(token, 0);
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(header["alg"], "ES256");
    let claims = jwt_part(token, 1);
    assert_eq!(claims["iss"], app.base);
    assert_eq!(claims["aud"], format!("{}/api", app.base));
    assert_eq!(claims["sub"], creds.client_id.as_str());
    assert_eq!(claims["client_id"], creds.client_id.as_str());
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        3600
    );
    assert_eq!(claims["scope"], "credentials:read credentials:write");
    assert!(claims["jti"].as_str().is_some_and(|j| j.len() >= 16));
    let me: Value = app.me(token).await.json().await.unwrap();
    assert_eq!(claims["org"], me["organization"]["id"]);
    let jwks: Value = reqwest::get(format!("{}/.well-known/jwks.json", app.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jwks["keys"][0]["kid"], header["kid"]);

    // The same through the body; every token is different.
    let (status, body2) = app.request_token(&creds, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(body2["access_token"], body["access_token"]);
    assert_ne!(
        jwt_part(body2["access_token"].as_str().unwrap(), 1)["jti"],
        claims["jti"]
    );
}

async fn every_token_endpoint_error(app: TestApp) {
    let admin = app.admin().await;
    let creds = app.api_client(&admin, "credentials:read", "").await;
    let url = format!("{}/oauth/token", app.base);
    let grant = ("grant_type", "client_credentials");
    let id = ("client_id", creds.client_id.as_str());
    let secret = ("client_secret", creds.secret.as_str());

    // Unknown client, wrong secret (right shape), malformed secret, no authentication at all.
    let unknown = ("client_id", "pci_000000000000000000000000");
    let res = post_form(url.clone(), &[grant, unknown, secret]).await;
    assert_oauth_error(res, StatusCode::UNAUTHORIZED, "invalid_client").await;
    let other = app.api_client(&admin, "credentials:read", "").await;
    let res = post_form(url.clone(), &[grant, id, ("client_secret", &other.secret)]).await;
    assert_oauth_error(res, StatusCode::UNAUTHORIZED, "invalid_client").await;
    let res = post_form(url.clone(), &[grant, id, ("client_secret", "pcs_nope")]).await;
    assert_oauth_error(res, StatusCode::UNAUTHORIZED, "invalid_client").await;
    let res = post_form(url.clone(), &[grant]).await;
    assert_oauth_error(res, StatusCode::UNAUTHORIZED, "invalid_client").await;
    let res = reqwest::Client::new()
        .post(&url)
        .header("authorization", basic(&creds.client_id, &other.secret))
        .form(&[grant])
        .send()
        .await
        .unwrap();
    assert_oauth_error(res, StatusCode::UNAUTHORIZED, "invalid_client").await;

    // Missing, repeated and doubled parameters.
    let res = post_form(url.clone(), &[id, secret]).await;
    assert_oauth_error(res, StatusCode::BAD_REQUEST, "invalid_request").await;
    let res = post_form(url.clone(), &[grant, grant, id, secret]).await;
    assert_oauth_error(res, StatusCode::BAD_REQUEST, "invalid_request").await;
    let res = reqwest::Client::new()
        .post(&url)
        .header("authorization", basic(&creds.client_id, &creds.secret))
        .form(&[grant, id, secret])
        .send()
        .await
        .unwrap();
    assert_oauth_error(res, StatusCode::BAD_REQUEST, "invalid_request").await;
    for malformed in ["Basic !!!", "Basic", "Basic bm9jb2xvbg=="] {
        let res = reqwest::Client::new()
            .post(&url)
            .header("authorization", malformed)
            .form(&[grant])
            .send()
            .await
            .unwrap();
        assert_oauth_error(res, StatusCode::BAD_REQUEST, "invalid_request").await;
    }

    // Another grant type; a scope the client lacks; JSON instead of a form; other methods.
    let res = post_form(url.clone(), &[("grant_type", "password"), id, secret]).await;
    assert_oauth_error(res, StatusCode::BAD_REQUEST, "unsupported_grant_type").await;
    let res = post_form(
        url.clone(),
        &[grant, id, secret, ("scope", "credentials:write")],
    )
    .await;
    assert_oauth_error(res, StatusCode::BAD_REQUEST, "invalid_scope").await;
    let res = post_form(url.clone(), &[grant, id, secret, ("scope", "admin")]).await;
    assert_oauth_error(res, StatusCode::BAD_REQUEST, "invalid_scope").await;
    let res = reqwest::Client::new()
        .post(&url)
        .json(&json!({"grant_type": "client_credentials", "client_id": creds.client_id, "client_secret": creds.secret}))
        .send()
        .await
        .unwrap();
    assert_oauth_error(res, StatusCode::BAD_REQUEST, "invalid_request").await;
    for method in [
        reqwest::Method::GET,
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
    ] {
        let res = reqwest::Client::new()
            .request(method.clone(), &url)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED, "{method}");
    }
    // After all that, the right request still works.
    let (status, _) = app.request_token(&creds, None).await;
    assert_eq!(status, StatusCode::OK);
}

async fn unusable_clients_get_invalid_client_and_their_tokens_stop(app: TestApp) {
    let admin = app.admin().await;
    // Disabled (by an Admin in the console), then enabled again.
    let creds = app.api_client(&admin, "credentials:read", "").await;
    let token = app.access_token(&creds).await;
    assert_eq!(app.me(&token).await.status(), StatusCode::OK);
    let (status, body) = admin
        .rpc(
            "api-clients/set-disabled",
            &[("id", &creds.id), ("disabled", "true")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let res = app.me(&token).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        challenge(&res),
        "Bearer realm=\"portcullis\", error=\"invalid_token\""
    );
    let (status, body) = app.request_token(&creds, None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    let (status, _) = admin
        .rpc(
            "api-clients/set-disabled",
            &[("id", &creds.id), ("disabled", "false")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.me(&token).await.status(), StatusCode::OK);

    // Deleted in the console: its token fails on the very next request.
    let (status, body) = admin.rpc("api-clients/delete", &[("id", &creds.id)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(app.me(&token).await.status(), StatusCode::UNAUTHORIZED);
    let (status, _) = app.request_token(&creds, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // API access switched off (as the CLI does) closes both doors; on again reopens them.
    let creds = app.api_client(&admin, "credentials:read", "").await;
    let token = app.access_token(&creds).await;
    let org = app.me(&token).await.json::<Value>().await.unwrap()["organization"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let other = app.another_process();
    other
        .set_api_access(services::Actor::CLI, &org, false, other.now())
        .await
        .unwrap();
    // Another process made the change: this server learns of it from the change log.
    app.caught_up().await;
    assert_eq!(app.me(&token).await.status(), StatusCode::UNAUTHORIZED);
    let (status, _) = app.request_token(&creds, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    other
        .set_api_access(services::Actor::CLI, &org, true, other.now())
        .await
        .unwrap();
    app.caught_up().await;
    assert_eq!(app.me(&token).await.status(), StatusCode::OK);

    // Expired: a client created through the API that expires in two seconds. Its token's
    // `exp` is the client's expiry, never later.
    let writer = app
        .api_client(&admin, "credentials:read credentials:write", "")
        .await;
    let writer_token = app.access_token(&writer).await;
    let expires_at = time_in(&app, 2);
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/api-clients", app.base))
        .bearer_auth(&writer_token)
        .json(&json!({"name": "Short-lived", "expires_at": expires_at}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    let short = ClientCreds {
        id: created["id"].as_str().unwrap().into(),
        client_id: created["client_id"].as_str().unwrap().into(),
        secret: created["client_secret"].as_str().unwrap().into(),
    };
    let (status, body) = app.request_token(&short, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["expires_in"].as_i64().unwrap() <= 2, "{body}");
    let short_token = body["access_token"].as_str().unwrap().to_string();
    assert_eq!(app.me(&short_token).await.status(), StatusCode::OK);
    app.clock.advance_secs(3);
    assert_eq!(
        app.me(&short_token).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let (status, body) = app.request_token(&short, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
}

/// RFC 3339 for `seconds` from the instance's now.
fn time_in(app: &TestApp, seconds: i64) -> String {
    server::rfc3339(app.services.now() + seconds)
}

async fn scope_narrows_the_token(app: TestApp) {
    let admin = app.admin().await;
    let creds = app
        .api_client(&admin, "credentials:read credentials:write", "")
        .await;
    let (status, body) = app.request_token(&creds, Some("credentials:read")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["scope"], "credentials:read");
    let narrow = body["access_token"].as_str().unwrap();
    let me: Value = app.me(narrow).await.json().await.unwrap();
    assert_eq!(me["scopes"], json!(["credentials:read"]));
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/restricted-access-tokens", app.base))
        .bearer_auth(narrow)
        .json(&json!({"name": "x", "allowed_ips": ["10.0.0.1"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(challenge(&res).contains("error=\"insufficient_scope\""));
    // Repeated names in `scope` are one; the order is canonical.
    let (status, body) = app
        .request_token(
            &creds,
            Some("credentials:write credentials:read credentials:write"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["scope"], "credentials:read credentials:write");
}

async fn introspect(app: &TestApp, caller: &ClientCreds, token: &str) -> (StatusCode, Value) {
    let res = post_form(
        format!("{}/oauth/introspect", app.base),
        &[
            ("client_id", &caller.client_id),
            ("client_secret", &caller.secret),
            ("token", token),
        ],
    )
    .await;
    let status = res.status();
    (status, res.json().await.unwrap())
}

async fn introspection_answers_within_the_organization_only(app: TestApp) {
    let admin = app.admin().await;
    let caller = app.api_client(&admin, "credentials:read", "").await;
    let subject = app.api_client(&admin, "credentials:read", "").await;
    let token = app.access_token(&subject).await;
    let (status, body) = introspect(&app, &caller, &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["active"], true);
    let claims = jwt_part(&token, 1);
    for field in [
        "client_id",
        "sub",
        "scope",
        "exp",
        "iat",
        "iss",
        "aud",
        "jti",
    ] {
        assert_eq!(body[field], claims[field], "{field}");
    }
    assert_eq!(body["token_type"], "Bearer");

    let (_, rat) = app.restricted_token(&admin, "127.0.0.2, 10.0.0.0/8").await;
    let (status, body) = introspect(&app, &caller, &rat).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["active"], true);
    assert_eq!(body["credential_type"], "restricted_access_token");
    assert_eq!(body["allowed_ips"], json!(["127.0.0.2", "10.0.0.0/8"]));

    for garbage in ["", "x", "pcr_abc", "a.b.c"] {
        let (status, body) = introspect(&app, &caller, garbage).await;
        assert_eq!((status, body), (StatusCode::OK, json!({"active": false})));
    }

    // Another organization's caller learns nothing.
    let outsider_admin = app.browser().await;
    let (status, body) = outsider_admin
        .rpc(
            "signup",
            &[
                ("name", "Eve"),
                ("email", "eve@example.com"),
                ("password", "correct horse battery"),
                ("organization_name", "Elsewhere"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let outsider = app
        .api_client(&outsider_admin, "credentials:read", "")
        .await;
    for token in [token.as_str(), rat.as_str()] {
        let (status, body) = introspect(&app, &outsider, token).await;
        assert_eq!((status, body), (StatusCode::OK, json!({"active": false})));
    }

    // The caller's own authentication failing is 401.
    let wrong = ClientCreds {
        secret: subject.secret.clone(),
        ..caller.clone()
    };
    let (status, body) = introspect(&app, &wrong, &token).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    let res = post_form(
        format!("{}/oauth/introspect", app.base),
        &[
            ("client_id", &caller.client_id),
            ("client_secret", &caller.secret),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

async fn revocation_stops_a_token_at_once(app: TestApp) {
    let admin = app.admin().await;
    let creds = app.api_client(&admin, "credentials:read", "").await;
    let other = app.api_client(&admin, "credentials:read", "").await;
    let token = app.access_token(&creds).await;
    let kept = app.access_token(&creds).await;
    let revoke = |caller: ClientCreds, token: String| {
        let url = format!("{}/oauth/revoke", app.base);
        async move {
            post_form(
                url,
                &[
                    ("client_id", &caller.client_id),
                    ("client_secret", &caller.secret),
                    ("token", &token),
                ],
            )
            .await
            .status()
        }
    };
    // Another client cannot revoke it (and is not told so).
    assert_eq!(revoke(other.clone(), token.clone()).await, StatusCode::OK);
    assert_eq!(app.me(&token).await.status(), StatusCode::OK);
    // Its own client can.
    assert_eq!(revoke(creds.clone(), token.clone()).await, StatusCode::OK);
    assert_eq!(app.me(&token).await.status(), StatusCode::UNAUTHORIZED);
    let (_, body) = introspect(&app, &other, &token).await;
    assert_eq!(body, json!({"active": false}));
    // Twice is fine; other tokens of the same client still work; unknown values are 200.
    assert_eq!(revoke(creds.clone(), token.clone()).await, StatusCode::OK);
    assert_eq!(app.me(&kept).await.status(), StatusCode::OK);
    assert_eq!(
        revoke(creds.clone(), "nonsense".into()).await,
        StatusCode::OK
    );
    // The revocation is in the database: a second server on it refuses the token too.
    let issuer = app.base.clone();
    let second = TestApp::spawn_on(&app.database_url, |c| c.issuer = Some(issuer)).await;
    assert_eq!(second.me(&token).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(second.me(&kept).await.status(), StatusCode::OK);
}

/// The private key the server signs with, read from its database, to forge tokens that are
/// correctly signed but wrong in another way.
async fn signing_key(app: &TestApp) -> (String, jsonwebtoken::EncodingKey) {
    let row = sqlx::query("SELECT kid, private_der FROM signing_keys WHERE retired_at IS NULL")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    let kid: String = row.try_get("kid").unwrap();
    let der: String = row.try_get("private_der").unwrap();
    (
        kid,
        jsonwebtoken::EncodingKey::from_ec_der(&STANDARD.decode(der).unwrap()),
    )
}

async fn forged_and_foreign_tokens_are_refused(app: TestApp) {
    let admin = app.admin().await;
    let creds = app.api_client(&admin, "credentials:read", "").await;
    let token = app.access_token(&creds).await;
    let claims = jwt_part(&token, 1);
    let header = jwt_part(&token, 0);
    let parts: Vec<&str> = token.split('.').collect();
    let enc = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap());

    let mut forged = Vec::new();
    // A changed payload under the original signature.
    let mut more = claims.clone();
    more["scope"] = json!("credentials:read credentials:write");
    forged.push((
        "changed payload",
        format!("{}.{}.{}", parts[0], enc(&more), parts[2]),
    ));
    // alg: none, with and without a signature.
    let none = json!({"alg": "none", "typ": "at+jwt", "kid": header["kid"]});
    forged.push(("alg none", format!("{}.{}.", enc(&none), parts[1])));
    forged.push((
        "alg none signed",
        format!("{}.{}.{}", enc(&none), parts[1], parts[2]),
    ));
    // HS256 keyed with the published public key.
    let jwks: Value = reqwest::get(format!("{}/.well-known/jwks.json", app.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut hs = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    hs.typ = Some("at+jwt".into());
    hs.kid = header["kid"].as_str().map(str::to_string);
    let hmac_key = jsonwebtoken::EncodingKey::from_secret(jwks.to_string().as_bytes());
    forged.push((
        "HS256",
        jsonwebtoken::encode(&hs, &claims, &hmac_key).unwrap(),
    ));
    // Properly signed, but from another issuer, for another audience, expired, or of a kid
    // nobody knows.
    let (kid, key) = signing_key(&app).await;
    let mut es = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    es.typ = Some("at+jwt".into());
    es.kid = Some(kid.clone());
    let signed = |claims: &Value, header: &jsonwebtoken::Header| {
        jsonwebtoken::encode(header, claims, &key).unwrap()
    };
    assert_eq!(
        app.me(&signed(&claims, &es)).await.status(),
        StatusCode::OK,
        "the forging key is the real one"
    );
    let mut other_iss = claims.clone();
    other_iss["iss"] = json!("https://evil.example.com");
    forged.push(("issuer", signed(&other_iss, &es)));
    let mut other_aud = claims.clone();
    other_aud["aud"] = json!("https://other.example.com/api");
    forged.push(("audience", signed(&other_aud, &es)));
    let mut expired = claims.clone();
    expired["iat"] = json!(app.services.now() - 7200);
    expired["exp"] = json!(app.services.now() - 3600);
    forged.push(("expired", signed(&expired, &es)));
    let mut unknown_kid = es.clone();
    unknown_kid.kid = Some("nobody".into());
    forged.push(("unknown kid", signed(&claims, &unknown_kid)));
    let mut no_typ = es.clone();
    no_typ.typ = Some("JWT".into());
    forged.push(("typ JWT", signed(&claims, &no_typ)));
    // Restricted-token look-alikes and garbage.
    forged.push(("bad checksum", format!("pcr_{}", "A".repeat(46))));
    forged.push(("garbage", "not-a-token".into()));
    forged.push(("huge", "a".repeat(5000)));

    for (what, forged) in forged {
        let res = app.me(&forged).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{what}");
        assert_eq!(
            challenge(&res),
            "Bearer realm=\"portcullis\", error=\"invalid_token\"",
            "{what}"
        );
    }
    assert_eq!(app.me(&token).await.status(), StatusCode::OK);
}

async fn rotation_keeps_old_tokens_valid_until_they_expire(app: TestApp) {
    let admin = app.admin().await;
    let creds = app.api_client(&admin, "credentials:read", "").await;
    let before = app.access_token(&creds).await;
    let old_kid = jwt_part(&before, 0)["kid"].clone();
    // `portcullis keys rotate` as another process would run it.
    let other = app.another_process();
    let new_kid = other
        .rotate_signing_key(services::Actor::CLI, other.now())
        .await
        .unwrap();
    app.caught_up().await;
    let after = app.access_token(&creds).await;
    assert_eq!(
        jwt_part(&after, 0)["kid"],
        new_kid.as_str(),
        "still the old key"
    );
    assert_ne!(jwt_part(&after, 0)["kid"], old_kid);
    assert_eq!(app.me(&before).await.status(), StatusCode::OK);
    assert_eq!(app.me(&after).await.status(), StatusCode::OK);
    let jwks: Value = reqwest::get(format!("{}/.well-known/jwks.json", app.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kids: Vec<&Value> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| &k["kid"])
        .collect();
    assert!(
        kids.contains(&&old_kid) && kids.contains(&&json!(new_kid)),
        "{jwks}"
    );
    // Once its last token has expired, the old key leaves the JWKS.
    other.prune_token_state(other.now() + 3601).await.unwrap();
    let left = app.store.signing_keys(0).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].kid, new_kid);
}

/// RS256 on request; switching the algorithm is a rotation: an ES256 token issued before stays
/// valid on the instance that now signs RS256.
#[tokio::test]
async fn rs256_on_request_and_switching_keeps_old_tokens() {
    let app = TestApp::spawn(Backend::Sqlite, true).await.unwrap();
    let admin = app.admin().await;
    let creds = app.api_client(&admin, "credentials:read", "").await;
    let es_token = app.access_token(&creds).await;
    let rs = TestApp::spawn_on(&app.database_url, |c| {
        c.signing_alg = services::SigningAlg::Rs256;
        c.issuer = Some(app.base.clone());
    })
    .await;
    let rs_token = rs.access_token(&creds).await;
    assert_eq!(jwt_part(&rs_token, 0)["alg"], "RS256");
    assert_eq!(rs.me(&rs_token).await.status(), StatusCode::OK);
    assert_eq!(rs.me(&es_token).await.status(), StatusCode::OK);
    let jwks: Value = reqwest::get(format!("{}/.well-known/jwks.json", rs.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kty"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"RSA") && kinds.contains(&"EC"), "{jwks}");
    // While both kinds of instance run, each keeps its key: no rotation back and forth.
    let es_again = app.access_token(&creds).await;
    assert_eq!(jwt_part(&es_again, 0)["kid"], jwt_part(&es_token, 0)["kid"]);
    app.caught_up().await;
    rs.caught_up().await;
    assert_eq!(jwt_part(&app.access_token(&creds).await, 0)["alg"], "ES256");
    assert_eq!(app.store.signing_keys(0).await.unwrap().len(), 2);
}

/// An independent OAuth client (the `oauth2` crate) gets a token with HTTP Basic, and an
/// independent JWT library (`jwt-simple`, not the server's `jsonwebtoken`) verifies it with
/// the key published in the JWKS.
#[tokio::test]
async fn independent_libraries_get_and_verify_a_token() {
    use jwt_simple::prelude::*;
    use oauth2::basic::BasicClient;
    use oauth2::{ClientId, ClientSecret, Scope, TokenResponse, TokenUrl};

    let app = TestApp::spawn(Backend::Sqlite, true).await.unwrap();
    let admin = app.admin().await;
    let creds = app
        .api_client(&admin, "credentials:read credentials:write", "")
        .await;
    let client = BasicClient::new(ClientId::new(creds.client_id.clone()))
        .set_client_secret(ClientSecret::new(creds.secret.clone()))
        .set_token_uri(TokenUrl::new(format!("{}/oauth/token", app.base)).unwrap());
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = client
        .exchange_client_credentials()
        .add_scope(Scope::new("credentials:read".into()))
        .request_async(&http)
        .await
        .unwrap();
    let token = response.access_token().secret().clone();
    assert_eq!(response.expires_in().unwrap().as_secs(), 3600);

    let jwks: Value = reqwest::get(format!("{}/.well-known/jwks.json", app.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let jwk = &jwks["keys"][0];
    let mut point = vec![4u8];
    point.extend(URL_SAFE_NO_PAD.decode(jwk["x"].as_str().unwrap()).unwrap());
    point.extend(URL_SAFE_NO_PAD.decode(jwk["y"].as_str().unwrap()).unwrap());
    let key = ES256PublicKey::from_bytes(&point).unwrap();
    let options = VerificationOptions {
        allowed_issuers: Some(HashSet::from_strings(&[&app.base])),
        allowed_audiences: Some(HashSet::from_strings(&[format!("{}/api", app.base)])),
        ..Default::default()
    };
    let claims = key
        .verify_token::<serde_json::Map<String, Value>>(&token, Some(options.clone()))
        .unwrap();
    assert_eq!(claims.subject.as_deref(), Some(creds.client_id.as_str()));
    assert_eq!(claims.custom["scope"], "credentials:read");
    // The same library refuses a token changed by one character of its payload.
    let mut tampered: Vec<char> = token.chars().collect();
    let at = token.find('.').unwrap() + 5;
    tampered[at] = if tampered[at] == 'A' { 'B' } else { 'A' };
    let tampered: String = tampered.into_iter().collect();
    assert!(
        key.verify_token::<serde_json::Map<String, Value>>(&tampered, Some(options))
            .is_err()
    );
}
