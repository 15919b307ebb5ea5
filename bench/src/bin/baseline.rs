//! The baseline: a minimal axum server doing the same cryptography as Portcullis's hot paths
//! with no storage, no cache and no middleware, so that a run of both in the same invocation
//! shows what Portcullis costs on top of the HTTP stack and the cryptography.
//!
//! - `POST /oauth/token`: parse the form and the Basic header, compare the secret's SHA-256
//!   digest in constant time, sign an ES256 JWT the way Portcullis does: with an aws-lc-rs key
//!   pair parsed once at start (jsonwebtoken's `encode` parses its DER key for every
//!   signature, which would flatter the ratio), with the same claims of the same lengths (a
//!   random 32-character `jti`, `client_id` and `org` included, the issuer the address served
//!   as Portcullis's is, a 22-character key id): as many bytes to hash, sign and send; and
//!   answer with `Cache-Control: no-store` and `Pragma: no-cache` as RFC 6749 §5.1 requires;
//! - `GET /jwt/me`: verify an ES256 JWT with jsonwebtoken, every time;
//! - `GET /rat/me`: look a token's SHA-256 digest up in a hash map and answer the document
//!   Portcullis's `GET /api/v1/me` answers (the credential's type, id, name, organization and
//!   scopes), so that the two send the same bytes.
//!
//! Prints one line of JSON on stdout: `{"client_id", "client_secret", "jwt", "token"}`, the
//! values the load generator sends, then serves on the address given as the first argument.

#![allow(clippy::disallowed_methods)] // the baseline is the edge: no Clock of ours

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// The allocator of the `portcullis` binary: with glibc's, this process slows down as it
/// serves (a tenth over a minute of tokens, its CPU time per request rising from 30 to 35 µs
/// while Portcullis's stays put), and a ratio would depend on how long it had run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Serialize, Deserialize)]
struct Claims {
    iss: String,
    sub: String,
    client_id: String,
    aud: String,
    iat: u64,
    exp: u64,
    jti: String,
    scope: String,
    org: String,
}

/// What a token's digest finds: the fields of Portcullis's answer, ids of the same length.
struct Credential {
    id: String,
    name: String,
    organization_id: String,
    organization_name: String,
}

#[derive(Serialize)]
struct Me<'a> {
    credential_type: &'static str,
    id: &'a str,
    name: &'a str,
    organization: Organization<'a>,
    scopes: [&'a str; 0],
}

#[derive(Serialize)]
struct Organization<'a> {
    id: &'a str,
    name: &'a str,
}

/// A 32-character base62 id from the generator Portcullis's ids come from (AWS-LC's).
fn random_id() -> String {
    const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut bytes = [0u8; 32];
    aws_lc_rs::rand::fill(&mut bytes).unwrap_or_default();
    bytes
        .iter()
        .map(|b| BASE62[usize::from(*b) % 62] as char)
        .collect()
}

