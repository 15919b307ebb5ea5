//! API Clients and Restricted Access Tokens, as the console (and later the public API) manage
//! them. Every operation takes the handle that proves its permission (see `principal.rs`).

use crate::audit::{Changes, Target, event};
use crate::pages::ListQuery;
use crate::principal::{ClientManager, CredentialViewer, TokenManager};
use crate::public_api::{ApiClientInput, RestrictedTokenInput};
use crate::{AdminPrincipal, ServiceError, Services, secrets};
use domain::FieldError;
use domain::audit::AuditAction;
use domain::credentials::{
    AllowedIps, AllowedOrigins, ApplicationTypes, CLIENT_ID_RANDOM_LEN, CredentialName,
    CredentialStatus, Description, ExpirationDate, Limits, MAX_CREDENTIALS_PER_KIND, RANDOM_LEN,
    ScopeCatalog, Scopes, SecretKind, TokenStatus, client_id_from_random, form_date_of, last_four,
    secret_from_random,
};
use domain::models::{
    ApiClientView, CreatedApiClient, CreatedRestrictedToken, CredentialsPage, PreviousSecretView,
    RestrictedTokenView,
};
use store::{
    ApiClientFields, ApiClientRecord, NewApiClient, NewRestrictedToken, PreviousSecret,
    RestrictedTokenFields, RestrictedTokenRecord,
};

/// The API Client form as typed: lists comma-separated, scopes space-separated, the date as
/// `YYYY-MM-DD` or empty.
#[derive(Clone, Debug, Default)]
pub struct ApiClientForm {
    pub name: String,
    pub description: String,
    pub allowed_origins: String,
    pub scopes: String,
    pub expiration_date: String,
    pub limits: LimitsForm,
    /// `custom` or an operator's type id; empty keeps the current one (`custom` when new).
    pub application_type: String,
}

/// The **Rate limit** and **Quota** inputs as typed: a number and a unit each; an empty number
/// is no limit.
#[derive(Clone, Debug, Default)]
pub struct LimitsForm {
    pub rate_limit_requests: String,
    pub rate_limit_per: String,
    pub quota_requests: String,
    pub quota_per: String,
}

impl LimitsForm {
    fn parse(&self) -> Result<Limits, FieldError> {
        Limits::parse_form(
            &self.rate_limit_requests,
            &self.rate_limit_per,
            &self.quota_requests,
            &self.quota_per,
        )
    }
}

#[derive(Clone, Debug, Default)]
pub struct RestrictedTokenForm {
    pub name: String,
    pub allowed_ips: String,
    pub expiration_date: String,
    pub limits: LimitsForm,
}

const FORMER_MEMBER: &str = "a former member";

/// An API Client's fields once validated, from the console's form or the public API's JSON.
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

/// Parses the date, except that an unchanged past date on an edit is kept as it is (so an
/// expired credential can still be renamed).
fn parse_expiry(input: &str, current: Option<i64>, now: i64) -> Result<Option<i64>, FieldError> {
    match ExpirationDate::parse_date(input, now) {
        Ok(date) => Ok(date.unix()),
        Err(e) => match current {
            Some(at) if form_date_of(at) == input.trim() => Ok(Some(at)),
            _ => Err(e),
        },
    }
}

fn parse_client(
    form: &ApiClientForm,
    catalog: &ScopeCatalog,
    types: &ApplicationTypes,
    current: Option<&ApiClientRecord>,
    now: i64,
) -> Result<ParsedClient, FieldError> {
    let current_type = current.map(|c| c.application_type.as_str());
    let current = current.and_then(|c| c.expires_at);
    Ok(ParsedClient {
        name: CredentialName::parse(&form.name)?,
        description: Description::parse(&form.description)?,
        origins: AllowedOrigins::parse_list(&form.allowed_origins)?.to_strings(),
        scopes: catalog.parse_scopes(&form.scopes)?,
        application_type: types.parse(&form.application_type, current_type)?,
        expires_at: parse_expiry(&form.expiration_date, current, now)?,
        limits: form.limits.parse()?,
    })
}

