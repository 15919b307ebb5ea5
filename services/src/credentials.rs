//! API Clients and Restricted Access Tokens, as the console (and later the public API) manage
//! them. Every operation takes the handle that proves its permission (see `principal.rs`).

use crate::audit::{Changes, Target, event};
use crate::pages::ListQuery;
use crate::principal::{ClientManager, CredentialViewer, TokenManager};
use crate::{AdminPrincipal, ServiceError, Services, secrets};
use domain::CredentialId;
use domain::FieldError;
use domain::audit::AuditAction;
use domain::credentials::{
    AllowedIps, ApiClientSpec, ApplicationTypes, CLIENT_ID_RANDOM_LEN, CredentialName,
    CredentialStatus, Description, Limits, MAX_CREDENTIALS_PER_KIND, Quota, RANDOM_LEN, RateLimit,
    RestrictedTokenSpec, ScopeCatalog, Scopes, SecretKind, TokenStatus, client_id_from_random,
    last_four, secret_from_random,
};
use domain::models::{
    ApiClientView, CreatedApiClient, CreatedRestrictedToken, CredentialsPage, PreviousSecretView,
    RestrictedTokenView,
};
use store::{
    ApiClientFields, ApiClientRecord, NewApiClient, NewRestrictedToken, PreviousSecret,
    RestrictedTokenFields, RestrictedTokenRecord,
};

const FORMER_MEMBER: &str = "a former member";

/// An API Client's fields once a spec is applied to what is there: what the store writes.
#[derive(Debug)]
pub(crate) struct ParsedClient {
    pub name: CredentialName,
    pub description: Description,
    pub origins: Vec<String>,
    pub scopes: Scopes,
    pub application_type: String,
    pub expires_at: Option<i64>,
    pub limits: Limits,
}

#[derive(Debug)]
pub(crate) struct ParsedToken {
    pub name: CredentialName,
    pub ips: Vec<String>,
    pub expires_at: Option<i64>,
    pub limits: Limits,
}

/// The name after a change: the new one, else the current one; a new credential needs one.
fn resolve_name(
    spec: Option<&CredentialName>,
    current: Option<&str>,
) -> Result<CredentialName, FieldError> {
    match spec {
        Some(name) => Ok(name.clone()),
        None => CredentialName::parse(current.unwrap_or_default()),
    }
}

/// Applies `spec` to the current client (`None` when creating): absent fields keep their
/// values or take the defaults.
fn resolve_client(
    spec: &ApiClientSpec,
    catalog: &ScopeCatalog,
    types: &ApplicationTypes,
    current: Option<&ApiClientRecord>,
    now: i64,
) -> Result<ParsedClient, FieldError> {
    let name = resolve_name(spec.name.as_ref(), current.map(|c| c.name.as_str()))?;
    let description = match &spec.description {
        Some(description) => description.clone(),
        None => Description::parse(
            current
                .and_then(|c| c.description.as_deref())
                .unwrap_or_default(),
        )?,
    };
    let origins = match (&spec.allowed_origins, current) {
        (Some(origins), _) => origins.to_strings(),
        (None, Some(c)) => c.allowed_origins.clone(),
        (None, None) => Vec::new(),
    };
    let scopes = match (&spec.scopes, current) {
        (Some(scopes), _) => scopes.clone(),
        // A scope the operator has since removed is dropped, not refused.
        (None, Some(c)) => catalog.parse_entries(
            c.scopes
                .split(' ')
                .filter(|name| catalog.parse(name).is_some()),
        )?,
        (None, None) => catalog.defaults(),
    };
    let application_type = types.parse(
        spec.application_type.as_deref().unwrap_or_default(),
        current.map(|c| c.application_type.as_str()),
    )?;
    let current_expiry = current.and_then(|c| c.expires_at);
    let expires_at = match spec.expires_at {
        Some(expiry) => expiry.resolve(current_expiry, now)?,
        None => current_expiry,
    };
    Ok(ParsedClient {
        name,
        description,
        origins,
        scopes,
        application_type,
        expires_at,
        limits: resolve_limits(spec.rate_limit, spec.quota, current.map(|c| c.limits())),
    })
}

