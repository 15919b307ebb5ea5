//! Sends a full page load to the right place before anything renders: a fresh instance to
//! `/setup`, a visitor without a session to `/login`, a signed-in person away from the sign-in
//! pages. The console's own checks (server functions) still refuse on their own.

use crate::AppState;
use app::ssr::{GatePrincipal, cookie_value};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use std::sync::atomic::Ordering;

enum Page {
    Console,
    Setup,
    Login,
    Signup,
    Other,
}

fn page_of(path: &str) -> Page {
    match path {
        "/" | "/account/password" => Page::Console,
        "/setup" => Page::Setup,
        "/login" => Page::Login,
        "/signup" => Page::Signup,
        _ => Page::Other,
    }
}

pub async fn gate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    if request.method() != Method::GET {
        return next.run(request).await;
    }
    let page = page_of(request.uri().path());
    if matches!(page, Page::Other) {
        return next.run(request).await;
    }
    let set_up = match is_set_up(&state).await {
        Ok(set_up) => set_up,
        Err(response) => return response,
    };
    let session = cookie_value(request.headers(), state.cookies.session());
    let principal = || async {
        match &session {
            Some(token) => state
                .services
                .principal_for_session(token, state.services.now())
                .await
                .ok()
                .flatten(),
            None => None,
        }
    };
    match page {
        Page::Setup if set_up => return Redirect::to("/login").into_response(),
        Page::Signup if !state.services.open_signup() => return not_found(),
        Page::Console | Page::Login | Page::Signup if !set_up => {
            return Redirect::to("/setup").into_response();
        }
        Page::Console => match principal().await {
            // Looked up once: the page's server functions take it from here.
            Some(found) => {
                request.extensions_mut().insert(GatePrincipal(found));
            }
            None => {
                // Keep a deep link such as /?settings-modal=open&path=api for after sign-in.
                let target = match request.uri().path_and_query().map(|p| p.as_str()) {
                    None | Some("/") => "/login".to_string(),
                    Some(here) => format!("/login?next={}", urlencode(here)),
                };
                return Redirect::to(&target).into_response();
            }
        },
        Page::Login | Page::Signup if principal().await.is_some() => {
            let next = request.uri().query().and_then(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .find(|(k, _)| k == "next")
                    .map(|(_, v)| v.into_owned())
            });
            return Redirect::to(app::api::auth::safe_next(next.as_deref())).into_response();
        }
        _ => {}
    }
    next.run(request).await
}

async fn is_set_up(state: &AppState) -> Result<bool, Response> {
    // Once set up, always set up: skip the query from then on.
    if state.set_up.load(Ordering::Relaxed) {
        return Ok(true);
    }
    match state.services.needs_setup().await {
        Ok(needs) => {
            if !needs {
                state.set_up.store(true, Ordering::Relaxed);
            }
            Ok(!needs)
        }
        Err(err) => {
            tracing::error!(error = %err, "cannot read the database");
            Err((
                StatusCode::SERVICE_UNAVAILABLE,
                "The database is not available",
            )
                .into_response())
        }
    }
}

fn urlencode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        Html(
            "<!DOCTYPE html><html lang=\"en\"><head><title>Not found · Portcullis</title></head>\
              <body><h1>Page not found</h1><p>Sign-up is not open on this instance.</p>\
              <p><a href=\"/login\">Sign in</a></p></body></html>",
        ),
    )
        .into_response()
}
