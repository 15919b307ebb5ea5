use clap::Parser;
use server::Application;
use server::cli::{Cli, Command, ConfigCommand, KeysCommand, OrgCommand, Switch};
use server::config::Config;
use services::Services;
use std::process::ExitCode;
use store::Store;

/// glibc malloc's arena locks put the hot paths' worker threads to sleep on each other
/// (futex calls per `/api/v1/me` answer: 0.12 with glibc, 0.026 with mimalloc, by `strace -c`);
/// mimalloc serves the many small per-request allocations from per-thread pages.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    server::telemetry::init();
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(cli.config).await,
        Command::Migrate => migrate(&cli.config).await,
        Command::Org {
            command: OrgCommand::ApiAccess { org, state },
        } => api_access(&cli.config, &org, state == Switch::On).await,
        Command::Keys {
            command: KeysCommand::Rotate,
        } => rotate_keys(&cli.config).await,
        Command::Keys {
            command: KeysCommand::Revoke { kid },
        } => revoke_key(&cli.config, &kid).await,
        Command::Config {
            command: ConfigCommand::Check { file },
        } => check_config(&file),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("portcullis: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn open_store(config: &Config) -> Result<Store, String> {
    Store::open(config.database_url.expose())
        .await
        .map_err(|e| format!("cannot open the database: {e}"))
}

async fn serve(config: Config) -> Result<(), String> {
    let app = Application::build(&config, services::clock::system()).await?;
    let backend = app.services().store().backend();
    tracing::info!(address = %config.site_addr, ?backend, "serving");
    let store = app.services().store().clone();
    app.run_until_stopped(server::shutdown_signal())
        .await
        .map_err(|e| format!("server error: {e}"))?;
    store.close().await;
    Ok(())
}

/// `config check FILE`: what the file guards, or every problem with its line.
fn check_config(file: &std::path::Path) -> Result<(), String> {
    let api = server::operator::load(file).map_err(|e| format!("bad configuration:\n{e}"))?;
    println!(
        "{}: ok: {:?} with {} scope(s) and {} route(s)",
        file.display(),
        api.name,
        api.scopes.len(),
        api.routes.routes().len()
    );
    for line in &api.routes_without_upstream {
        println!(
            "{}:{line}: note: this route has no upstream; forward-auth can guard it, the gateway cannot",
            file.display()
        );
    }
    Ok(())
}

/// The services a CLI command works through: the same constructor as the server's.
async fn cli_services(config: &Config) -> Result<Services, String> {
    let store = open_store(config).await?;
    let api = config.operator_api()?;
    Ok(server::services(
        config,
        &api,
        store,
        services::clock::system(),
    ))
}

async fn migrate(config: &Config) -> Result<(), String> {
    open_store(config).await?;
    println!("database is up to date");
    Ok(())
}

async fn api_access(config: &Config, org: &str, on: bool) -> Result<(), String> {
    let services = cli_services(config).await?;
    let found = services
        .store()
        .find_organization(org)
        .await
        .map_err(|e| format!("organization {org:?}: {e}"))?;
    services
        .set_api_access(services::Actor::CLI, &found.id, on, services.now())
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "API access for {} ({}) is now {}",
        found.name,
        found.id,
        if on { "on" } else { "off" }
    );
    Ok(())
}

/// The services of a `keys` command: the stored keys are checked (and sealed) first, as at
/// the server's start.
async fn key_services(config: &Config) -> Result<Services, String> {
    config.check_key_encryption()?;
    let services = cli_services(config).await?;
    server::protect_signing_keys(&services).await?;
    Ok(services)
}

async fn rotate_keys(config: &Config) -> Result<(), String> {
    let services = key_services(config).await?;
    let kid = services
        .rotate_signing_key(services::Actor::CLI, services.now())
        .await
        .map_err(|e| format!("cannot rotate the signing key: {e}"))?;
    services.store().close().await;
    println!(
        "new {} signing key {kid}; the previous key stays published until its tokens expire",
        config.signing_alg
    );
    Ok(())
}

async fn revoke_key(config: &Config, kid: &str) -> Result<(), String> {
    let services = key_services(config).await?;
    let replacement = services
        .revoke_signing_key(services::Actor::CLI, kid, services.now())
        .await
        .map_err(|e| match e {
            services::ServiceError::NotFound => format!("there is no signing key {kid:?}"),
            other => format!("cannot revoke the signing key: {other}"),
        })?;
    services.store().close().await;
    match replacement {
        Some(new) => println!(
            "signing key {kid} revoked: every token it signed is refused; new tokens are signed with {new}"
        ),
        None => println!("signing key {kid} revoked: every token it signed is refused"),
    }
    Ok(())
}