fn parse_token(
    form: &RestrictedTokenForm,
    current: Option<i64>,
    now: i64,
) -> Result<ParsedToken, FieldError> {
    Ok(ParsedToken {
        name: CredentialName::parse(&form.name)?,
        ips: AllowedIps::parse_list(&form.allowed_ips)?.to_strings(),
        expires_at: parse_expiry(&form.expiration_date, current, now)?,
        limits: form.limits.parse()?,
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
        query: &ListQuery,
        now: i64,
    ) -> Result<CredentialsPage, ServiceError> {
        // Both lists at once: round-trips in parallel rather than in a row.
        let (clients, tokens) = tokio::try_join!(
            self.api_clients_list(viewer, query, now),
            self.restricted_tokens_list(viewer, query, now)
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

    pub async fn create_api_client(
        &self,
        manager: ClientManager<'_>,
        form: &ApiClientForm,
        now: i64,
    ) -> Result<CreatedApiClient, ServiceError> {
        let parsed = parse_client(
            form,
            self.scope_catalog(),
            &self.token_settings().application_types,
            None,
            now,
        )?;
        self.insert_api_client(manager, parsed, now).await
    }

    /// `POST /api/v1/api-clients`.
    pub async fn create_api_client_from_api(
        &self,
        manager: ClientManager<'_>,
        input: &ApiClientInput,
        now: i64,
    ) -> Result<CreatedApiClient, ServiceError> {
        let parsed = input.parse(
            self.scope_catalog(),
            &self.token_settings().application_types,
            None,
            now,
        )?;
        self.insert_api_client(manager, parsed, now).await
    }

    async fn insert_api_client(
        &self,
        manager: ClientManager<'_>,
        parsed: ParsedClient,
        now: i64,
    ) -> Result<CreatedApiClient, ServiceError> {
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

    pub async fn update_api_client(
        &self,
        manager: ClientManager<'_>,
        id: &str,
        form: &ApiClientForm,
        now: i64,
    ) -> Result<ApiClientView, ServiceError> {
        let current = self
            .store()
            .get_api_client(manager.organization_id(), id)
            .await?;
        let parsed = parse_client(
            form,
            self.scope_catalog(),
            &self.token_settings().application_types,
            Some(&current),
            now,
        )?;
        self.save_api_client(manager, &current, parsed, now).await
    }

    /// `PATCH /api/v1/api-clients/{id}`: absent fields keep their values.
    pub async fn update_api_client_from_api(
        &self,
        manager: ClientManager<'_>,
        id: &str,
        input: &ApiClientInput,
        now: i64,
    ) -> Result<ApiClientView, ServiceError> {
        let current = self
            .store()
            .get_api_client(manager.organization_id(), id)
            .await?;
        let parsed = input.parse(
            self.scope_catalog(),
            &self.token_settings().application_types,
            Some(&current),
            now,
        )?;
        self.save_api_client(manager, &current, parsed, now).await
    }

    async fn save_api_client(
        &self,
        manager: ClientManager<'_>,
        current: &ApiClientRecord,
        parsed: ParsedClient,
        now: i64,
    ) -> Result<ApiClientView, ServiceError> {
        let id = current.id.as_str();
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
                manager.organization_id(),
                id,
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
            .get_api_client(manager.organization_id(), id)
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
            .delete_api_client(manager.organization_id(), id, &audit)
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
            .get_api_client(admin.organization_id(), id)
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
            .set_api_client_disabled(admin.organization_id(), id, disabled, now, &audit)
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

    pub async fn create_restricted_token(
        &self,
        manager: TokenManager<'_>,
        form: &RestrictedTokenForm,
        now: i64,
    ) -> Result<CreatedRestrictedToken, ServiceError> {
        let parsed = parse_token(form, None, now)?;
        self.insert_restricted_token(manager, parsed, now).await
    }

    /// `POST /api/v1/restricted-access-tokens`.
    pub async fn create_restricted_token_from_api(
        &self,
        manager: TokenManager<'_>,
        input: &RestrictedTokenInput,
        now: i64,
    ) -> Result<CreatedRestrictedToken, ServiceError> {
        let parsed = input.parse(None, now)?;
        self.insert_restricted_token(manager, parsed, now).await
    }

    async fn insert_restricted_token(
        &self,
        manager: TokenManager<'_>,
        parsed: ParsedToken,
        now: i64,
    ) -> Result<CreatedRestrictedToken, ServiceError> {
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

    pub async fn update_restricted_token(
        &self,
        manager: TokenManager<'_>,
        id: &str,
        form: &RestrictedTokenForm,
        now: i64,
    ) -> Result<RestrictedTokenView, ServiceError> {
        let current = self
            .store()
            .get_restricted_token(manager.organization_id(), id)
            .await?;
        let parsed = parse_token(form, current.expires_at, now)?;
        self.save_restricted_token(manager, &current, parsed, now)
            .await
    }

    /// `PATCH /api/v1/restricted-access-tokens/{id}`: absent fields keep their values.
    pub async fn update_restricted_token_from_api(
        &self,
        manager: TokenManager<'_>,
        id: &str,
        input: &RestrictedTokenInput,
        now: i64,
    ) -> Result<RestrictedTokenView, ServiceError> {
        let current = self
            .store()
            .get_restricted_token(manager.organization_id(), id)
            .await?;
        let parsed = input.parse(Some(&current), now)?;
        self.save_restricted_token(manager, &current, parsed, now)
            .await
    }

    async fn save_restricted_token(
        &self,
        manager: TokenManager<'_>,
        current: &RestrictedTokenRecord,
        parsed: ParsedToken,
        now: i64,
    ) -> Result<RestrictedTokenView, ServiceError> {
        let id = current.id.as_str();
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
            .update_restricted_token(manager.organization_id(), id, parsed.fields(), now, &audit)
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
            .get_restricted_token(manager.organization_id(), id)
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
            .delete_restricted_token(manager.organization_id(), id, &audit)
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
