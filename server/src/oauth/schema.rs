//! The OAuth endpoints' documents as the OpenAPI description shows them: the requests (read
//! by `client_auth::Form`), and the answers whose Rust types live elsewhere.

use serde::Serialize;
use services::keys::Jwk;
use utoipa::ToSchema;

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
    pub(super) issuer: String,
    pub(super) token_endpoint: String,
    pub(super) jwks_uri: String,
    pub(super) introspection_endpoint: String,
    pub(super) revocation_endpoint: String,
    pub(super) grant_types_supported: Vec<&'static str>,
    pub(super) token_endpoint_auth_methods_supported: Vec<&'static str>,
    pub(super) introspection_endpoint_auth_methods_supported: Vec<&'static str>,
    pub(super) revocation_endpoint_auth_methods_supported: Vec<&'static str>,
    pub(super) scopes_supported: Vec<String>,
    pub(super) response_types_supported: Vec<&'static str>,
    pub(super) service_documentation: String,
}

/// The public signing keys (RFC 7517 JWK Set).
#[derive(Serialize, ToSchema)]
pub struct JwkSet {
    #[schema(value_type = Vec<JwkSchema>)]
    pub(super) keys: Vec<Jwk>,
}

/// A public key (RFC 7517): EC P-256 (`crv`, `x`, `y`) or RSA (`n`, `e`). Describes
/// `services::keys::Jwk` for the OpenAPI document.
#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct JwkSchema {
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
pub(super) struct IntrospectionSchema {
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
