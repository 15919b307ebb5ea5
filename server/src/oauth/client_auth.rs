//! Who is asking: the form of a token, introspection or revocation request, and the client
//! it authenticates (HTTP Basic or the body, never both; RFC 6749 §2.3.1).

use super::OAuthResponse;
use crate::AppState;
use axum::body::Bytes;
use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use services::ClientEntry;
use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

/// The parameters of a form-encoded request, each at most once; borrowed from the body
/// unless they had to be decoded.
pub(super) struct Form<'a>(HashMap<Cow<'a, str>, Cow<'a, str>>);

impl<'a> Form<'a> {
    pub(super) fn parse(headers: &HeaderMap, body: &'a Bytes) -> Result<Form<'a>, OAuthResponse> {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let essence = content_type.split(';').next().unwrap_or_default().trim();
        if !essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            return Err(OAuthResponse::invalid_request(
                "the request must be application/x-www-form-urlencoded",
            ));
        }
        let mut params = HashMap::new();
        for (name, value) in form_urlencoded::parse(body) {
            match params.entry(name) {
                Entry::Vacant(vacant) => {
                    vacant.insert(value);
                }
                Entry::Occupied(taken) => {
                    return Err(OAuthResponse::invalid_request(format!(
                        "the parameter {} is repeated",
                        taken.key()
                    )));
                }
            }
        }
        Ok(Form(params))
    }

    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|value| &**value)
    }
}

/// Decodes one half of a Basic value: RFC 6749 §2.3.1 form-urlencodes the id and secret
/// before they are joined.
pub(super) fn form_decode(part: &str) -> Result<String, OAuthResponse> {
    if !part.bytes().any(|b| b == b'+' || b == b'%') {
        return Ok(part.to_owned());
    }
    let spaced = part.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| OAuthResponse::invalid_request("the Basic credentials are not valid UTF-8"))
}

/// The client's id and secret, from HTTP Basic or the body, never both.
pub(super) fn client_credentials(
    headers: &HeaderMap,
    form: &Form<'_>,
) -> Result<(String, String), OAuthResponse> {
    let body_id = form.get("client_id");
    let body_secret = form.get("client_secret");
    let Some(authorization) = headers.get(header::AUTHORIZATION) else {
        return match (body_id, body_secret) {
            (Some(id), Some(secret)) => Ok((id.to_string(), secret.to_string())),
            (None, Some(_)) => Err(OAuthResponse::invalid_request("client_id is missing")),
            _ => Err(OAuthResponse::invalid_client()),
        };
    };
    let value = authorization
        .to_str()
        .map_err(|_| OAuthResponse::invalid_request("the Authorization header is malformed"))?;
    let Some((scheme, encoded)) = value.trim().split_once(' ') else {
        return Err(OAuthResponse::invalid_request(
            "the Authorization header is malformed",
        ));
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(OAuthResponse::invalid_client());
    }
    if body_secret.is_some() {
        return Err(OAuthResponse::invalid_request(
            "use either HTTP Basic or client_secret in the body, not both",
        ));
    }
    let decoded = STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| OAuthResponse::invalid_request("the Basic credentials are malformed"))?;
    let (id, secret) = decoded
        .split_once(':')
        .ok_or_else(|| OAuthResponse::invalid_request("the Basic credentials are malformed"))?;
    let (id, secret) = (form_decode(id)?, form_decode(secret)?);
    if body_id.is_some_and(|body_id| body_id != id) {
        return Err(OAuthResponse::invalid_request(
            "client_id in the body differs from the Basic credentials",
        ));
    }
    Ok((id, secret))
}

pub(super) async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    form: &Form<'_>,
    now: i64,
) -> Result<Arc<ClientEntry>, OAuthResponse> {
    let (id, secret) = client_credentials(headers, form)?;
    Ok(state
        .services
        .authenticate_client(&id, &secret, now)
        .await?)
}

/// What introspection and revocation both read: the form, the authenticated caller, and the
/// `token` it asks about.
pub(super) async fn token_request(
    state: &AppState,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<(Arc<ClientEntry>, String, i64), OAuthResponse> {
    let form = Form::parse(headers, body)?;
    let now = state.services.now();
    let caller = authenticate(state, headers, &form, now).await?;
    let token = form
        .get("token")
        .ok_or_else(|| OAuthResponse::invalid_request("token is missing"))?;
    Ok((caller, token.to_string(), now))
}
