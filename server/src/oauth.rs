//! The OAuth 2.0 endpoints (PRODUCT.md §5): metadata (RFC 8414), JWKS (RFC 7517), the token
//! endpoint for the client credentials grant (RFC 6749 §4.4), introspection (RFC 7662) and
//! revocation (RFC 7009). The rules live in `services::tokens`; this file speaks HTTP.

use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;
use services::keys::Jwk;
use services::{ClientEntry, OAuthError, ServiceError};
use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The OAuth routes and their OpenAPI description, from the same declarations.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(metadata))
        .routes(routes!(jwks))
        .routes(routes!(token))
        .routes(routes!(introspect))
        .routes(routes!(revoke))
}

/// An RFC 6749 §5.2 error body.
#[derive(Serialize, ToSchema)]
pub struct OAuthErrorBody {
    /// `invalid_request`, `invalid_client`, `unsupported_grant_type`, `invalid_scope`,
    /// `server_error` or `temporarily_unavailable`.
    pub error: String,
    pub error_description: String,
}

/// The token request (RFC 6749 §4.4.2), form-encoded. Authenticate with HTTP Basic
/// (`client_id:client_secret`, each form-urlencoded) or with `client_id` and `client_secret`
/// here, never both.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct TokenRequest {
    /// Always `client_credentials`.
    #[schema(example = "client_credentials")]
    grant_type: String,
    /// Space-separated subset of the client's scopes; all of them when absent.
    #[schema(example = "credentials:read")]
    scope: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// Introspection (RFC 7662) and revocation (RFC 7009) requests, form-encoded, authenticated
/// like the token request.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct TokenRequestAbout {
    /// The access token (or Restricted Access Token) asked about.
    token: String,
    /// Ignored: the token's form tells its type.
    token_type_hint: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// RFC 8414 authorization server metadata.
#[derive(Serialize, ToSchema)]
pub struct ServerMetadata {
    issuer: String,
    token_endpoint: String,
    jwks_uri: String,
    introspection_endpoint: String,
    revocation_endpoint: String,
    grant_types_supported: Vec<&'static str>,
    token_endpoint_auth_methods_supported: Vec<&'static str>,
    introspection_endpoint_auth_methods_supported: Vec<&'static str>,
    revocation_endpoint_auth_methods_supported: Vec<&'static str>,
    scopes_supported: Vec<String>,
    response_types_supported: Vec<&'static str>,
    service_documentation: String,
}

/// The public signing keys (RFC 7517 JWK Set).
#[derive(Serialize, ToSchema)]
pub struct JwkSet {
    #[schema(value_type = Vec<JwkSchema>)]
    keys: Vec<Jwk>,
}

/// A public key (RFC 7517): EC P-256 (`crv`, `x`, `y`) or RSA (`n`, `e`). Describes
/// `services::keys::Jwk` for the OpenAPI document.
#[derive(ToSchema)]
#[allow(dead_code)]
struct JwkSchema {
    /// `EC` or `RSA`.
    kty: String,
    /// `P-256` (EC).
    crv: Option<String>,
    x: Option<String>,
    y: Option<String>,
    /// Modulus (RSA).
    n: Option<String>,
    /// Exponent (RSA).
    e: Option<String>,
    kid: String,
    /// `sig`.
    #[schema(rename = "use")]
    usage: String,
    /// `ES256` or `RS256`.
    alg: String,
}

/// The introspection answer (RFC 7662 §2.2): `{"active": false}`, or the token's details.
/// Describes `services::Introspection` for the OpenAPI document.
#[derive(ToSchema)]
#[allow(dead_code)]
struct IntrospectionSchema {
    active: bool,
    /// `api_client` or `restricted_access_token`.
    credential_type: Option<String>,
    client_id: Option<String>,
    sub: Option<String>,
    scope: Option<String>,
    exp: Option<i64>,
    iat: Option<i64>,
    iss: Option<String>,
    aud: Option<String>,
    jti: Option<String>,
    token_type: Option<String>,
    allowed_ips: Option<Vec<String>>,
}

/// An RFC 6749 §5.2 error.
#[derive(Debug)]
pub struct OAuthResponse {
    status: StatusCode,
    error: &'static str,
    description: String,
}

impl OAuthResponse {
    fn invalid_request(description: impl Into<String>) -> Self {
        OAuthResponse {
            status: StatusCode::BAD_REQUEST,
            error: "invalid_request",
            description: description.into(),
        }
    }

    fn invalid_client() -> Self {
        OAuthResponse {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
            description: "client authentication failed".into(),
        }
    }

