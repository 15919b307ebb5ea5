//! Who is calling `/api/v1` (or the gateway) once a bearer value checked out, and the
//! permission handles its scopes make.

use crate::ServiceError;
use crate::audit::{Actor, AuditReader};
use crate::gate_cache::{ClientEntry, TokenEntry};
use crate::principal::{ClientManager, CredentialViewer, TokenManager};
use crate::tokens::AccessClaims;
use domain::audit::ActorKind;
use domain::credentials::Scope;
use std::net::IpAddr;
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

    /// The credential's name.
    pub fn name(&self) -> &str {
        match self {
            Caller::ApiClient { client, .. } => &client.name,
            Caller::RestrictedToken { token } => &token.name,
        }
    }

    /// This caller, as the audit log names it (an API Client: the only credential that can
    /// change anything), calling from `address`.
    pub fn actor(&self, address: Option<IpAddr>) -> Actor<'_> {
        Actor {
            kind: ActorKind::ApiClient,
            id: self.credential_id(),
            name: self.name(),
            address,
        }
    }

    /// The handle for reading the organization's credentials (`credentials:read`).
    pub fn credential_viewer(&self) -> Result<CredentialViewer<'_>, ServiceError> {
        self.require(&CredentialViewer::SCOPE)?;
        Ok(CredentialViewer::for_api(
            self.organization_id(),
            self.actor(None),
        ))
    }

    /// The handles for changing them (`credentials:write`), acting from `address`.
    pub fn client_manager(
        &self,
        address: Option<IpAddr>,
    ) -> Result<ClientManager<'_>, ServiceError> {
        self.require(&ClientManager::SCOPE)?;
        Ok(ClientManager::for_api(
            self.organization_id(),
            self.actor(address),
        ))
    }

    pub fn token_manager(&self, address: Option<IpAddr>) -> Result<TokenManager<'_>, ServiceError> {
        self.require(&TokenManager::SCOPE)?;
        Ok(TokenManager::for_api(
            self.organization_id(),
            self.actor(address),
        ))
    }

    /// The handle for reading the audit log (`audit:read`).
    pub fn audit_reader(&self) -> Result<AuditReader<'_>, ServiceError> {
        self.require(&AuditReader::SCOPE)?;
        Ok(AuditReader::new(self.organization_id()))
    }

    fn require(&self, scope: &Scope) -> Result<(), ServiceError> {
        if self.has_scope(scope) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden)
        }
    }
}
