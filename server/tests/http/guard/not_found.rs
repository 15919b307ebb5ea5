//! 404: a path or method that no route has is answered by Portcullis, through every front
//! (nginx included, which would otherwise turn it into a 500), and never reaches the upstream.

use super::{Ask, FRONTS, Guarded, refusal};
use crate::guarded_on_both_backends;
use reqwest::{Method, StatusCode};

guarded_on_both_backends!(unknown_paths_and_methods_are_404_not_found);

async fn unknown_paths_and_methods_are_404_not_found(g: Guarded) {
    let (_, token) = g.client_token("orders:read orders:write", "").await;
    let asks = [
        Ask::get("/admin", &token),
        Ask::get("/orders/1/items", &token),
        Ask::get("/orders/1", &token).method(Method::DELETE),
        Ask::get("/api/v1/me", &token),
        // Without a token too: the path decides first.
        Ask::get("/nowhere", "").without_token(),
    ];
    for front in FRONTS {
        for ask in &asks {
            let ask = ask.clone();
            let what = format!("{front:?} {} {}", ask.method, ask.path);
            let (status, body) = refusal(g.send(front, ask).await).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{what}\n{}", g.logs());
            assert_eq!(body.error, "not_found", "{what}");
        }
    }
}
