//! Sessions (§11): idle and absolute ends, Change password, Sign out other sessions, and the
//! sign-in throttle as people on different machines meet it.

use crate::helpers::TestApp;
use crate::on_both_backends;
use reqwest::StatusCode;
use std::net::{IpAddr, Ipv4Addr};

on_both_backends!(
    an_idle_session_ends_after_thirty_minutes,
    change_password_ends_the_other_sessions,
    sign_out_other_sessions_keeps_this_one,
    a_stranger_cannot_lock_the_owner_out
);

const ADA: &str = "ada@example.com";
const ADA_PASSWORD: &str = "correct horse battery";

async fn an_idle_session_ends_after_thirty_minutes(app: TestApp) {
    let admin = app.admin().await;
    // Use keeps it alive: 29 minutes twice is nearly an hour, each within the idle limit.
    for _ in 0..2 {
        app.clock.advance_secs(29 * 60);
        let (status, body) = admin.rpc("me", &[]).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    app.clock.advance_secs(31 * 60);
    let (status, _) = admin.rpc("me", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "31 minutes idle");
    // Signing in again works: the end of a session is not a lockout.
    let again = app.browser_signed_in_as(ADA, ADA_PASSWORD).await;
    assert_eq!(again.rpc("me", &[]).await.0, StatusCode::OK);
}

async fn change_password_ends_the_other_sessions(app: TestApp) {
    let here = app.admin().await;
    let elsewhere = app.browser_signed_in_as(ADA, ADA_PASSWORD).await;
    let new_password = "a much better passphrase";

    // Bad input: a clear error naming the field, and nothing changes.
    let (status, body) = here
        .rpc(
            "account/password",
            &[
                ("current_password", "not my password"),
                ("new_password", new_password),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["Field"]["field"], "current_password");
    let (status, body) = here
        .rpc(
            "account/password",
            &[
                ("current_password", ADA_PASSWORD),
                ("new_password", "short"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["Field"]["field"], "new_password");
    assert_eq!(elsewhere.rpc("me", &[]).await.0, StatusCode::OK);

    let (status, body) = here
        .rpc(
            "account/password",
            &[
                ("current_password", ADA_PASSWORD),
                ("new_password", new_password),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        here.rpc("me", &[]).await.0,
        StatusCode::OK,
        "this one stays"
    );
    assert_eq!(
        elsewhere.rpc("me", &[]).await.0,
        StatusCode::UNAUTHORIZED,
        "the other session ended"
    );
    let stale = app.browser().await;
    let (status, _) = stale
        .rpc("login", &[("email", ADA), ("password", ADA_PASSWORD)])
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the old password is gone");
    app.browser_signed_in_as(ADA, new_password).await;

    // Signed out, there is no password to change.
    let anonymous = app.browser().await;
    let (status, _) = anonymous
        .rpc(
            "account/password",
            &[
                ("current_password", new_password),
                ("new_password", "whatever it may be"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn sign_out_other_sessions_keeps_this_one(app: TestApp) {
    let here = app.admin().await;
    let phone = app.browser_signed_in_as(ADA, ADA_PASSWORD).await;
    let laptop = app.browser_signed_in_as(ADA, ADA_PASSWORD).await;
    let grace = app.member(&here, "grace@example.com", "Member").await;

    let (status, ended) = here.rpc("account/sign-out-others", &[]).await;
    assert_eq!(status, StatusCode::OK, "{ended}");
    assert_eq!(ended, 2);
    assert_eq!(here.rpc("me", &[]).await.0, StatusCode::OK);
    assert_eq!(phone.rpc("me", &[]).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(laptop.rpc("me", &[]).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        grace.rpc("me", &[]).await.0,
        StatusCode::OK,
        "another person's session is not ours to end"
    );
    let (status, ended) = here.rpc("account/sign-out-others", &[]).await;
    assert_eq!((status, ended), (StatusCode::OK, serde_json::json!(0)));
}

async fn a_stranger_cannot_lock_the_owner_out(app: TestApp) {
    app.admin().await;
    let stranger = app
        .browser_from(Some(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2))))
        .await;
    let guess = || {
        stranger
            .client
            .post(format!("{}/rpc/login", app.base))
            .header("x-csrf-token", &stranger.csrf)
            .form(&[("email", ADA), ("password", "is it this one")])
            .send()
    };
    for _ in 0..services::throttle::MAX_FAILURES_PER_EMAIL_AND_ADDRESS {
        assert_eq!(guess().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    }
    let refused = guess().await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        refused.headers()["retry-after"],
        services::throttle::WINDOW_SECONDS.to_string().as_str()
    );
    let body: app::error::AppError = refused.json().await.unwrap();
    assert_eq!(
        body,
        app::error::AppError::Refused("Too many attempts. Try again in 15 minutes.".into())
    );

    // The owner, on another machine, signs in at once.
    let owner = app
        .browser_from(Some(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 3))))
        .await;
    let (status, body) = owner
        .rpc("login", &[("email", ADA), ("password", ADA_PASSWORD)])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // The stranger stays refused, even with the right password, until the window passes.
    let (status, _) = stranger
        .rpc("login", &[("email", ADA), ("password", ADA_PASSWORD)])
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    app.clock
        .advance_secs(services::throttle::WINDOW_SECONDS + 1);
    let (status, _) = stranger
        .rpc("login", &[("email", ADA), ("password", ADA_PASSWORD)])
        .await;
    assert_eq!(status, StatusCode::OK, "a new window");
}
