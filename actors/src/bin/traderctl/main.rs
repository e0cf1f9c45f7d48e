//! `traderctl`: control a running traderd over its HTTP API — status, orders, positions, the kill
//! switch, strategies, alerts, backtests and the live event stream — as tables or `--json`.
//!
//! Exit status: 0 success, 1 the server answered an error, 2 bad usage or local configuration,
//! 3 the server could not be reached (see `error`).

mod api;
mod args;
mod commands;
mod config_file;
mod error;
mod http_client;
mod profile;
mod server_url;
mod session;
mod table;
mod tls;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use crate::api::Api;
use crate::args::{Cli, Command, Global};
use crate::commands::Ctx;
use crate::config_file::ConfigFile;
use crate::error::CtlError;
use crate::profile::Sources;
use crate::session::Session;

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The config file to read and whether the user named it.
fn config_path(global: &Global) -> (Option<PathBuf>, bool) {
    match &global.config {
        Some(path) => (Some(path.clone()), true),
        None => {
            let dir = config_file::default_dir(env("XDG_CONFIG_HOME").as_deref(), env("HOME").as_deref());
            (dir.map(|d| d.join("config.toml")), false)
        }
    }
}

/// Reads every source and builds the client.
fn connect(global: &Global) -> Result<(Api, PathBuf), CtlError> {
    let (config_path, explicit) = config_path(global);
    let config = match &config_path {
        Some(path) => ConfigFile::load(path, explicit)?,
        None => ConfigFile::default(),
    };
    let session_path = config_path.as_deref().map(session::path_beside).unwrap_or_default();
    let session = if session_path.as_os_str().is_empty() { None } else { Session::load(&session_path)? };
    let sources = Sources {
        flag_server: global.server.clone(),
        flag_token: global.token.clone(),
        flag_ca_cert: global.ca_cert.clone(),
        env_server: env("TRADERCTL_SERVER"),
        env_token: env("TRADERCTL_TOKEN"),
        env_ca_cert: env("TRADERCTL_CA_CERT").map(PathBuf::from),
        config,
        session,
        state_dir: global.state_dir.clone().unwrap_or_else(|| PathBuf::from(profile::DEFAULT_STATE_DIR)),
    };
    let connection = profile::resolve(&sources, |path| std::fs::read_to_string(path))?;
    Ok((Api::new(connection, session_path.clone())?, session_path))
}

async fn run(cli: Cli) -> Result<(), CtlError> {
    let (api, session_path) = connect(&cli.global)?;
    if matches!(cli.command, Command::Login { .. } | Command::Logout) && session_path.as_os_str().is_empty() {
        return Err(CtlError::Usage("no config directory: set $HOME or $XDG_CONFIG_HOME, or pass --config".to_owned()));
    }
    let mut ctx = Ctx { api, json: cli.global.json, session_path };
    commands::run(&mut ctx, cli.command).await
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Help and version exit 0; usage errors exit 2.
        Err(e) => e.exit(),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(error::EXIT_CONNECTION);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(e.exit_code())
        }
    }
}
