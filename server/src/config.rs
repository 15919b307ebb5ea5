//! Configuration: environment variables, each with a matching flag (PRODUCT.md §1).

use crate::client_ip::TrustedProxies;
use crate::operator::{self, OperatorApi};
use clap::Args;
use domain::credentials::ScopeCatalog;
use services::{KeyEncryptionKey, SigningAlg, TokenSettings};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Args, Clone, Debug)]
pub struct Config {
    /// SQLite (`sqlite://path`) or PostgreSQL (`postgres://...`) database.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/portcullis.db",
        value_parser = DatabaseUrl::parse,
        hide_env_values = true,
        global = true
    )]
    pub database_url: DatabaseUrl,

    /// Address to listen on.
    #[arg(
        long,
        env = "LEPTOS_SITE_ADDR",
        default_value = "127.0.0.1:3000",
        global = true
    )]
    pub site_addr: SocketAddr,

    /// Folder with the built browser bundle (`pkg/`), as the build writes it.
    #[arg(
        long,
        env = "LEPTOS_SITE_ROOT",
        default_value = "target/site",
        global = true
    )]
    pub site_root: String,

    /// The public base URL of this instance; defaults to http:// + the site address.
    #[arg(long, env = "PORTCULLIS_ISSUER", global = true)]
    pub issuer: Option<String>,

    /// The `aud` of access tokens; defaults to the issuer + `/api`.
    #[arg(long, env = "PORTCULLIS_AUDIENCE", global = true)]
    pub audience: Option<String>,

    /// The algorithm new access tokens are signed with: ES256 or RS256. Changing it rotates the
    /// signing key; tokens signed before stay valid until they expire.
    #[arg(
        long,
        env = "PORTCULLIS_SIGNING_ALG",
        default_value = "ES256",
        global = true
    )]
    pub signing_alg: SigningAlg,

    /// Comma-separated CIDRs of reverse proxies whose `X-Forwarded-For` is believed.
    #[arg(
        long,
        env = "PORTCULLIS_TRUSTED_PROXIES",
        default_value = "",
        value_parser = TrustedProxies::parse,
        global = true
    )]
    pub trusted_proxies: TrustedProxies,

    /// Comma-separated host names the console and API also answer for, besides the issuer's
    /// host, `localhost` and IP addresses (e.g. the name a reverse proxy uses to reach this
    /// instance). Requests for any other `Host` get 421.
    #[arg(
        long,
        env = "PORTCULLIS_ALLOWED_HOSTS",
        value_delimiter = ',',
        global = true
    )]
    pub allowed_hosts: Vec<String>,

    /// Encrypts private signing keys at rest: 32 bytes in base64 (`openssl rand -base64 32`).
    /// Keep it apart from the database and its backups: without it sealed keys cannot be used.
    #[arg(
        long,
        env = "PORTCULLIS_KEY_ENCRYPTION_KEY",
        value_parser = KeyEncryptionSetting::parse,
        hide_env_values = true,
        global = true
    )]
    pub key_encryption_key: Option<KeyEncryptionSetting>,

    /// The operator's API description (TOML, PRODUCT.md §8): scopes, routes, upstreams.
    #[arg(long = "config", env = "PORTCULLIS_CONFIG", global = true)]
    pub config_file: Option<PathBuf>,

    /// Seconds a client has to send a request's header; also how long a keep-alive connection
    /// may stay idle between requests. Slower connections are closed.
    #[arg(
        long,
        env = "PORTCULLIS_HEADER_TIMEOUT",
        default_value_t = 10,
        value_parser = clap::value_parser!(u64).range(1..=300),
        global = true
    )]
    pub header_timeout: u64,

    /// Connections each listener keeps open at once; more wait in the kernel's queue.
    #[arg(
        long,
        env = "PORTCULLIS_MAX_CONNECTIONS",
        default_value_t = 10_000,
        value_parser = clap::value_parser!(u64).range(1..=1_000_000),
        global = true
    )]
    pub max_connections: u64,

    /// Days the audit log keeps an event; older ones are deleted (hourly).
    #[arg(
        long,
        env = "PORTCULLIS_AUDIT_RETENTION_DAYS",
        default_value_t = 400,
        value_parser = clap::value_parser!(u32).range(1..=36_500),
        global = true
    )]
    pub audit_retention_days: u32,

    /// Where the gateway listens (e.g. 127.0.0.1:8000): it serves the configured routes only.
    #[arg(long, env = "PORTCULLIS_GATEWAY_ADDR", global = true)]
    pub gateway_addr: Option<SocketAddr>,

    /// `true` lets anyone create a new organization at /signup.
    #[arg(
        long,
        env = "PORTCULLIS_OPEN_SIGNUP",
        default_value = "false",
        action = clap::ArgAction::Set,
        global = true
    )]
    pub open_signup: bool,

    /// Test hooks for process tests (SIGUSR1 stops the change-log follower). Never in production.
    #[arg(
        long,
        env = "PORTCULLIS_TEST_HOOKS",
        default_value = "false",
        action = clap::ArgAction::Set,
        global = true,
        hide = true
    )]
    pub test_hooks: bool,
}

