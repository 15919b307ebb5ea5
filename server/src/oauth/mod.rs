//! The OAuth 2.0 endpoints (PRODUCT.md §5): metadata (RFC 8414), JWKS (RFC 7517), the token
//! endpoint for the client credentials grant (RFC 6749 §4.4), introspection (RFC 7662) and
//! revocation (RFC 7009). The rules live in `services::tokens`; this module speaks HTTP.

mod client_auth;
mod schema;

use crate::AppState;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{FromRequest, State};
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use client_auth::{Form, authenticate, token_request};
use futures::future::BoxFuture;
use schema::{IntrospectionSchema, JwkSet, ServerMetadata, TokenRequest, TokenRequestAbout};
use serde::Serialize;
use services::{OAuthError, ServiceError};
use std::convert::Infallible;
use std::task::{Context, Poll};
use tower::Service;
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
        token_endpoint: format!("{issuer}{TOKEN_PATH}"),
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
    path = TOKEN_PATH,
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
    answer_token(&state, &headers, &body).await
}

async fn answer_token(state: &AppState, headers: &HeaderMap, body: &Bytes) -> Response {
    match issue(state, headers, body).await {
        Ok(token) => json_no_store(token),
        Err(e) => e.into_response(),
    }
}

/// The token endpoint's path.
pub const TOKEN_PATH: &str = "/oauth/token";

/// `POST /oauth/token` as a service of its own, which `routes::Parts` calls before any router:
/// the busiest OAuth endpoint skips the router's lookup, its boxed route and the extensions it
/// allocates for path parameters. Other methods on the path still go to the router (405 with
/// `Allow`), and the OpenAPI description still comes from `token` above.
#[derive(Clone)]
pub struct TokenEndpoint {
    state: AppState,
    /// Each request in a span of its own when debug logging is on, as the router's trace
    /// layer would.
    spans: crate::telemetry::HotPathSpans,
}

impl TokenEndpoint {
    pub fn new(state: AppState) -> Self {
        TokenEndpoint {
            state,
            spans: crate::telemetry::HotPathSpans::new(),
        }
    }
}

impl<B> Service<Request<B>> for TokenEndpoint
where
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let state = self.state.clone();
        let span = self.spans.of(&request);
        crate::telemetry::boxed_in(span, async move {
            let (parts, body) = request.into_parts();
            // axum's own reading: the same 413 and 400 answers as a handler's `Bytes`.
            let body = match Bytes::from_request(Request::new(Body::new(body)), &()).await {
                Ok(body) => body,
                Err(rejection) => return Ok(rejection.into_response()),
            };
            Ok(answer_token(&state, &parts.headers, &body).await)
        })
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