fn resolve_limits(
    rate_limit: Option<Option<RateLimit>>,
    quota: Option<Option<Quota>>,
    current: Option<Limits>,
) -> Limits {
    let current = current.unwrap_or_default();
    Limits {
        rate_limit: rate_limit.unwrap_or(current.rate_limit),
        quota: quota.unwrap_or(current.quota),
    }
}

fn resolve_token(
    spec: &RestrictedTokenSpec,
    current: Option<&RestrictedTokenRecord>,
    now: i64,
) -> Result<ParsedToken, FieldError> {
    let name = resolve_name(spec.name.as_ref(), current.map(|c| c.name.as_str()))?;
    let ips = match (&spec.allowed_ips, current) {
        (Some(ips), _) => ips.to_strings(),
        (None, Some(c)) => c.allowed_ips.clone(),
        // A new token needs at least one entry: the list's own rule says so.
        (None, None) => AllowedIps::parse_entries([])?.to_strings(),
    };
    let current_expiry = current.and_then(|c| c.expires_at);
    let expires_at = match spec.expires_at {
        Some(expiry) => expiry.resolve(current_expiry, now)?,
        None => current_expiry,
    };
    Ok(ParsedToken {
        name,
        ips,
        expires_at,
        limits: resolve_limits(spec.rate_limit, spec.quota, current.map(|c| c.limits())),
    })
}

impl ParsedClient {
    fn fields<'a>(&'a self, scopes: &'a str) -> ApiClientFields<'a> {
        ApiClientFields {
            name: self.name.as_str(),
            description: self.description.as_option(),
            allowed_origins: &self.origins,
            scopes,
            application_type: &self.application_type,
            expires_at: self.expires_at,
            rate_limit: self.limits.rate_limit,
            quota: self.limits.quota,
        }
    }
}

/// The audit log's changed fields of an API Client: every field on creation, the changed ones on
/// an edit. (The secret and its digest are not fields.)
fn client_changes(before: Option<&ApiClientRecord>, after: &ParsedClient, scopes: &str) -> Changes {
    Changes::new()
        .field("name", before.map(|b| b.name.as_str()), after.name.as_str())
        .field(
            "description",
            before.map(|b| b.description.as_deref()),
            after.description.as_option(),
        )
        .field(
            "allowed_origins",
            before.map(|b| b.allowed_origins.as_slice()),
            after.origins.as_slice(),
        )
        .field("scopes", before.map(|b| b.scopes.as_str()), scopes)
        .field(
            "application_type",
            before.map(|b| b.application_type.as_str()),
            after.application_type.as_str(),
        )
        .field("expires_at", before.map(|b| b.expires_at), after.expires_at)
        .field(
            "rate_limit",
            before.map(|b| b.rate_limit),
            after.limits.rate_limit,
        )
        .field("quota", before.map(|b| b.quota), after.limits.quota)
}

fn token_changes(before: Option<&RestrictedTokenRecord>, after: &ParsedToken) -> Changes {
    Changes::new()
        .field("name", before.map(|b| b.name.as_str()), after.name.as_str())
        .field(
            "allowed_ips",
            before.map(|b| b.allowed_ips.as_slice()),
            after.ips.as_slice(),
        )
        .field("expires_at", before.map(|b| b.expires_at), after.expires_at)
        .field(
            "rate_limit",
            before.map(|b| b.rate_limit),
            after.limits.rate_limit,
        )
        .field("quota", before.map(|b| b.quota), after.limits.quota)
}

pub(crate) const API_CLIENT: &str = "api_client";
pub(crate) const RESTRICTED_TOKEN: &str = "restricted_access_token";