    fn server_error(err: &ServiceError) -> Self {
        if let Some(reason) = err.unavailable_reason() {
            tracing::warn!(error = %err, source = ?std::error::Error::source(err), "OAuth endpoint: unavailable");
            return OAuthResponse {
                status: StatusCode::SERVICE_UNAVAILABLE,
                error: "temporarily_unavailable",
                description: reason.into(),
            };
        }
        tracing::error!(error = %err, source = ?std::error::Error::source(err), "OAuth endpoint failed");
        OAuthResponse {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            error: "server_error",
            description: "the server could not answer; try again".into(),
        }
    }
}

impl From<OAuthError> for OAuthResponse {
    fn from(err: OAuthError) -> Self {
        match err {
            OAuthError::InvalidClient => OAuthResponse::invalid_client(),
            OAuthError::InvalidScope(description) => OAuthResponse {
                status: StatusCode::BAD_REQUEST,
                error: "invalid_scope",
                description,
            },
            OAuthError::Service(e) => OAuthResponse::server_error(&e),
        }
    }
}

impl IntoResponse for OAuthResponse {
    fn into_response(self) -> Response {
        let body = OAuthErrorBody {
            error: self.error.to_string(),
            error_description: self.description,
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        no_store(response.headers_mut());
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"portcullis\""),
            );
        }
        response
    }
}

/// Token, introspection and revocation answers are never cached, nor sniffed.
fn no_store(headers: &mut HeaderMap) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

fn json_no_store(body: impl Serialize) -> Response {
    let mut response = axum::Json(body).into_response();
    no_store(response.headers_mut());
    response
}

/// Authorization server metadata
#[utoipa::path(
    get,
    path = "/.well-known/oauth-authorization-server",
    tag = "OAuth 2.0",
    responses((status = 200, description = "RFC 8414 metadata", body = ServerMetadata))
)]
async fn metadata(State(state): State<AppState>) -> Response {
    let issuer = &state.services.token_settings().issuer;
    let auth_methods = vec!["client_secret_basic", "client_secret_post"];
    axum::Json(ServerMetadata {
        issuer: issuer.clone(),
        token_endpoint: format!("{issuer}/oauth/token"),
        jwks_uri: format!("{issuer}/.well-known/jwks.json"),
        introspection_endpoint: format!("{issuer}/oauth/introspect"),
        revocation_endpoint: format!("{issuer}/oauth/revoke"),
        grant_types_supported: vec!["client_credentials"],
        token_endpoint_auth_methods_supported: auth_methods.clone(),
        introspection_endpoint_auth_methods_supported: auth_methods.clone(),
        revocation_endpoint_auth_methods_supported: auth_methods,
        scopes_supported: state
            .services
            .scope_catalog()
            .all()
            .iter()
            .map(|s| s.name.clone())
            .collect(),
        response_types_supported: Vec::new(),
        service_documentation: format!("{issuer}/docs"),
    })
    .into_response()
}

/// Public signing keys
///
/// The keys access tokens are signed with, including retired keys whose tokens may still be
/// in use. Verify a token with the key its `kid` names, using that key's `alg` only.
#[utoipa::path(
    get,
    path = "/.well-known/jwks.json",
    tag = "OAuth 2.0",
    responses((status = 200, description = "RFC 7517 JWK Set", body = JwkSet))
)]
async fn jwks(State(state): State<AppState>) -> Response {
    match state.services.keyring().await {
        Ok(ring) => {
            let keys = ring.jwks().into_iter().cloned().collect();
            let mut response = axum::Json(JwkSet { keys }).into_response();
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            );
            response
        }
        Err(e) => OAuthResponse::server_error(&e).into_response(),
    }
}

/// The parameters of a form-encoded request, each at most once; borrowed from the body
/// unless they had to be decoded.
struct Form<'a>(HashMap<Cow<'a, str>, Cow<'a, str>>);

impl<'a> Form<'a> {
    fn parse(headers: &HeaderMap, body: &'a Bytes) -> Result<Form<'a>, OAuthResponse> {
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

    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|value| &**value)
    }
}

