//! The `portcullis` command line.

use crate::config::Config;
use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "portcullis",
    version,
    about = "Self-hosted API credentials service"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub config: Config,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the console and the API (the default).
    Serve,
    /// Bring the database schema up to date, then exit.
    Migrate,
    /// Manage organizations.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// Manage the keys access tokens are signed with.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Work with the operator's API description (PORTCULLIS_CONFIG).
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Check a file: prints what it guards, or each problem with its line, and exits non-zero.
    Check {
        /// The TOML file.
        file: std::path::PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Start signing with a new key (of PORTCULLIS_SIGNING_ALG). The JWKS keeps publishing the
    /// old key until the last token it signed has expired; running servers switch within a
    /// second.
    Rotate,
    /// Withdraw a key at once (it was stolen): it leaves the JWKS and every token it signed is
    /// refused on every instance. If it was signing, a new key takes over first.
    Revoke {
        /// The key's id (`kid`), as the JWKS and token headers show it.
        kid: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum OrgCommand {
    /// Switch an organization's API access (the paid plan) on or off.
    ApiAccess {
        /// The organization's id or its exact name.
        org: String,
        /// `on` or `off`.
        state: Switch,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Switch {
    On,
    Off,
}
