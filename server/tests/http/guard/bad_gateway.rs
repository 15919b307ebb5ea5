//! 502 and 504: an upstream that is down, answers garbage or does not answer in time.

use super::upstream::{dead_address, garbage_server, truncating_server};
use super::{Ask, FRONTS, Front, Guarded, refusal};
use reqwest::StatusCode;
use store::Backend;

/// Nothing listens where the routes send requests: every front answers 502 (the gateway with
/// its JSON body).
#[tokio::test]
async fn an_upstream_that_is_down_is_502() {
    let g = Guarded::spawn_before(Backend::Sqlite, dead_address())
        .await
        .unwrap();
    let (_, token) = g.client_token("orders:read", "").await;
    for front in FRONTS {
        let res = g.send(front, Ask::get("/orders/1", &token)).await;
        assert_eq!(res.status(), StatusCode::BAD_GATEWAY, "{front:?}");
    }
    let (status, body) = refusal(g.send(Front::Gateway, Ask::get("/orders/1", &token)).await).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_eq!(body.error, "bad_gateway");
    assert!(!body.error_description.is_empty());
}

/// An upstream that answers bytes that are not HTTP: 502 from the gateway, not a panic.
#[tokio::test]
async fn an_upstream_that_answers_garbage_is_502() {
    let g = Guarded::spawn_before(Backend::Sqlite, garbage_server().await)
        .await
        .unwrap();
    let (_, token) = g.client_token("orders:read", "").await;
    let (status, body) = refusal(g.send(Front::Gateway, Ask::get("/orders/1", &token)).await).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_eq!(body.error, "bad_gateway");
}

/// The route's upstream accepts the connection and never answers: 504 after the route's
/// `upstream_timeout_seconds` (1 s here).
#[tokio::test]
async fn an_upstream_that_does_not_answer_in_time_is_504() {
    let g = Guarded::spawn(Backend::Sqlite).await.unwrap();
    let (_, token) = g.client_token("orders:read", "").await;
    let (status, body) = refusal(g.send(Front::Gateway, Ask::get("/slow", &token)).await).await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(body.error, "gateway_timeout");
}

/// An upstream that closes in the middle of its body: the answer has already begun, so the
/// client sees a cut-off body (an error, never a complete-looking answer), and the gateway
/// goes on serving.
#[tokio::test]
async fn an_upstream_that_closes_mid_body_cuts_the_answer_off() {
    let g = Guarded::spawn_before(Backend::Sqlite, truncating_server().await)
        .await
        .unwrap();
    let (_, token) = g.client_token("orders:read", "").await;
    for _ in 0..2 {
        let res = g.send(Front::Gateway, Ask::get("/orders/1", &token)).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(
            res.bytes().await.is_err(),
            "the cut-off body read as complete"
        );
    }
}
