//! Property tests ("fuzz") over real HTTP: whatever a stranger sends to the token,
//! introspection and revocation endpoints and to `/api/v1` — any content type, any
//! Authorization header, any body, any JWT header — the answer is never a 500. The number of
//! cases comes from `PROPTEST_CASES` (256 in the test command, many more in `cargo xtask bench`).

use crate::helpers::{ClientCreds, TestApp};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};
use store::Backend;

struct Target {
    runtime: tokio::runtime::Runtime,
    app: TestApp,
    creds: ClientCreds,
    token: String,
    http: reqwest::Client,
}

fn target() -> Target {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (app, creds, token) = runtime.block_on(async {
        let app = TestApp::spawn(Backend::Sqlite, true).await.unwrap();
        let admin = app.admin().await;
        let creds = app
            .api_client(&admin, "credentials:read credentials:write", "")
            .await;
        let token = app.access_token(&creds).await;
        (app, creds, token)
    });
    Target {
        runtime,
        app,
        creds,
        token,
        http: reqwest::Client::new(),
    }
}

fn runner() -> TestRunner {
    TestRunner::new(Config {
        failure_persistence: None,
        ..Config::default()
    })
}

/// Printable header values (what an HTTP client can send at all).
fn header_text(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(0x20u8..0x7f, 0..max)
        .prop_map(|bytes| String::from_utf8(bytes).expect("ASCII"))
}

fn content_type() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("application/x-www-form-urlencoded".to_string())),
        Just(Some(
            "application/x-www-form-urlencoded; charset=ISO-8859-1".to_string()
        )),
        Just(Some("application/json".to_string())),
        Just(Some("multipart/form-data; boundary=x".to_string())),
        header_text(40).prop_map(Some),
    ]
}

/// Form bodies built from the parameters the endpoints know, repeated, mangled or not.
fn form_body() -> impl Strategy<Value = Vec<u8>> {
    let key = prop_oneof![
        Just("grant_type".to_string()),
        Just("client_id".to_string()),
        Just("client_secret".to_string()),
        Just("scope".to_string()),
        Just("token".to_string()),
        Just("token_type_hint".to_string()),
        "[a-z_%+=&]{0,12}",
    ];
    let value = prop_oneof![
        Just("client_credentials".to_string()),
        Just("credentials:read credentials:write".to_string()),
        "pc[irs]_[A-Za-z0-9]{0,60}",
        ".{0,40}",
        "%[0-9A-Fa-f]{0,2}%",
    ];
    prop_oneof![
        proptest::collection::vec((key, value), 0..6).prop_map(|pairs| {
            pairs
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&")
                .into_bytes()
        }),
        proptest::collection::vec(any::<u8>(), 0..300),
    ]
}

fn authorization(creds: &ClientCreds) -> impl Strategy<Value = Option<String>> {
    let id = creds.client_id.clone();
    prop_oneof![
        Just(None),
        header_text(80).prop_map(Some),
        header_text(80).prop_map(|t| Some(format!("Basic {t}"))),
        proptest::collection::vec(any::<u8>(), 0..80)
            .prop_map(|b| Some(format!("Basic {}", STANDARD.encode(b)))),
        "[A-Za-z0-9%+:]{0,60}".prop_map(move |secret| Some(format!(
            "Basic {}",
            STANDARD.encode(format!("{id}:{secret}"))
        ))),
    ]
}

fn assert_no_500(status: reqwest::StatusCode, what: &str) -> Result<(), TestCaseError> {
    prop_assert!(!status.is_server_error(), "{} answered {} ", what, status);
    Ok(())
}

#[test]
fn fuzz_oauth_endpoints_never_answer_500() {
    let t = target();
    let strategy = (
        prop_oneof![Just("token"), Just("introspect"), Just("revoke")],
        content_type(),
        authorization(&t.creds),
        form_body(),
    );
    runner()
        .run(
            &strategy,
            |(endpoint, content_type, authorization, body)| {
                let status = t.runtime.block_on(async {
                    let mut request = t
                        .http
                        .post(format!("{}/oauth/{endpoint}", t.app.base))
                        .body(body);
                    if let Some(ct) = content_type {
                        request = request.header("content-type", ct);
                    }
                    if let Some(auth) = authorization {
                        request = request.header("authorization", auth);
                    }
                    request.send().await.unwrap().status()
                });
                assert_no_500(status, endpoint)
            },
        )
        .unwrap();
}