impl ParsedToken {
    fn fields(&self) -> RestrictedTokenFields<'_> {
        RestrictedTokenFields {
            name: self.name.as_str(),
            allowed_ips: &self.ips,
            expires_at: self.expires_at,
            rate_limit: self.limits.rate_limit,
            quota: self.limits.quota,
        }
    }
}

pub fn api_client_view(record: ApiClientRecord, now: i64) -> ApiClientView {
    let logo_url = record
        .logo_updated_at
        .map(|at| domain::models::logo_url(&record.id, at));
    ApiClientView {
        limits: record.limits(),
        status: CredentialStatus::of(record.disabled, record.expires_at, now),
        id: record.id,
        name: record.name,
        description: record.description,
        client_id: record.client_id,
        secret_last_four: record.secret_last_four,
        allowed_origins: record.allowed_origins,
        application_type: record.application_type,
        scopes: record
            .scopes
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        expires_at: record.expires_at,
        created_at: record.created_at,
        created_by: record
            .created_by
            .unwrap_or_else(|| FORMER_MEMBER.to_string()),
        last_used_at: None,
        previous_secret: previous_view(record.previous_secret, now),
        logo_url,
    }
}

/// What the console shows of a kept previous secret: nothing once it has ended.
fn previous_view(previous: Option<PreviousSecret>, now: i64) -> Option<PreviousSecretView> {
    previous
        .filter(|p| p.expires_at > now)
        .map(|p| PreviousSecretView {
            last_four: p.last_four,
            expires_at: p.expires_at,
        })
}

pub fn restricted_token_view(record: RestrictedTokenRecord, now: i64) -> RestrictedTokenView {
    RestrictedTokenView {
        limits: record.limits(),
        status: TokenStatus::of(record.revoked_at.is_some(), record.expires_at, now),
        previous_token: previous_view(record.previous_token, now),
        id: record.id,
        name: record.name,
        token_last_four: record.token_last_four,
        allowed_ips: record.allowed_ips,
        expires_at: record.expires_at,
        created_at: record.created_at,
        created_by: record
            .created_by
            .unwrap_or_else(|| FORMER_MEMBER.to_string()),
        last_used_at: None,
    }
}

impl Services {
    /// The first page of both tables whose names contain `query`'s name, each sorted by name
    /// case-insensitively (then by age, for equal names).
    pub async fn credentials_page(
        &self,
        viewer: CredentialViewer<'_>,
        clients_query: &ListQuery,
        tokens_query: &ListQuery,
        now: i64,
    ) -> Result<CredentialsPage, ServiceError> {
        // Both lists at once: round-trips in parallel rather than in a row.
        let (clients, tokens) = tokio::try_join!(
            self.api_clients_list(viewer, clients_query, now),
            self.restricted_tokens_list(viewer, tokens_query, now)
        )?;
        Ok(CredentialsPage {
            api_clients: clients.data,
            api_clients_next: clients.next_cursor,
            restricted_tokens: tokens.data,
            restricted_tokens_next: tokens.next_cursor,
            scopes: self.scope_catalog().clone(),
            application_types: self.token_settings().application_types.clone(),
            api_name: self.token_settings().api_name.clone(),
            now,
        })
    }

