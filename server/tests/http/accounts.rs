//! Pages, sign-in and the cookies they set.

use crate::helpers::{TestApp, meta_csrf, roles};
use crate::on_both_backends;
use reqwest::StatusCode;

on_both_backends!(
    pages_lead_to_setup_then_login,
    sign_in_cookies_and_messages,
    the_last_admin_stays
);

fn location(res: &reqwest::Response) -> String {
    res.headers()["location"].to_str().unwrap().to_string()
}

async fn pages_lead_to_setup_then_login(app: TestApp) {
    let browser = app.browser().await;
    let get = |path: &str| browser.client.get(format!("{}{path}", app.base)).send();
    let res = get("/").await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/setup");
    let res = get("/setup").await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("Set up Portcullis") && html.contains("Create account"));
    assert!(meta_csrf(&html).is_some());

    app.admin().await;
    let anonymous = app.browser().await;
    let res = anonymous
        .client
        .get(format!("{}/setup", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/login", "setup is gone once a user exists");
    let res = anonymous
        .client
        .get(format!("{}/?settings-modal=open&path=api", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        location(&res),
        "/login?next=%2F%3Fsettings-modal%3Dopen%26path%3Dapi"
    );
    let res = anonymous
        .client
        .get(format!("{}/account/password", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/login?next=%2Faccount%2Fpassword");
    let res = anonymous
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

async fn sign_in_cookies_and_messages(app: TestApp) {
    let admin = app.admin().await;
    let browser = app.browser().await;
    let (status, wrong) = browser
        .rpc(
            "login",
            &[("email", "ada@example.com"), ("password", "wrong password")],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, unknown) = browser
        .rpc(
            "login",
            &[("email", "who@example.com"), ("password", "wrong password")],
        )
        .await;
    assert_eq!(wrong, unknown, "one message for both");
    assert_eq!(
        wrong,
        serde_json::json!({"Refused": "Invalid email or password"})
    );

    let res = browser
        .client
        .post(format!("{}/rpc/login", app.base))
        .header("x-csrf-token", &browser.csrf)
        .form(&[
            ("email", "ada@example.com"),
            ("password", "correct horse battery"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("portcullis_session="))
        .expect("a session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain http here: {cookie}");

    // Signing out ends the session on the server, not only in the browser.
    let (status, _) = admin.rpc("logout", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = admin.rpc("me", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn the_last_admin_stays(app: TestApp) {
    let admin = app.admin().await;
    let page = admin.members().await;
    let ada = crate::helpers::user_id(&page, "ada@example.com");
    let (status, body) = admin
        .rpc(
            "members/update",
            &[
                ("user_id", &ada),
                ("role", "Member"),
                ("manage_credentials", "false"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, _) = admin.rpc("members/remove", &[("user_id", &ada)]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        roles(&admin.members().await),
        vec![("ada@example.com".into(), "Admin".into(), true)]
    );
    // Bad input: a clear 422 naming the field, nothing saved.
    let (status, body) = admin
        .rpc("members/invite", &[("email", "nope"), ("role", "Member")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["Field"]["field"], "email");
    let (status, _) = admin
        .rpc("members/invite", &[("email", "x@example.com")])
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a missing argument is the client's fault"
    );
}