struct Baseline {
    /// `http://` and the address served, as Portcullis's issuer is: claims of the same
    /// length, so that both hash and encode as many bytes.
    issuer: String,
    audience: String,
    client_id: String,
    secret_digest: [u8; 32],
    signer: EcdsaKeyPair,
    decoding: DecodingKey,
    tokens: HashMap<[u8; 32], Credential>,
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

async fn token(State(b): State<Arc<Baseline>>, headers: HeaderMap, body: Bytes) -> Response {
    let form: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return StatusCode::BAD_REQUEST.into_response();
    }
    let Some((id, secret)) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|v| STANDARD.decode(v).ok())
        .and_then(|v| String::from_utf8(v).ok())
        .and_then(|v| {
            v.split_once(':')
                .map(|(a, b)| (a.to_string(), b.to_string()))
        })
    else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let digest: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
    if id != b.client_id || !bool::from(digest.ct_eq(&b.secret_digest)) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let iat = now();
    let claims = Claims {
        iss: b.issuer.clone(),
        sub: id.clone(),
        client_id: id,
        aud: b.audience.clone(),
        iat,
        exp: iat + 3600,
        jti: random_id(),
        scope: "credentials:read".into(),
        org: ORGANIZATION_ID.into(),
    };
    let mut header = Header::new(Algorithm::ES256);
    header.typ = Some("at+jwt".into());
    header.kid = Some(KID.into());
    match sign(&b.signer, &header, &claims) {
        // RFC 6749 §5.1: a token response must not be cached.
        Ok(jwt) => (
            [
                (header::CACHE_CONTROL, "no-store"),
                (header::PRAGMA, "no-cache"),
            ],
            axum::Json(serde_json::json!({
                "access_token": jwt, "token_type": "Bearer", "expires_in": 3600, "scope": claims.scope
            })),
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// A compact JWS `header.claims.signature`, signed with a key pair parsed once.
fn sign(
    pair: &EcdsaKeyPair,
    header: &impl Serialize,
    claims: &impl Serialize,
) -> Result<String, ()> {
    let header = serde_json::to_vec(header).map_err(|_| ())?;
    let claims = serde_json::to_vec(claims).map_err(|_| ())?;
    let mut jwt = String::with_capacity(512);
    URL_SAFE_NO_PAD.encode_string(header, &mut jwt);
    jwt.push('.');
    URL_SAFE_NO_PAD.encode_string(claims, &mut jwt);
    let signature = pair
        .sign(&SystemRandom::new(), jwt.as_bytes())
        .map_err(|_| ())?;
    jwt.push('.');
    URL_SAFE_NO_PAD.encode_string(signature.as_ref(), &mut jwt);
    Ok(jwt)
}

/// A key id as long as Portcullis's (22 base62 characters).
const KID: &str = "baselinekey00000000000";

/// The organization of the baseline's credentials.
const ORGANIZATION_ID: &str = "baselineorganization000000000000";

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

async fn jwt_me(State(b): State<Arc<Baseline>>, headers: HeaderMap) -> Response {
    let Some(token) = bearer(&headers) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let mut validation = Validation::new(Algorithm::ES256);
    validation.set_issuer(&[&b.issuer]);
    validation.set_audience(&[&b.audience]);
    match jsonwebtoken::decode::<Claims>(token, &b.decoding, &validation) {
        Ok(data) => axum::Json(serde_json::json!({"id": data.claims.sub})).into_response(),
        Err(_) => StatusCode::UNAUTHORIZED.into_response(),
    }
}

async fn rat_me(State(b): State<Arc<Baseline>>, headers: HeaderMap) -> Response {
    let Some(token) = bearer(&headers) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
    match b.tokens.get(&digest) {
        Some(c) => axum::Json(Me {
            credential_type: "restricted_access_token",
            id: &c.id,
            name: &c.name,
            organization: Organization {
                id: &c.organization_id,
                name: &c.organization_name,
            },
            scopes: [],
        })
        .into_response(),
        None => StatusCode::UNAUTHORIZED.into_response(),
    }
}

#[tokio::main]
async fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3200".into());
    let pkcs8 =
        EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
            .expect("key generation");
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref())
        .expect("key parsing");
    let point = pair.public_key().as_ref();
    let decoding = DecodingKey::from_ec_components(
        &URL_SAFE_NO_PAD.encode(&point[1..33]),
        &URL_SAFE_NO_PAD.encode(&point[33..65]),
    )
    .expect("public key");
    let client_id = "pci_baselineclient000000000".to_string();
    let client_secret = "pcs_baselinesecret0000000000000000000000000000000000".to_string();
    let restricted_token = "pcr_baselinetoken00000000000000000000000000000000000".to_string();
    let mut tokens = HashMap::new();
    // A realistic map: the one token among many.
    let credential = |name: String| Credential {
        id: random_id(),
        name,
        organization_id: ORGANIZATION_ID.into(),
        organization_name: "Bench".into(),
    };
    for i in 0..1000 {
        let other: [u8; 32] = Sha256::digest(format!("other-{i}").as_bytes()).into();
        tokens.insert(other, credential(format!("other {i}")));
    }
    tokens.insert(
        Sha256::digest(restricted_token.as_bytes()).into(),
        credential("Bench token".to_string()),
    );
    let issuer = format!("http://{addr}");
    let baseline = Arc::new(Baseline {
        audience: format!("{issuer}/api"),
        issuer,
        client_id: client_id.clone(),
        secret_digest: Sha256::digest(client_secret.as_bytes()).into(),
        signer: pair,
        decoding,
        tokens,
    });
    let iat = now();
    let claims = Claims {
        iss: baseline.issuer.clone(),
        sub: client_id.clone(),
        client_id: client_id.clone(),
        aud: baseline.audience.clone(),
        iat,
        exp: iat + 3600,
        jti: random_id(),
        scope: "credentials:read".into(),
        org: ORGANIZATION_ID.into(),
    };
    let mut header = Header::new(Algorithm::ES256);
    header.typ = Some("at+jwt".into());
    let jwt = sign(&baseline.signer, &header, &claims).expect("signing");
    println!(
        "{}",
        serde_json::json!({"client_id": client_id, "client_secret": client_secret, "jwt": jwt, "token": restricted_token})
    );
    let app = Router::new()
        .route("/oauth/token", post(token))
        .route("/jwt/me", get(jwt_me))
        .route("/rat/me", get(rat_me))
        .with_state(baseline);
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
    axum::serve(listener, app).await.expect("serve");
}
