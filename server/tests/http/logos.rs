//! API Client logos (PRODUCT.md §10), through `/logos/{id}` as the console's Edit slide-over
//! calls it: PNG and JPEG pass and are served as themselves with `nosniff`; an SVG, an HTML file
//! named `.png`, a 300 KB image and a 4000×10 image are refused with 422 and change nothing;
//! who may upload, see and remove; another organization's clients are not there.

use crate::helpers::{Browser, TestApp};
use crate::on_both_backends;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{DynamicImage, Rgb, RgbImage, Rgba, RgbaImage};
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use server::{ApiErrorBody, AuditEventList, LogoUploaded};

on_both_backends!(
    png_and_jpeg_pass_and_are_served_as_images,
    anything_else_is_refused_and_nothing_changes,
    only_managers_upload_and_only_the_organization_sees,
);

fn png(width: u32, height: u32) -> Vec<u8> {
    let image = RgbaImage::from_pixel(width, height, Rgba([0, 90, 200, 255]));
    let mut out = Vec::new();
    DynamicImage::ImageRgba8(image)
        .write_with_encoder(PngEncoder::new(&mut out))
        .unwrap();
    out
}

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let image = RgbImage::from_pixel(width, height, Rgb([250, 180, 0]));
    let mut out = Vec::new();
    DynamicImage::ImageRgb8(image)
        .write_with_encoder(JpegEncoder::new(&mut out))
        .unwrap();
    out
}

/// A real PNG of noise that does not compress: over 300 KB while only 300×300 pixels.
fn noisy_png() -> Vec<u8> {
    let mut state: u32 = 0x1234_5678;
    let image = RgbaImage::from_fn(300, 300, |_, _| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        Rgba(state.to_le_bytes())
    });
    let mut out = Vec::new();
    DynamicImage::ImageRgba8(image)
        .write_with_encoder(PngEncoder::new(&mut out))
        .unwrap();
    out
}