/// JWT-shaped values: random headers (any `alg`, `kid`, `typ`), payloads and signatures.
fn jwt_like() -> impl Strategy<Value = String> {
    let header = (
        prop_oneof![
            Just(json!("ES256")),
            Just(json!("RS256")),
            Just(json!("none")),
            Just(json!("HS256")),
            Just(json!(42)),
            Just(Value::Null),
        ],
        prop_oneof![Just(json!("at+jwt")), Just(json!("JWT")), Just(Value::Null)],
        prop_oneof![
            Just(Value::Null),
            "[a-zA-Z0-9]{0,30}".prop_map(Value::String)
        ],
    )
        .prop_map(|(alg, typ, kid)| json!({"alg": alg, "typ": typ, "kid": kid}).to_string());
    let payload = prop_oneof![
        Just(json!({"iss": "x", "sub": "pci_x", "exp": 4_000_000_000u64}).to_string()),
        ".{0,60}",
    ];
    (
        header,
        payload,
        proptest::collection::vec(any::<u8>(), 0..80),
    )
        .prop_map(|(h, p, s)| {
            format!(
                "{}.{}.{}",
                URL_SAFE_NO_PAD.encode(h),
                URL_SAFE_NO_PAD.encode(p),
                URL_SAFE_NO_PAD.encode(s)
            )
        })
}

#[test]
fn fuzz_bearer_values_never_answer_500() {
    let t = target();
    let bearer = prop_oneof![
        header_text(200),
        jwt_like().prop_map(|j| format!("Bearer {j}")),
        "pcr_[A-Za-z0-9]{0,60}".prop_map(|r| format!("Bearer {r}")),
        header_text(100).prop_map(|r| format!("Bearer {r}")),
    ];
    let path = prop_oneof![
        Just("me".to_string()),
        Just("api-clients".to_string()),
        Just("restricted-access-tokens/x".to_string()),
        "[a-z/%.-]{0,20}",
    ];
    let method = prop_oneof![
        Just(reqwest::Method::GET),
        Just(reqwest::Method::POST),
        Just(reqwest::Method::PATCH),
        Just(reqwest::Method::DELETE),
        Just(reqwest::Method::OPTIONS),
    ];
    let origin = prop_oneof![Just(None), header_text(40).prop_map(Some)];
    let forwarded = prop_oneof![Just(None), header_text(60).prop_map(Some)];
    runner()
        .run(
            &(bearer, path, method, origin, forwarded),
            |(bearer, path, method, origin, forwarded)| {
                let status = t.runtime.block_on(async {
                    let mut request = t
                        .http
                        .request(method, format!("{}/api/v1/{path}", t.app.base))
                        .header("authorization", bearer);
                    if let Some(origin) = origin {
                        request = request.header("origin", origin);
                    }
                    if let Some(forwarded) = forwarded {
                        request = request.header("x-forwarded-for", forwarded);
                    }
                    request.send().await.unwrap().status()
                });
                assert_no_500(status, "/api/v1")
            },
        )
        .unwrap();
}

/// Any JSON value (or none) as a creation or an update, with a valid token.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        ".{0,30}".prop_map(Value::String),
        Just(json!("credentials:write")),
        Just(json!("10.0.0.0/8")),
        Just(json!("https://a.example")),
        Just(json!("2099-01-01T00:00:00Z")),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec(
                (
                    prop_oneof![
                        Just("name".to_string()),
                        Just("description".to_string()),
                        Just("allowed_origins".to_string()),
                        Just("allowed_ips".to_string()),
                        Just("scopes".to_string()),
                        Just("expires_at".to_string()),
                        "[a-z_]{0,10}",
                    ],
                    inner
                ),
                0..6
            )
            .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
    })
}

#[test]
fn fuzz_json_bodies_never_answer_500() {
    let t = target();
    let body = prop_oneof![
        json_value().prop_map(|v| v.to_string().into_bytes()),
        proptest::collection::vec(any::<u8>(), 0..200),
    ];
    let target_path = prop_oneof![
        Just(("POST", "api-clients".to_string())),
        Just(("POST", "restricted-access-tokens".to_string())),
        Just(("PATCH", format!("api-clients/{}", t.creds.id))),
    ];
    runner()
        .run(
            &(target_path, content_type(), body),
            |((method, path), content_type, body)| {
                let status = t.runtime.block_on(async {
                    let mut request = t
                        .http
                        .request(
                            reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                            format!("{}/api/v1/{path}", t.app.base),
                        )
                        .bearer_auth(&t.token)
                        .body(body);
                    if let Some(ct) = content_type {
                        request = request.header("content-type", ct);
                    }
                    request.send().await.unwrap().status()
                });
                assert_no_500(status, &path)
            },
        )
        .unwrap();
}
