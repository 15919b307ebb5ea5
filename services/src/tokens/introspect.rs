//! What an API Client may learn about a token (RFC 7662), and revoking its own (RFC 7009).

use super::BearerError;
use crate::caller::Caller;
use crate::gate_cache::ClientEntry;
use crate::{ServiceError, Services};
use domain::credentials::space_separated;
use serde::Serialize;

/// The introspection answer (RFC 7662 §2.2): `{"active": false}` or the token's details.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Introspection {
    pub active: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_ips: Option<Vec<String>>,
}

impl Services {
    /// RFC 7662: what `caller` may learn about `token`. Tokens of other organizations, and
    /// anything not currently valid, are `{"active": false}`.
    pub async fn introspect(
        &self,
        caller: &ClientEntry,
        token: &str,
        now: i64,
    ) -> Result<Introspection, ServiceError> {
        let inactive = Introspection::default();
        let issuer = &self.tokens.settings.issuer;
        match self.authenticate_bearer(token, now).await {
            Err(BearerError::Service(e)) => Err(e),
            Err(BearerError::InvalidToken) => Ok(inactive),
            Ok(found) if found.organization_id() != caller.organization_id => Ok(inactive),
            Ok(Caller::ApiClient { claims, scopes, .. }) => Ok(Introspection {
                active: true,
                credential_type: Some("api_client"),
                client_id: Some(claims.client_id.clone()),
                sub: Some(claims.sub.clone()),
                scope: Some(space_separated(&scopes)),
                exp: Some(claims.exp),
                iat: Some(claims.iat),
                iss: Some(claims.iss.clone()),
                aud: Some(claims.aud.clone()),
                jti: Some(claims.jti.clone()),
                token_type: Some("Bearer"),
                allowed_ips: None,
            }),
            Ok(Caller::RestrictedToken { token }) => Ok(Introspection {
                active: true,
                credential_type: Some("restricted_access_token"),
                sub: Some(token.id.clone()),
                exp: token.expires_at,
                iat: Some(token.created_at),
                iss: Some(issuer.clone()),
                aud: Some(self.tokens.settings.audience.clone()),
                jti: Some(token.id.clone()),
                token_type: Some("Bearer"),
                allowed_ips: Some(token.allowed_ips.to_strings()),
                ..inactive
            }),
        }
    }

    /// RFC 7009: revokes `token` if it is a valid access token issued to `caller`; anything
    /// else (unknown, expired, another client's, a Restricted Access Token) changes nothing,
    /// and the caller learns nothing either way.
    pub async fn revoke(
        &self,
        caller: &ClientEntry,
        token: &str,
        now: i64,
    ) -> Result<(), ServiceError> {
        let claims = match self.verify_access_token(token, now).await {
            Ok(claims) => claims,
            Err(BearerError::InvalidToken) => return Ok(()),
            Err(BearerError::Service(e)) => return Err(e),
        };
        if claims.client_id != caller.client_id {
            return Ok(());
        }
        self.store()
            .revoke_access_token(&claims.jti, &claims.client_id, claims.exp, now)
            .await?;
        self.tokens
            .cache
            .put_revoked(claims.jti.clone(), claims.exp);
        tracing::info!(client_id = %claims.client_id, jti = %claims.jti, "access token revoked");
        Ok(())
    }
}
