//! Cross-site forgery and forged server-function calls: refused, and nothing changes.

use crate::helpers::{TestApp, roles, user_id};
use crate::on_both_backends;
use reqwest::StatusCode;

on_both_backends!(
    a_post_without_the_proof_is_refused,
    a_member_cannot_do_admin_actions,
    another_organization_answers_as_missing,
);

async fn a_post_without_the_proof_is_refused(app: TestApp) {
    let admin = app.admin().await;
    let url = format!("{}/rpc/members/invite", app.base);
    let form = [("email", "mallory@example.com"), ("role", "Admin")];
    // No proof at all (the cookie alone does not count).
    let res = admin.client.post(&url).form(&form).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // A wrong proof.
    let res = admin
        .client
        .post(&url)
        .header("x-csrf-token", "A".repeat(43))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // The right proof, but the browser says the request comes from another site.
    let res = admin
        .client
        .post(&url)
        .header("x-csrf-token", &admin.csrf)
        .header("origin", "https://evil.example")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = admin
        .client
        .post(&url)
        .header("x-csrf-token", &admin.csrf)
        .header("sec-fetch-site", "cross-site")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // A cross-site HTML form carries the cookie but cannot know the token of the page.
    let res = admin
        .client
        .post(&url)
        .header("accept", "text/html")
        .form(&[
            ("email", "mallory@example.com"),
            ("role", "Admin"),
            ("csrf_token", "guess"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(
        admin.members().await["invites"]
            .as_array()
            .unwrap()
            .is_empty(),
        "nothing was created"
    );
    // The same form with the page's token goes through (the no-JavaScript path).
    let res = admin
        .client
        .post(&url)
        .form(&[
            ("email", "grace@example.com"),
            ("role", "Member"),
            ("csrf_token", admin.csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        admin.members().await["invites"].as_array().unwrap().len(),
        1
    );
}

async fn a_member_cannot_do_admin_actions(app: TestApp) {
    let admin = app.admin().await;
    let member = app.member(&admin, "grace@example.com", "Member").await;
    let before = admin.members().await;
    let ada = user_id(&before, "ada@example.com");
    let grace = user_id(&before, "grace@example.com");
    let forged: [(&str, Vec<(&str, &str)>); 5] = [
        (
            "members/update",
            vec![
                ("user_id", grace.as_str()),
                ("role", "Admin"),
                ("manage_credentials", "true"),
            ],
        ),
        (
            "members/update",
            vec![
                ("user_id", ada.as_str()),
                ("role", "Member"),
                ("manage_credentials", "false"),
            ],
        ),
        ("members/remove", vec![("user_id", ada.as_str())]),
        (
            "members/invite",
            vec![("email", "friend@example.com"), ("role", "Admin")],
        ),
        ("organization/rename", vec![("name", "Taken over")]),
    ];
    for (endpoint, form) in forged {
        let (status, body) = member.rpc(endpoint, &form).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{endpoint}: {body}");
        assert_eq!(body, serde_json::json!("Forbidden"), "{endpoint}");
    }
    let after = admin.members().await;
    assert_eq!(roles(&before), roles(&after), "no member changed");
    assert!(
        after["invites"].as_array().unwrap().is_empty(),
        "no invite was created"
    );
    let (_, me) = admin.rpc("me", &[]).await;
    assert_eq!(me["organization"]["name"], "Analytical");
    // A member sees the members, but not the pending invites.
    assert_eq!(
        member.members().await["members"].as_array().unwrap().len(),
        2
    );
    // Without a session, nothing at all.
    let stranger = app.browser().await;
    let (status, _) = stranger.rpc("members/list", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn another_organization_answers_as_missing(app: TestApp) {
    let admin_a = app.admin().await;
    app.member(&admin_a, "grace@example.com", "Member").await;
    let grace = user_id(&admin_a.members().await, "grace@example.com");
    let admin_b = app.browser().await;
    let (status, body) = admin_b
        .rpc(
            "signup",
            &[
                ("name", "Bob"),
                ("email", "bob@example.com"),
                ("password", "bob's long password"),
                ("organization_name", "Babbage"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let b_page = admin_b.members().await;
    assert_eq!(
        roles(&b_page),
        vec![("bob@example.com".into(), "Admin".into(), true)]
    );
    for (endpoint, form) in [
        (
            "members/update",
            vec![
                ("user_id", grace.as_str()),
                ("role", "Admin"),
                ("manage_credentials", "true"),
            ],
        ),
        ("members/remove", vec![("user_id", grace.as_str())]),
    ] {
        let (status, body) = admin_b.rpc(endpoint, &form).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{endpoint}: {body}");
    }
    let a_page = admin_a.members().await;
    assert!(roles(&a_page).contains(&("grace@example.com".into(), "Member".into(), false)));
}
