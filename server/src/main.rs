use clap::Parser;
use server::cli::{Cli, Command, KeysCommand, OrgCommand, Switch};
use server::config::Config;
use std::process::ExitCode;
use store::Store;

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
    Store::open(&config.database_url)
        .await
        .map_err(|e| format!("cannot open the database: {e}"))
}

async fn serve(config: Config) -> Result<(), String> {
    let store = open_store(&config).await?;
    let listener = tokio::net::TcpListener::bind(config.site_addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.site_addr))?;
    tracing::info!(address = %config.site_addr, backend = ?store.backend(), "serving");
    let app = server::router(&config, store.clone());
    tokio::spawn(server::housekeeping(store.clone()));
    server::serve(listener, app, server::shutdown_signal())
        .await
        .map_err(|e| format!("server error: {e}"))?;
    store.close().await;
    Ok(())
}

async fn migrate(config: &Config) -> Result<(), String> {
    open_store(config).await?;
    println!("database is up to date");
    Ok(())
}

async fn api_access(config: &Config, org: &str, on: bool) -> Result<(), String> {
    let store = open_store(config).await?;
    let found = store
        .find_organization(org)
        .await
        .map_err(|e| format!("organization {org:?}: {e}"))?;
    services::Services::new(store, false)
        .set_api_access(&found.id, on, services::unix_now())
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

async fn rotate_keys(config: &Config) -> Result<(), String> {
    let store = open_store(config).await?;
    let services =
        services::Services::with_token_settings(store.clone(), false, config.token_settings());
    let kid = services
        .rotate_signing_key(services::unix_now())
        .await
        .map_err(|e| format!("cannot rotate the signing key: {e}"))?;
    store.close().await;
    println!(
        "new {} signing key {kid}; the previous key stays published until its tokens expire",
        config.signing_alg
    );
    Ok(())
}
