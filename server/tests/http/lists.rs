//! The credential lists (PRODUCT.md §10): `?name=` filters case-insensitively, `?limit=` and
//! `?cursor=` page by name, and every row comes exactly once while rows are inserted between
//! pages; bad parameters are named in a 400.

use crate::helpers::TestApp;
use crate::on_both_backends;
use reqwest::{Method, StatusCode};
use serde_json::json;
use server::{ApiClientList, RestrictedTokenList};
use std::collections::HashSet;

on_both_backends!(
    pages_return_every_row_once_while_rows_are_inserted,
    the_name_filter_is_a_case_insensitive_substring,
    bad_list_parameters_are_named,
);

async fn create(app: &TestApp, token: &str, name: &str) -> String {
    let (status, body) = app
        .api(
            Method::POST,
            "api-clients",
            token,
            Some(json!({"name": name})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_string()
}

async fn page(
    app: &TestApp,
    token: &str,
    query: &str,
) -> (StatusCode, Option<ApiClientList>, String) {
    let res = reqwest::Client::new()
        .get(format!("{}/api/v1/api-clients{query}", app.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).ok(), text)
}

async fn writer(app: &TestApp) -> String {
    let admin = app.admin().await;
    let creds = app
        .api_client(&admin, "credentials:read credentials:write", "")
        .await;
    app.access_token(&creds).await
}

async fn pages_return_every_row_once_while_rows_are_inserted(app: TestApp) {
    let token = writer(&app).await;
    let mut before = HashSet::new();
    for n in 0..23 {
        // Mixed case and spacing: the order is by the lowercased name.
        let name = if n % 2 == 0 {
            format!("Sync {n:02}")
        } else {
            format!("sync {n:02}")
        };
        before.insert(create(&app, &token, &name).await);
    }
    let (status, first, text) = page(&app, &token, "").await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let all = first.unwrap();
    assert_eq!(
        all.data.len(),
        24,
        "the writer and 23 more, one page by default"
    );
    assert_eq!(all.next_cursor, None);
    let names: Vec<String> = all.data.iter().map(|c| c.name.to_lowercase()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "sorted by name, case-insensitively");

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let query = match &cursor {
            Some(c) => format!("?limit=5&cursor={c}"),
            None => "?limit=5".to_string(),
        };
        let (status, list, text) = page(&app, &token, &query).await;
        assert_eq!(status, StatusCode::OK, "{text}");
        let list = list.unwrap();
        assert!(list.data.len() <= 5);
        seen.extend(list.data.iter().map(|c| c.id.clone()));
        pages += 1;
        // Between pages, rows land before and after the position reached.
        create(&app, &token, &format!("aaa inserted {pages}")).await;
        create(&app, &token, &format!("zzz inserted {pages}")).await;
        match list.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
        assert!(pages < 50, "paging does not end");
    }
    let unique: HashSet<_> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "no row twice");
    assert!(
        before.is_subset(&unique),
        "every row that was there from the start"
    );
}

async fn the_name_filter_is_a_case_insensitive_substring(app: TestApp) {
    let token = writer(&app).await;
    for name in ["Billing Sync", "billing export", "Nightly", "100% _done_"] {
        create(&app, &token, name).await;
    }
    let names = |list: ApiClientList| list.data.into_iter().map(|c| c.name).collect::<Vec<_>>();
    let (_, list, _) = page(&app, &token, "?name=BILLING").await;
    assert_eq!(names(list.unwrap()), ["billing export", "Billing Sync"]);
    let (_, list, _) = page(&app, &token, "?name=%25%20_").await;
    assert_eq!(
        names(list.unwrap()),
        ["100% _done_"],
        "wildcards are literal"
    );
    let (_, list, _) = page(&app, &token, "?name=_").await;
    assert_eq!(names(list.unwrap()), ["100% _done_"]);
    let (_, list, _) = page(&app, &token, "?name=nothing%20like%20it").await;
    let list = list.unwrap();
    assert!(list.data.is_empty());
    assert_eq!(list.next_cursor, None);
    // Paging within a filter.
    let (_, list, _) = page(&app, &token, "?name=billing&limit=1").await;
    let list = list.unwrap();
    assert_eq!(names_of(&list), ["billing export"]);
    let (_, next, _) = page(
        &app,
        &token,
        &format!("?name=billing&limit=1&cursor={}", list.next_cursor.unwrap()),
    )
    .await;
    let next = next.unwrap();
    assert_eq!(names_of(&next), ["Billing Sync"]);
    assert_eq!(next.next_cursor, None);
    // The tokens list takes the same parameters.
    let res = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/restricted-access-tokens?name=x&limit=500",
            app.base
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let tokens: RestrictedTokenList = res.json().await.unwrap();
    assert!(tokens.data.is_empty());
}

fn names_of(list: &ApiClientList) -> Vec<&str> {
    list.data.iter().map(|c| c.name.as_str()).collect()
}

async fn bad_list_parameters_are_named(app: TestApp) {
    let token = writer(&app).await;
    for (query, named) in [
        ("?limit=0", "limit"),
        ("?limit=501", "limit"),
        ("?limit=ten", "limit"),
        ("?cursor=garbage", "cursor"),
        ("?cursor=1.a'b.61", "cursor"),
        ("?name=a&name=b", "name"),
        ("?sort=name", "sort"),
        (&format!("?name={}", "n".repeat(71)), "name"),
    ] {
        let (status, _, text) = page(&app, &token, query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {text}");
        let body: server::ApiErrorBody = serde_json::from_str(&text).unwrap();
        assert_eq!(body.error, "invalid_request", "{query}");
        assert!(body.error_description.contains(named), "{query}: {text}");
    }
}