async fn upload(
    browser: &Browser,
    id: &str,
    file_name: &str,
    declared: &str,
    bytes: Vec<u8>,
) -> (StatusCode, String) {
    let part = Part::bytes(bytes)
        .file_name(file_name.to_string())
        .mime_str(declared)
        .unwrap();
    let res = browser
        .client
        .post(format!("{}/logos/{id}", browser.base))
        .header("x-csrf-token", &browser.csrf)
        .multipart(Form::new().part("logo", part))
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

async fn uploaded(
    browser: &Browser,
    id: &str,
    name: &str,
    declared: &str,
    bytes: Vec<u8>,
) -> String {
    let (status, body) = upload(browser, id, name, declared, bytes).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str::<LogoUploaded>(&body)
        .unwrap()
        .logo_url
}

async fn fetch(browser: &Browser, path: &str) -> reqwest::Response {
    browser
        .client
        .get(format!("{}{path}", browser.base))
        .send()
        .await
        .unwrap()
}

async fn new_client(app: &TestApp, admin: &Browser) -> String {
    app.api_client(admin, "credentials:read", "").await.id
}

/// The client's `logo_url` as the console's list shows it.
async fn listed_logo(browser: &Browser, id: &str) -> Option<String> {
    let (status, page) = browser.rpc("credentials/list", &[]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let client = page["api_clients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .cloned()
        .unwrap();
    client["logo_url"].as_str().map(str::to_string)
}

fn refusal(status: StatusCode, body: &str, expected: StatusCode) -> ApiErrorBody {
    assert_eq!(status, expected, "{body}");
    serde_json::from_str(body).unwrap()
}

async fn png_and_jpeg_pass_and_are_served_as_images(app: TestApp) {
    let admin = app.admin().await;
    let id = new_client(&app, &admin).await;
    assert_eq!(listed_logo(&admin, &id).await, None);

    let url = uploaded(&admin, &id, "logo.png", "image/png", png(64, 40)).await;
    assert_eq!(
        listed_logo(&admin, &id).await.as_deref(),
        Some(url.as_str())
    );
    let res = fetch(&admin, &url).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert!(
        res.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
    let served = image::load_from_memory(&res.bytes().await.unwrap()).unwrap();
    assert_eq!((served.width(), served.height()), (64, 40));

    // A JPEG replaces it; the declared type and the name do not matter, the bytes do.
    app.clock.advance_secs(1);
    let url = uploaded(
        &admin,
        &id,
        "logo.bin",
        "application/octet-stream",
        jpeg(1024, 1024),
    )
    .await;
    let res = fetch(&admin, &url).await;
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    let served = image::load_from_memory(&res.bytes().await.unwrap()).unwrap();
    assert_eq!((served.width(), served.height()), (1024, 1024));

    // Both changes are in the audit log as edits of the client, naming the field.
    let reader = app.api_client(&admin, "audit:read", "").await;
    let token = app.access_token(&reader).await;
    let (status, body) = app
        .api(Method::GET, "audit-events?limit=200", &token, None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let events: AuditEventList = serde_json::from_value(body).unwrap();
    let logo_events = events
        .data
        .iter()
        .filter(|e| e.action == "api_client.updated" && e.target.id == id)
        .filter(|e| e.changes.get("logo").is_some())
        .count();
    assert_eq!(logo_events, 2);

    // Remove logo: gone from the list and from its address; removing again changes nothing.
    let res = admin
        .client
        .delete(format!("{}/logos/{id}", admin.base))
        .header("x-csrf-token", &admin.csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(listed_logo(&admin, &id).await, None);
    assert_eq!(fetch(&admin, &url).await.status(), StatusCode::NOT_FOUND);
    let res = admin
        .client
        .delete(format!("{}/logos/{id}", admin.base))
        .header("x-csrf-token", &admin.csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
}

async fn anything_else_is_refused_and_nothing_changes(app: TestApp) {
    let admin = app.admin().await;
    let id = new_client(&app, &admin).await;
    let url = uploaded(&admin, &id, "logo.png", "image/png", png(16, 16)).await;
    let before = fetch(&admin, &url).await.bytes().await.unwrap();

    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>"#.to_vec();
    let html = b"<!doctype html><script>alert(document.cookie)</script>".to_vec();
    let big = noisy_png();
    assert!(big.len() > 300 * 1024, "{} bytes", big.len());
    let cases: [(&str, &str, Vec<u8>, &str); 5] = [
        ("logo.svg", "image/svg+xml", svg, "PNG or JPEG"),
        ("logo.png", "image/png", html, "PNG or JPEG"),
        ("big.png", "image/png", big, "256 KB"),
        ("wide.png", "image/png", png(4000, 10), "4000×10"),
        ("empty.png", "image/png", Vec::new(), "PNG or JPEG"),
    ];
    for (name, declared, bytes, says) in cases {
        let (status, body) = upload(&admin, &id, name, declared, bytes).await;
        let body = refusal(status, &body, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body.field.as_deref(), Some("logo"), "{name}");
        assert!(
            body.error_description.contains(says),
            "{name}: {}",
            body.error_description
        );
        assert_eq!(
            listed_logo(&admin, &id).await.as_deref(),
            Some(url.as_str()),
            "{name}"
        );
        assert_eq!(
            fetch(&admin, &url).await.bytes().await.unwrap(),
            before,
            "{name}"
        );
    }

    // Not multipart, no `logo` field, or too large a body for any logo.
    let res = admin
        .client
        .post(format!("{}/logos/{id}", admin.base))
        .header("x-csrf-token", &admin.csrf)
        .body(png(8, 8))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body = refusal(status, &res.text().await.unwrap(), StatusCode::BAD_REQUEST);
    assert_eq!(body.error, "invalid_request");
    let res = admin
        .client
        .post(format!("{}/logos/{id}", admin.base))
        .header("x-csrf-token", &admin.csrf)
        .multipart(Form::new().text("other", "x"))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body = refusal(
        status,
        &res.text().await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    assert_eq!(body.field.as_deref(), Some("logo"));
    let (status, _) = upload(
        &admin,
        &id,
        "huge.png",
        "image/png",
        vec![0; 2 * 1024 * 1024],
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(fetch(&admin, &url).await.bytes().await.unwrap(), before);
}

async fn only_managers_upload_and_only_the_organization_sees(app: TestApp) {
    let admin = app.admin().await;
    let id = new_client(&app, &admin).await;
    let url = uploaded(&admin, &id, "logo.png", "image/png", png(16, 16)).await;

    // A Developer without Manage API credentials sees the logo but cannot change it.
    let developer = app.member(&admin, "dev@example.com", "Developer").await;
    assert_eq!(fetch(&developer, &url).await.status(), StatusCode::OK);
    let (status, body) = upload(&developer, &id, "logo.png", "image/png", png(8, 8)).await;
    refusal(status, &body, StatusCode::FORBIDDEN);
    let manager = app
        .member_with(&admin, "manager@example.com", "Developer", true)
        .await;
    uploaded(&manager, &id, "logo.png", "image/png", png(8, 8)).await;

    // Without the anti-forgery proof, or signed out: refused.
    let res = admin
        .client
        .post(format!("{}/logos/{id}", admin.base))
        .multipart(Form::new().part("logo", Part::bytes(png(8, 8)).file_name("l.png")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let stranger = app.browser().await;
    assert_eq!(
        fetch(&stranger, &url).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let (status, body) = upload(&stranger, &id, "logo.png", "image/png", png(8, 8)).await;
    refusal(status, &body, StatusCode::UNAUTHORIZED);

    // Another organization's Admin finds nothing there, to see or to change.
    let (status, _) = stranger
        .rpc(
            "signup",
            &[
                ("name", "Bob"),
                ("email", "bob@example.com"),
                ("password", "bob's long password"),
                ("organization_name", "B"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetch(&stranger, &url).await.status(), StatusCode::NOT_FOUND);
    let (status, body) = upload(&stranger, &id, "logo.png", "image/png", png(8, 8)).await;
    let body: ApiErrorBody = refusal(status, &body, StatusCode::NOT_FOUND);
    assert_eq!(body.error, "not_found");
    assert!(
        listed_logo(&admin, &id).await.is_some(),
        "still the manager's logo"
    );
}
