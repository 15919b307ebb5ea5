//! 200: what the gate lets through reaches the upstream as the gate describes its caller.

use super::{Ask, Echoed, FRONTS, Front, Guarded};
use crate::guarded_on_both_backends;
use reqwest::{Method, StatusCode};

guarded_on_both_backends!(
    a_token_with_the_routes_scope_reaches_the_upstream_as_its_identity,
    a_restricted_token_from_its_address_passes_where_routes_allow_it,
    bodies_pass_both_ways_and_an_allowed_origin_reads_the_answer,
    preflights_are_answered_by_portcullis_and_never_reach_the_upstream,
);

const IDENTITY: [&str; 5] = [
    "x-portcullis-credential-type",
    "x-portcullis-credential-id",
    "x-portcullis-client-id",
    "x-portcullis-organization-id",
    "x-portcullis-scopes",
];

async fn echoed(g: &Guarded, front: Front, res: reqwest::Response) -> Echoed {
    let status = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{front:?}: {text}\n{}", g.logs());
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{front:?}: {e}: {text}"))
}

async fn a_token_with_the_routes_scope_reaches_the_upstream_as_its_identity(g: Guarded) {
    let (creds, token) = g.client_token("orders:read", "").await;
    // The client claims to be someone else; no front lets that through.
    let spoofed = [
        ("X-Portcullis-Credential-Id", "forged"),
        ("X-Portcullis-Scopes", "orders:write credentials:write"),
        ("X-Portcullis-Organization-Id", "someone-else"),
        ("X-Portcullis-Client-Id", "forged"),
        ("X-Portcullis-Credential-Type", "api_client"),
    ];
    for front in FRONTS {
        let ask = Ask::get("/orders/42?expand=items", &token).headers(&spoofed);
        let seen = echoed(&g, front, g.send(front, ask).await).await;
        assert_eq!(seen.method, "GET", "{front:?}");
        assert_eq!(seen.path, "/orders/42", "{front:?}");
        assert_eq!(seen.query.as_deref(), Some("expand=items"), "{front:?}");
        assert_eq!(
            seen.header("authorization"),
            None,
            "{front:?}: the token went on"
        );
        for name in IDENTITY {
            assert_eq!(seen.count(name), 1, "{front:?}: {name} {:?}", seen.headers);
        }
        assert_eq!(
            seen.header("x-portcullis-credential-type"),
            Some("api_client")
        );
        assert_eq!(
            seen.header("x-portcullis-credential-id"),
            Some(creds.id.as_str())
        );
        assert_eq!(
            seen.header("x-portcullis-client-id"),
            Some(creds.client_id.as_str())
        );
        assert_eq!(
            seen.header("x-portcullis-organization-id"),
            Some(g.organization_id.as_str())
        );
        assert_eq!(seen.header("x-portcullis-scopes"), Some("orders:read"));
        assert!(
            seen.header("x-forwarded-for")
                .is_some_and(|v| v.contains("127.0.0.1")),
            "{front:?}: {:?}",
            seen.headers
        );
    }
    // Headers under the prefix that are not identity headers: the gateway and Caddy drop every
    // one (nginx can only replace the five it names; the guide says so).
    for front in [Front::Gateway, Front::Caddy] {
        let ask = Ask::get("/orders/7", &token).headers(&[("X-Portcullis-Admin", "yes")]);
        let seen = echoed(&g, front, g.send(front, ask).await).await;
        assert_eq!(
            seen.portcullis_headers().len(),
            5,
            "{front:?}: {:?}",
            seen.headers
        );
        assert_eq!(seen.header("x-portcullis-admin"), None);
    }
}

async fn a_restricted_token_from_its_address_passes_where_routes_allow_it(g: Guarded) {
    let (id, token) = g.app.restricted_token(&g.admin, "127.0.0.2").await;
    for front in FRONTS {
        let ask = Ask::get("/orders/1", &token).from([127, 0, 0, 2]);
        let seen = echoed(&g, front, g.send(front, ask).await).await;
        assert_eq!(
            seen.header("x-portcullis-credential-type"),
            Some("restricted_access_token"),
            "{front:?}"
        );
        assert_eq!(seen.header("x-portcullis-credential-id"), Some(id.as_str()));
        assert_eq!(
            seen.header("x-portcullis-organization-id"),
            Some(g.organization_id.as_str())
        );
        // Empty (or, through nginx, which drops empty headers, absent): never a client's value.
        for name in ["x-portcullis-client-id", "x-portcullis-scopes"] {
            assert_eq!(seen.header(name).unwrap_or(""), "", "{front:?}: {name}");
        }
        // A route with no scopes that Restricted Access Tokens may call, a rest-of-path match.
        let ask = Ask::get("/files/a/b.txt", &token).from([127, 0, 0, 2]);
        let seen = echoed(&g, front, g.send(front, ask).await).await;
        assert_eq!(seen.path, "/files/a/b.txt", "{front:?}");
    }
}

async fn bodies_pass_both_ways_and_an_allowed_origin_reads_the_answer(g: Guarded) {
    let (_, token) = g
        .client_token("orders:read orders:write", "https://shop.example.com")
        .await;
    let body = "{\"item\":\"tea\",\"quantity\":3}".repeat(2_000);
    for front in FRONTS {
        let ask = Ask::get("/orders", &token)
            .method(Method::POST)
            .headers(&[("content-type", "application/json")])
            .body(&body);
        let seen = echoed(&g, front, g.send(front, ask).await).await;
        assert_eq!(seen.method, "POST");
        assert_eq!(seen.body, body, "{front:?}: the body changed on the way");
    }
    // The browser app at an allowed origin may read the answer (Caddy leaves CORS to the API).
    for front in [Front::Gateway, Front::Nginx] {
        let ask = Ask::get("/orders/3", &token).headers(&[("origin", "https://shop.example.com")]);
        let res = g.send(front, ask).await;
        assert_eq!(
            res.headers()
                .get("access-control-allow-origin")
                .and_then(|v| v.to_str().ok()),
            Some("https://shop.example.com"),
            "{front:?}"
        );
        echoed(&g, front, res).await;
    }
}

async fn preflights_are_answered_by_portcullis_and_never_reach_the_upstream(g: Guarded) {
    for front in FRONTS {
        let ask = Ask::get("/orders/5", "")
            .without_token()
            .method(Method::OPTIONS)
            .headers(&[
                ("origin", "https://shop.example.com"),
                ("access-control-request-method", "GET"),
                ("access-control-request-headers", "authorization"),
            ]);
        let res = g.send(front, ask).await;
        assert_eq!(
            res.status(),
            StatusCode::NO_CONTENT,
            "{front:?}\n{}",
            g.logs()
        );
        let header = |name: &str| {
            res.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        assert_eq!(header("access-control-allow-methods"), "GET, OPTIONS");
        assert_eq!(
            header("access-control-allow-origin"),
            "https://shop.example.com",
            "{front:?}"
        );
        assert!(
            res.text().await.unwrap().is_empty(),
            "{front:?}: the upstream answered"
        );
    }
}