/// `DATABASE_URL`: its `Debug` hides the password (`postgres://user:***@host/db`).
#[derive(Clone)]
pub struct DatabaseUrl(domain::Secret);

impl DatabaseUrl {
    fn parse(value: &str) -> Result<DatabaseUrl, String> {
        Ok(DatabaseUrl::from(value))
    }

    /// The URL itself, for opening the database.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }
}

impl From<&str> for DatabaseUrl {
    fn from(value: &str) -> DatabaseUrl {
        DatabaseUrl(domain::Secret::new(value))
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let url = self.expose();
        // scheme://[user[:password]@]rest: everything between the first ':' after the user
        // and the last '@' of the authority is the password.
        let shown = match url.split_once("://") {
            Some((scheme, rest)) => {
                let authority_end = rest.find('/').unwrap_or(rest.len());
                match rest[..authority_end].rfind('@') {
                    Some(at) if rest[..at].contains(':') => {
                        let user = rest[..at].split(':').next().unwrap_or_default();
                        format!("{scheme}://{user}:***{}", &rest[at..])
                    }
                    Some(_) => url.to_string(),
                    None => url.to_string(),
                }
            }
            None => "(not a URL)".to_string(),
        };
        write!(f, "DatabaseUrl({shown:?})")
    }
}

/// `PORTCULLIS_KEY_ENCRYPTION_KEY` as given: the key, or why it is not one. Parsing never
/// fails in clap, whose error would repeat the value; `Config::check_key_encryption` reports
/// the problem at start without it.
#[derive(Clone, Debug)]
pub struct KeyEncryptionSetting(Result<KeyEncryptionKey, String>);

impl KeyEncryptionSetting {
    fn parse(value: &str) -> Result<KeyEncryptionSetting, String> {
        Ok(KeyEncryptionSetting(KeyEncryptionKey::from_base64(value)))
    }
}

impl Config {
    /// A malformed `PORTCULLIS_KEY_ENCRYPTION_KEY` stops the start; the message names the
    /// variable and nothing of its value.
    pub fn check_key_encryption(&self) -> Result<(), String> {
        match &self.key_encryption_key {
            Some(KeyEncryptionSetting(Err(problem))) => Err(problem.clone()),
            _ => Ok(()),
        }
    }

    pub fn issuer(&self) -> String {
        match &self.issuer {
            Some(issuer) => issuer.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.site_addr),
        }
    }

    /// The operator's API from `PORTCULLIS_CONFIG`, checked; none without the variable. With a
    /// gateway, every route needs an upstream.
    pub fn operator_api(&self) -> Result<OperatorApi, String> {
        let Some(file) = &self.config_file else {
            return Ok(OperatorApi::default());
        };
        let api = operator::load(file).map_err(|e| format!("bad configuration:\n{e}"))?;
        if self.gateway_addr.is_some()
            && let Some(line) = api.routes_without_upstream.first()
        {
            return Err(format!(
                "bad configuration:\n{}:{line}: this route has no upstream, which the gateway \
                 (PORTCULLIS_GATEWAY_ADDR) needs",
                file.display()
            ));
        }
        Ok(api)
    }

    /// The token settings, with the operator's scopes beside Portcullis's own.
    pub fn token_settings(&self, api: &OperatorApi) -> TokenSettings {
        let mut settings = TokenSettings::for_issuer(&self.issuer());
        if let Some(audience) = self
            .audience
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
        {
            settings.audience = audience.to_string();
        }
        settings.alg = self.signing_alg;
        settings.scopes = ScopeCatalog::with_operator_scopes(api.scopes.clone());
        settings.api_name = Some(api.name.clone()).filter(|name| !name.is_empty());
        settings.application_types =
            domain::credentials::ApplicationTypes::new(api.application_types.clone());
        settings.key_encryption = self
            .key_encryption_key
            .as_ref()
            .and_then(|setting| setting.0.clone().ok());
        settings
    }

    /// Cookies are marked `Secure` when the instance is served over https.
    pub fn secure_cookies(&self) -> bool {
        self.issuer().starts_with("https://")
    }
}
