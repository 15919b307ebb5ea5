//! The credential lifecycle (PRODUCT.md §10): **Rotate secret** for API Clients, **Regenerate
//! token** and **Revoke** for Restricted Access Tokens. A rotation may keep the old secret
//! working for up to a week; both then work until the old one's end, checked to the second on
//! every instance (the gate's entries carry the end, and the change log drops them
//! everywhere). Permissions are those of editing: the same handles.

use crate::audit::{Changes, Target, event};
use crate::credentials::{API_CLIENT, RESTRICTED_TOKEN, api_client_view, restricted_token_view};
use crate::principal::{ClientManager, TokenManager};
use crate::{ServiceError, Services, secrets};
use domain::audit::AuditAction;
use domain::credentials::{
    RANDOM_LEN, SecretKind, TokenStatus, last_four, parse_keep_old, secret_from_random,
};
use domain::models::{CreatedApiClient, CreatedRestrictedToken, RestrictedTokenView};
use domain::{CredentialId, OrgId};
use store::Replacement;

/// A new random secret of `kind`, its digest and its last four.
fn new_secret(kind: SecretKind) -> (String, String, String) {
    let secret = secret_from_random(kind, &secrets::random_base62(RANDOM_LEN));
    let digest = secrets::digest(&secret);
    let four = last_four(&secret);
    (secret, digest, four)
}

/// When the old secret stops, for `keep` seconds from `now` (`None` for 0: at once).
fn keep_until(keep: i64, now: i64) -> Option<i64> {
    (keep > 0).then_some(now + keep)
}

impl Services {
    /// **Rotate secret**: a new secret at once; the old one keeps working for
    /// `keep_old_for_seconds` (as typed: 0 to 604800).
    pub async fn rotate_client_secret(
        &self,
        manager: ClientManager<'_>,
        id: &str,
        keep_old_for_seconds: &str,
        now: i64,
    ) -> Result<CreatedApiClient, ServiceError> {
        let keep = parse_keep_old(keep_old_for_seconds)?;
        let org = manager.organization_id();
        let current = self
            .store()
            .get_api_client(OrgId::new(org), CredentialId::new(id))
            .await?;
        let (secret, digest, four) = new_secret(SecretKind::ClientSecret);
        let until = keep_until(keep, now);
        let audit = event(
            manager.actor(),
            Some(org),
            AuditAction::ApiClientSecretRotated,
            Target {
                kind: API_CLIENT,
                id,
                name: &current.name,
            },
            Changes::new()
                .diff("secret_last_four", current.secret_last_four.as_str(), &four)
                .set("keep_old_for_seconds", keep),
            now,
        );
        let record = self
            .store()
            .rotate_api_client_secret(
                OrgId::new(org),
                CredentialId::new(id),
                Replacement {
                    digest: &digest,
                    last_four: &four,
                    keep_old_until: until,
                },
                now,
                &audit,
            )
            .await?;
        self.forget_client(&record.client_id);
        tracing::info!(
            credential_id = id,
            org_id = org,
            keep,
            "API Client secret rotated"
        );
        Ok(CreatedApiClient {
            client: api_client_view(record, now),
            client_secret: secret.into(),
        })
    }

    /// **Regenerate token**: like `rotate_client_secret`. A revoked token cannot be.
    pub async fn regenerate_restricted_token(
        &self,
        manager: TokenManager<'_>,
        id: &str,
        keep_old_for_seconds: &str,
        now: i64,
    ) -> Result<CreatedRestrictedToken, ServiceError> {
        let keep = parse_keep_old(keep_old_for_seconds)?;
        let org = manager.organization_id();
        let current = self
            .store()
            .get_restricted_token(OrgId::new(org), CredentialId::new(id))
            .await?;
        if current.revoked_at.is_some() {
            return Err(ServiceError::Revoked);
        }
        let (secret, digest, four) = new_secret(SecretKind::RestrictedToken);
        let audit = event(
            manager.actor(),
            Some(org),
            AuditAction::TokenRegenerated,
            Target {
                kind: RESTRICTED_TOKEN,
                id,
                name: &current.name,
            },
            Changes::new()
                .diff("token_last_four", current.token_last_four.as_str(), &four)
                .set("keep_old_for_seconds", keep),
            now,
        );
        let record = self
            .store()
            .regenerate_restricted_token(
                OrgId::new(org),
                CredentialId::new(id),
                Replacement {
                    digest: &digest,
                    last_four: &four,
                    keep_old_until: keep_until(keep, now),
                },
                now,
                &audit,
            )
            .await?;
        self.forget_token_id(id);
        tracing::info!(
            credential_id = id,
            org_id = org,
            keep,
            "Restricted Access Token regenerated"
        );
        Ok(CreatedRestrictedToken {
            token: restricted_token_view(record, now),
            secret: secret.into(),
        })
    }

    /// **Revoke**: permanent. The token stays listed as `revoked`; it and any kept previous
    /// token are refused from the next request on, on every instance.
    pub async fn revoke_restricted_token(
        &self,
        manager: TokenManager<'_>,
        id: &str,
        now: i64,
    ) -> Result<RestrictedTokenView, ServiceError> {
        let org = manager.organization_id();
        let current = self
            .store()
            .get_restricted_token(OrgId::new(org), CredentialId::new(id))
            .await?;
        if current.revoked_at.is_some() {
            return Err(ServiceError::Revoked);
        }
        let audit = event(
            manager.actor(),
            Some(org),
            AuditAction::TokenRevoked,
            Target {
                kind: RESTRICTED_TOKEN,
                id,
                name: &current.name,
            },
            Changes::new().diff(
                "status",
                TokenStatus::of(false, current.expires_at, now).as_str(),
                "revoked",
            ),
            now,
        );
        let record = self
            .store()
            .revoke_restricted_token(OrgId::new(org), CredentialId::new(id), now, &audit)
            .await?;
        self.forget_token_id(id);
        tracing::info!(
            credential_id = id,
            org_id = org,
            "Restricted Access Token revoked"
        );
        Ok(restricted_token_view(record, now))
    }
}