    /// Creates an API Client from the console's form or `POST /api/v1/api-clients`.
    pub async fn create_api_client(
        &self,
        manager: ClientManager<'_>,
        spec: &ApiClientSpec,
        now: i64,
    ) -> Result<CreatedApiClient, ServiceError> {
        let parsed = resolve_client(
            spec,
            self.scope_catalog(),
            &self.token_settings().application_types,
            None,
            now,
        )?;
        let scopes = parsed.scopes.to_space_separated();
        let secret = secret_from_random(
            SecretKind::ClientSecret,
            &secrets::random_base62(RANDOM_LEN),
        );
        let client_id = client_id_from_random(&secrets::random_base62(CLIENT_ID_RANDOM_LEN));
        let id = secrets::new_id();
        let audit = event(
            manager.actor(),
            Some(manager.organization_id()),
            AuditAction::ApiClientCreated,
            Target {
                kind: API_CLIENT,
                id: &id,
                name: parsed.name.as_str(),
            },
            client_changes(None, &parsed, &scopes).set("client_id", &client_id),
            now,
        );
        let record = self
            .store()
            .create_api_client(
                NewApiClient {
                    id: &id,
                    organization_id: manager.organization_id(),
                    client_id: &client_id,
                    secret_digest: &secrets::digest(&secret),
                    secret_last_four: &last_four(&secret),
                    created_by: manager.user_id(),
                    fields: parsed.fields(&scopes),
                },
                MAX_CREDENTIALS_PER_KIND,
                now,
                &audit,
            )
            .await?;
        tracing::info!(
            credential_id = id,
            client_id,
            org_id = manager.organization_id(),
            "API Client created"
        );
        Ok(CreatedApiClient {
            client: api_client_view(record, now),
            client_secret: secret.into(),
        })
    }

    /// Changes an API Client (the console's Edit form, `PATCH /api/v1/api-clients/{id}`): the
    /// spec's absent fields keep their values.
    pub async fn update_api_client(
        &self,
        manager: ClientManager<'_>,
        id: &str,
        spec: &ApiClientSpec,
        now: i64,
    ) -> Result<ApiClientView, ServiceError> {
        let current = self
            .store()
            .get_api_client(manager.org(), CredentialId::new(id))
            .await?;
        let parsed = resolve_client(
            spec,
            self.scope_catalog(),
            &self.token_settings().application_types,
            Some(&current),
            now,
        )?;
        let current = &current;
        let scopes = parsed.scopes.to_space_separated();
        let audit = event(
            manager.actor(),
            Some(manager.organization_id()),
            AuditAction::ApiClientUpdated,
            Target {
                kind: API_CLIENT,
                id,
                name: parsed.name.as_str(),
            },
            client_changes(Some(current), &parsed, &scopes),
            now,
        );
        let record = self
            .store()
            .update_api_client(
                manager.org(),
                CredentialId::new(id),
                parsed.fields(&scopes),
                now,
                &audit,
            )
            .await?;
        self.forget_client(&record.client_id);
        tracing::info!(
            credential_id = id,
            org_id = manager.organization_id(),
            "API Client updated"
        );
        Ok(api_client_view(record, now))
    }

    pub async fn delete_api_client(
        &self,
        manager: ClientManager<'_>,
        id: &str,
        now: i64,
    ) -> Result<(), ServiceError> {
        let current = self
            .store()
            .get_api_client(manager.org(), CredentialId::new(id))
            .await?;
        let audit = event(
            manager.actor(),
            Some(manager.organization_id()),
            AuditAction::ApiClientDeleted,
            Target {
                kind: API_CLIENT,
                id,
                name: &current.name,
            },
            Changes::new(),
            now,
        );
        let client_id = self
            .store()
            .delete_api_client(manager.org(), CredentialId::new(id), &audit)
            .await?;
        self.forget_client(&client_id);
        tracing::info!(
            credential_id = id,
            org_id = manager.organization_id(),
            "API Client deleted"
        );
        Ok(())
    }

    /// Disabling and enabling API Clients is for Admins.
    pub async fn set_api_client_disabled(
        &self,
        admin: AdminPrincipal<'_>,
        id: &str,
        disabled: bool,
        now: i64,
    ) -> Result<ApiClientView, ServiceError> {
        let current = self
            .store()
            .get_api_client(admin.org(), CredentialId::new(id))
            .await?;
        let audit = event(
            admin.actor(),
            Some(admin.organization_id()),
            if disabled {
                AuditAction::ApiClientDisabled
            } else {
                AuditAction::ApiClientEnabled
            },
            Target {
                kind: API_CLIENT,
                id,
                name: &current.name,
            },
            Changes::new().diff("disabled", current.disabled, disabled),
            now,
        );
        let record = self
            .store()
            .set_api_client_disabled(admin.org(), CredentialId::new(id), disabled, now, &audit)
            .await?;
        self.forget_client(&record.client_id);
        tracing::info!(
            credential_id = id,
            org_id = admin.organization_id(),
            disabled,
            "API Client status changed"
        );
        Ok(api_client_view(record, now))
    }