/// Decodes one half of a Basic value: RFC 6749 §2.3.1 form-urlencodes the id and secret
/// before they are joined.
fn form_decode(part: &str) -> Result<String, OAuthResponse> {
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
fn client_credentials(
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

async fn authenticate(
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

/// A successful token response (RFC 6749 §5.1).
#[derive(Serialize, ToSchema)]
struct TokenResponse {
    /// An RFC 9068 JWT: send it as `Authorization: Bearer <access_token>`.
    #[schema(value_type = String)]
    access_token: domain::Secret,
    token_type: &'static str,
    expires_in: i64,
    scope: String,
}

/// Get an access token
///
/// The client credentials grant (RFC 6749 §4.4). Answers a JWT valid for 60 minutes (never
/// past the client's expiry) with `Cache-Control: no-store`.
#[utoipa::path(
    post,
    path = "/oauth/token",
    tag = "OAuth 2.0",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    security((), ("clientSecretBasic" = [])),
    responses(
        (status = 200, description = "An access token", body = TokenResponse),
        (status = 400, description = "`invalid_request` (missing or repeated parameters, both authentication methods, not form-encoded), `unsupported_grant_type` or `invalid_scope`", body = OAuthErrorBody),
        (status = 401, description = "`invalid_client`: unknown, wrong secret, disabled, expired or deleted client, or an organization without API access", body = OAuthErrorBody,
            headers(("WWW-Authenticate" = String, description = "`Basic realm=\"portcullis\"`"))),
        (status = 405, description = "Any method but POST"),
        (status = 413, description = "Body over 64 KiB"),
        (status = 503, description = "`temporarily_unavailable`: the database is unreachable", body = OAuthErrorBody),
    )
)]
async fn token(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    match issue(&state, &headers, &body).await {
        Ok(token) => json_no_store(token),
        Err(e) => e.into_response(),
    }
}

async fn issue(
    state: &AppState,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<TokenResponse, OAuthResponse> {
    let form = Form::parse(headers, body)?;
    match form.get("grant_type") {
        None => return Err(OAuthResponse::invalid_request("grant_type is missing")),
        Some("client_credentials") => {}
        Some(_) => {
            return Err(OAuthResponse {
                status: StatusCode::BAD_REQUEST,
                error: "unsupported_grant_type",
                description: "only the client_credentials grant is supported".into(),
            });
        }
    }
    let now = state.services.now();
    let client = authenticate(state, headers, &form, now).await?;
    let issued = state
        .services
        .issue_access_token(&client, form.get("scope"), now)
        .await?;
    // Debug, not info: this is the hot path, and a line per token would cost throughput.
    tracing::debug!(client_id = %client.client_id, scope = %issued.scope, "access token issued");
    Ok(TokenResponse {
        access_token: issued.access_token,
        token_type: "Bearer",
        expires_in: issued.expires_in,
        scope: issued.scope,
    })
}

/// Introspect a token
///
/// RFC 7662, asked by an active API Client. For a valid token of the caller's organization,
/// the token's details (a Restricted Access Token adds `credential_type` and `allowed_ips`);
/// for anything else `{"active": false}`.
#[utoipa::path(
    post,
    path = "/oauth/introspect",
    tag = "OAuth 2.0",
    request_body(content = TokenRequestAbout, content_type = "application/x-www-form-urlencoded"),
    security((), ("clientSecretBasic" = [])),
    responses(
        (status = 200, description = "The token's status", body = IntrospectionSchema),
        (status = 400, description = "`invalid_request`: `token` missing, not form-encoded", body = OAuthErrorBody),
        (status = 401, description = "`invalid_client`: the caller's own authentication failed", body = OAuthErrorBody),
    )
)]
async fn introspect(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let answer = async {
        let (caller, token, now) = token_request(&state, &headers, &body).await?;
        state
            .services
            .introspect(&caller, &token, now)
            .await
            .map_err(|e| OAuthResponse::server_error(&e))
    };
    match answer.await {
        Ok(introspection) => json_no_store(introspection),
        Err(e) => e.into_response(),
    }
}

/// What introspection and revocation both read: the form, the authenticated caller, and the
/// `token` it asks about.
async fn token_request(
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

/// Revoke an access token
///
/// RFC 7009: a client revokes an access token it was issued; it stops working at once, on
/// every instance. Anything else (unknown, expired, another client's) also answers 200 and
/// changes nothing.
#[utoipa::path(
    post,
    path = "/oauth/revoke",
    tag = "OAuth 2.0",
    request_body(content = TokenRequestAbout, content_type = "application/x-www-form-urlencoded"),
    security((), ("clientSecretBasic" = [])),
    responses(
        (status = 200, description = "Revoked, or nothing to revoke"),
        (status = 400, description = "`invalid_request`: `token` missing, not form-encoded", body = OAuthErrorBody),
        (status = 401, description = "`invalid_client`: the caller's own authentication failed", body = OAuthErrorBody),
    )
)]
async fn revoke(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let answer = async {
        let (caller, token, now) = token_request(&state, &headers, &body).await?;
        state
            .services
            .revoke(&caller, &token, now)
            .await
            .map_err(|e| OAuthResponse::server_error(&e))
    };
    match answer.await {
        Ok(()) => {
            let mut response = StatusCode::OK.into_response();
            no_store(response.headers_mut());
            response
        }
        Err(e) => e.into_response(),
    }
}
