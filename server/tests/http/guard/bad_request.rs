//! 400 (and the proxies' own 4xx): request targets and forwarded descriptions that cannot be
//! checked are refused, never let through unchecked; path matching works on the normalized
//! path the upstream sees.

use super::{Echoed, Front, Guarded, refusal};
use reqwest::StatusCode;
use store::Backend;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sends `request` as raw bytes (no client library to tidy it up); answers the status and the
/// whole answer.
async fn raw(base: &str, request: &str) -> (u16, String) {
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = request.replace("{host}", addr);
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {answer:?}"));
    (status, answer)
}

fn get(target: &str, token: &str) -> String {
    format!(
        "GET {target} HTTP/1.1\r\nHost: {{host}}\r\nAuthorization: Bearer {token}\r\n\
         Connection: close\r\n\r\n"
    )
}

/// Dot segments, encoded slashes and backslashes, bad escapes and absolute-form targets: the
/// gateway answers 400 `invalid_request`, whatever the token may call.
#[tokio::test]
async fn targets_that_do_not_normalize_are_400_at_the_gateway() {
    let g = Guarded::spawn(Backend::Sqlite).await.unwrap();
    let (_, token) = g.client_token("orders:read", "").await;
    let gateway = g.base(Front::Gateway).to_string();
    for target in [
        "/files/../orders/1",
        "/files/a/%2e%2e/b",
        "/orders/1%2f..",
        "/files/a%5cb",
        "/files//a",
        "/files/%zz",
        "http://169.254.169.254/orders/1",
    ] {
        let (status, answer) = raw(&gateway, &get(target, &token)).await;
        assert_eq!(status, 400, "{target}: {answer}");
        assert!(answer.contains("invalid_request"), "{target}: {answer}");
    }
    // An escaped unreserved character is the same path: it matches, and the upstream sees it
    // decoded.
    let (status, answer) = raw(&gateway, &get("/orders/%34%32", &token)).await;
    assert_eq!(status, 200, "{answer}");
    let body = answer.split("\r\n\r\n").nth(1).unwrap();
    let seen: Echoed = serde_json::from_str(body).unwrap();
    assert_eq!(seen.path, "/orders/42");
}

/// Through nginx, a `..` target is refused (nginx's own 400, or Portcullis's through the
/// guide's answer location), and never reaches the upstream.
#[tokio::test]
async fn nginx_and_caddy_never_pass_a_dot_segment_target_unchecked() {
    let g = Guarded::spawn(Backend::Sqlite).await.unwrap();
    let (_, token) = g.client_token("orders:read", "").await;
    for front in [Front::Nginx, Front::Caddy] {
        let (status, answer) = raw(g.base(front), &get("/orders/1/../../admin", &token)).await;
        assert!(
            (400..500).contains(&status),
            "{front:?}: {status}: {answer}"
        );
        assert!(
            !answer.contains("\"method\""),
            "{front:?} reached the upstream"
        );
    }
}

/// A header block far past any real one: hyper refuses it before the gate sees it.
#[tokio::test]
async fn a_huge_header_is_refused() {
    let g = Guarded::spawn(Backend::Sqlite).await.unwrap();
    let (_, token) = g.client_token("orders:read", "").await;
    let huge = "a".repeat(512 * 1024);
    let request = format!(
        "GET /orders/1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nX-Big: {huge}\r\n\
         Connection: close\r\n\r\n"
    );
    for base in [g.base(Front::Gateway), g.app.base.as_str()] {
        let (status, _) = raw(base, &request).await;
        assert_eq!(status, 431, "{base}");
    }
}

/// `/gate/check` called with a forwarded description it cannot read: 400, for any token.
#[tokio::test]
async fn forward_auth_without_a_readable_original_request_is_400() {
    let g = Guarded::spawn(Backend::Sqlite).await.unwrap();
    let (_, token) = g.client_token("orders:read", "").await;
    let check = format!("{}/gate/check", g.app.base);
    let cases: [&[(&str, &str)]; 7] = [
        &[("x-forwarded-uri", "/orders/1")],
        &[("x-forwarded-method", "GET")],
        &[
            ("x-forwarded-method", "G ET"),
            ("x-forwarded-uri", "/orders/1"),
        ],
        &[
            ("x-forwarded-method", "GET"),
            ("x-forwarded-uri", "https://evil.example.com/orders/1"),
        ],
        &[
            ("x-forwarded-method", "GET"),
            ("x-forwarded-uri", "/files/../orders/1"),
        ],
        &[
            ("x-original-method", "GET"),
            ("x-original-uri", "/orders/1%2F..%2F..%2Fadmin"),
        ],
        &[
            ("x-forwarded-method", "GET"),
            ("x-forwarded-uri", "/orders/1"),
            ("x-forwarded-uri", "/admin"),
        ],
    ];
    for headers in cases {
        let mut request = reqwest::Client::new().get(&check).bearer_auth(&token);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let (status, body) = refusal(request.send().await.unwrap()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{headers:?}");
        assert_eq!(body.error, "invalid_request", "{headers:?}");
    }
    // The same check with a readable description passes, so the 400s above are about the
    // description, not the token.
    let res = reqwest::Client::new()
        .get(&check)
        .bearer_auth(&token)
        .header("x-forwarded-method", "GET")
        .header("x-forwarded-uri", "/orders/1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}