    /// Creates a Restricted Access Token from the console's form or
    /// `POST /api/v1/restricted-access-tokens`.
    pub async fn create_restricted_token(
        &self,
        manager: TokenManager<'_>,
        spec: &RestrictedTokenSpec,
        now: i64,
    ) -> Result<CreatedRestrictedToken, ServiceError> {
        let parsed = resolve_token(spec, None, now)?;
        let secret = secret_from_random(
            SecretKind::RestrictedToken,
            &secrets::random_base62(RANDOM_LEN),
        );
        let id = secrets::new_id();
        let audit = event(
            manager.actor(),
            Some(manager.organization_id()),
            AuditAction::TokenCreated,
            Target {
                kind: RESTRICTED_TOKEN,
                id: &id,
                name: parsed.name.as_str(),
            },
            token_changes(None, &parsed),
            now,
        );
        let record = self
            .store()
            .create_restricted_token(
                NewRestrictedToken {
                    id: &id,
                    organization_id: manager.organization_id(),
                    token_digest: &secrets::digest(&secret),
                    token_last_four: &last_four(&secret),
                    created_by: manager.user_id(),
                    fields: parsed.fields(),
                },
                MAX_CREDENTIALS_PER_KIND,
                now,
                &audit,
            )
            .await?;
        tracing::info!(
            credential_id = id,
            org_id = manager.organization_id(),
            "Restricted Access Token created"
        );
        Ok(CreatedRestrictedToken {
            token: restricted_token_view(record, now),
            secret: secret.into(),
        })
    }

    /// Changes a Restricted Access Token (the console's Edit form,
    /// `PATCH /api/v1/restricted-access-tokens/{id}`): absent fields keep their values.
    pub async fn update_restricted_token(
        &self,
        manager: TokenManager<'_>,
        id: &str,
        spec: &RestrictedTokenSpec,
        now: i64,
    ) -> Result<RestrictedTokenView, ServiceError> {
        let current = self
            .store()
            .get_restricted_token(manager.org(), CredentialId::new(id))
            .await?;
        let parsed = resolve_token(spec, Some(&current), now)?;
        let current = &current;
        let audit = event(
            manager.actor(),
            Some(manager.organization_id()),
            AuditAction::TokenUpdated,
            Target {
                kind: RESTRICTED_TOKEN,
                id,
                name: parsed.name.as_str(),
            },
            token_changes(Some(current), &parsed),
            now,
        );
        let record = self
            .store()
            .update_restricted_token(
                manager.org(),
                CredentialId::new(id),
                parsed.fields(),
                now,
                &audit,
            )
            .await?;
        self.forget_token_id(id);
        tracing::info!(
            credential_id = id,
            org_id = manager.organization_id(),
            "Restricted Access Token updated"
        );
        Ok(restricted_token_view(record, now))
    }

    pub async fn delete_restricted_token(
        &self,
        manager: TokenManager<'_>,
        id: &str,
        now: i64,
    ) -> Result<(), ServiceError> {
        let current = self
            .store()
            .get_restricted_token(manager.org(), CredentialId::new(id))
            .await?;
        let audit = event(
            manager.actor(),
            Some(manager.organization_id()),
            AuditAction::TokenDeleted,
            Target {
                kind: RESTRICTED_TOKEN,
                id,
                name: &current.name,
            },
            Changes::new(),
            now,
        );
        self.store()
            .delete_restricted_token(manager.org(), CredentialId::new(id), &audit)
            .await?;
        self.forget_token_id(id);
        tracing::info!(
            credential_id = id,
            org_id = manager.organization_id(),
            "Restricted Access Token deleted"
        );
        Ok(())
    }
}
