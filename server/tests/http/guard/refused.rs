//! 401 and 403: what the gate refuses never reaches the upstream, and every front sends the
//! client Portcullis's own answer (status, challenge, JSON body).

use super::{Ask, FRONTS, Front, Guarded, refusal};
use crate::guarded_on_both_backends;
use reqwest::{Method, StatusCode};

guarded_on_both_backends!(
    no_or_a_bad_token_is_401_with_a_challenge,
    a_missing_scope_is_403_insufficient_scope,
    restricted_tokens_are_refused_where_routes_forbid_them_or_from_other_addresses,
    a_disallowed_origin_is_403,
    a_client_deleted_in_the_console_is_refused_on_the_next_request,
);

async fn refused(
    g: &Guarded,
    front: Front,
    ask: Ask<'_>,
) -> (StatusCode, server::ApiErrorBody, String) {
    let res = g.send(front, ask).await;
    let challenge = crate::helpers::challenge(&res);
    let (status, body) = refusal(res).await;
    (status, body, challenge)
}

async fn no_or_a_bad_token_is_401_with_a_challenge(g: Guarded) {
    for front in FRONTS {
        let (status, body, challenge) =
            refused(&g, front, Ask::get("/orders/1", "").without_token()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{front:?}");
        assert_eq!(body.error, "unauthorized", "{front:?}");
        assert!(challenge.starts_with("Bearer"), "{front:?}: {challenge}");

        let (status, body, challenge) =
            refused(&g, front, Ask::get("/orders/1", "pcr_not-a-token")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{front:?}");
        assert_eq!(body.error, "invalid_token", "{front:?}");
        assert!(
            challenge.contains("invalid_token"),
            "{front:?}: {challenge}"
        );
    }
}

async fn a_missing_scope_is_403_insufficient_scope(g: Guarded) {
    let (_, token) = g.client_token("orders:read", "").await;
    for front in FRONTS {
        let ask = Ask::get("/orders", &token).method(Method::POST).body("{}");
        let (status, body, challenge) = refused(&g, front, ask).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{front:?}");
        assert_eq!(body.error, "insufficient_scope", "{front:?}");
        assert!(
            challenge.contains("scope=\"orders:write\""),
            "{front:?}: {challenge}"
        );
    }
    // A Portcullis scope opens nothing of the operator's API.
    let (_, token) = g.client_token("credentials:read", "").await;
    for front in FRONTS {
        let (status, body, _) = refused(&g, front, Ask::get("/orders/1", &token)).await;
        assert_eq!(
            (status, body.error.as_str()),
            (StatusCode::FORBIDDEN, "insufficient_scope")
        );
    }
}

async fn restricted_tokens_are_refused_where_routes_forbid_them_or_from_other_addresses(
    g: Guarded,
) {
    let (_, token) = g.app.restricted_token(&g.admin, "127.0.0.2").await;
    for front in FRONTS {
        // The route does not allow Restricted Access Tokens.
        let ask = Ask::get("/orders", &token)
            .method(Method::POST)
            .from([127, 0, 0, 2]);
        let (status, body, _) = refused(&g, front, ask).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{front:?}");
        assert_eq!(body.error, "insufficient_scope", "{front:?}");

        // From an address not on its list, even a route it may call.
        let ask = Ask::get("/orders/1", &token).from([127, 0, 0, 3]);
        let (status, body, _) = refused(&g, front, ask).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{front:?}");
        assert_eq!(body.error, "ip_not_allowed", "{front:?}");

        // Claiming the allowed address in X-Forwarded-For changes nothing: the client is not a
        // trusted proxy, so its own chain is not believed.
        let ask = Ask::get("/orders/1", &token)
            .from([127, 0, 0, 3])
            .headers(&[("x-forwarded-for", "127.0.0.2")]);
        let (status, body, _) = refused(&g, front, ask).await;
        assert_eq!(
            (status, body.error.as_str()),
            (StatusCode::FORBIDDEN, "ip_not_allowed"),
            "{front:?}"
        );
    }
}

async fn a_disallowed_origin_is_403(g: Guarded) {
    let (_, token) = g
        .client_token("orders:read", "https://shop.example.com")
        .await;
    for front in FRONTS {
        let ask = Ask::get("/orders/1", &token).headers(&[("origin", "https://evil.example.com")]);
        let res = g.send(front, ask).await;
        assert_eq!(
            res.headers().get("access-control-allow-origin"),
            None,
            "{front:?}: the refused origin may not read the answer"
        );
        let (status, body) = refusal(res).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{front:?}");
        assert_eq!(body.error, "origin_not_allowed", "{front:?}");
    }
}

async fn a_client_deleted_in_the_console_is_refused_on_the_next_request(g: Guarded) {
    let (creds, token) = g.client_token("orders:read", "").await;
    for front in FRONTS {
        let res = g.send(front, Ask::get("/orders/1", &token)).await;
        assert_eq!(res.status(), StatusCode::OK, "{front:?}");
    }
    let (status, _) = g
        .admin
        .rpc("api-clients/delete", &[("id", &creds.id)])
        .await;
    assert_eq!(status, StatusCode::OK);
    for front in FRONTS {
        let (status, body, _) = refused(&g, front, Ask::get("/orders/1", &token)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{front:?}");
        assert_eq!(body.error, "invalid_token", "{front:?}");
    }
}
