//! Who is calling `/api/v1` (or the gateway) once a bearer value checked out, and the
//! permission handles its scopes make.

use crate::ServiceError;
use crate::gate_cache::{ClientEntry, TokenEntry};
use crate::principal::{ClientManager, CredentialViewer, TokenManager};
use crate::tokens::AccessClaims;
use domain::credentials::Scope;
use std::sync::Arc;

/// Who is calling `/api/v1`, once the bearer value checked out.
#[derive(Clone, Debug)]
pub enum Caller {
    ApiClient {
        client: Arc<ClientEntry>,
        claims: Arc<AccessClaims>,
        /// The token's scopes that its client still has.
        scopes: Vec<Scope>,
    },
    RestrictedToken {
        token: Arc<TokenEntry>,
    },
}

impl Caller {
    pub fn organization_id(&self) -> &str {
        match self {
            Caller::ApiClient { client, .. } => &client.organization_id,
            Caller::RestrictedToken { token } => &token.organization_id,
        }
    }

    pub fn credential_id(&self) -> &str {
        match self {
            Caller::ApiClient { client, .. } => &client.id,
            Caller::RestrictedToken { token } => &token.id,
        }
    }

    /// The credential's rate limit and quota.
    pub fn limits(&self) -> &domain::credentials::Limits {
        match self {
            Caller::ApiClient { client, .. } => &client.limits,
            Caller::RestrictedToken { token } => &token.limits,
        }
    }

    pub fn has_scope(&self, scope: &Scope) -> bool {
        matches!(self, Caller::ApiClient { scopes, .. } if scopes.contains(scope))
    }

    /// The handle for reading the organization's credentials (`credentials:read`).
    pub fn credential_viewer(&self) -> Result<CredentialViewer<'_>, ServiceError> {
        self.require(&CredentialViewer::SCOPE)?;
        Ok(CredentialViewer::for_api(
            self.organization_id(),
            self.credential_id(),
        ))
    }

    /// The handles for changing them (`credentials:write`).
    pub fn client_manager(&self) -> Result<ClientManager<'_>, ServiceError> {
        self.require(&ClientManager::SCOPE)?;
        Ok(ClientManager::for_api(
            self.organization_id(),
            self.credential_id(),
        ))
    }

    pub fn token_manager(&self) -> Result<TokenManager<'_>, ServiceError> {
        self.require(&TokenManager::SCOPE)?;
        Ok(TokenManager::for_api(
            self.organization_id(),
            self.credential_id(),
        ))
    }

    fn require(&self, scope: &Scope) -> Result<(), ServiceError> {
        if self.has_scope(scope) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden)
        }
    }
}
