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
