//! `traderd`: the trading daemon. `run` trades (paper by default), `validate` checks a config,
//! `backtest` runs strategies over historical bars, `user add` creates a user and `audit verify`
//! checks the audit log's hash chain while the daemon is stopped.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use trader::config::{Problems, TraderConfig};
use trader_actors::audit::offline as audit_offline;
use trader_actors::auth::{AuthConfig, Role};
use trader_actors::backtest_cli::{self, BacktestArgs};
use trader_actors::daemon::{config_from_text, resolve_state_dir, Daemon, DaemonOptions};
use trader_actors::offline_users;
use trader_actors::signals::{self, Control};

/// The configuration `run` uses without `--config`: `config/traderd.toml`, compiled in.
const EMBEDDED_CONFIG: &str = include_str!("../../config/traderd.toml");

#[derive(Parser)]
#[command(name = "traderd", version, about = "Trading engine daemon for Indian markets")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Run the engine until SIGTERM or Ctrl-C.
    Run {
        /// Configuration file (default: the embedded paper-trading defaults).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Control plane address, overriding `daemon.listen` (loopback only unless `[api.tls]` is set).
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Journal directory, overriding `daemon.state_dir` and `$STATE_DIRECTORY`.
        #[arg(long)]
        state_dir: Option<PathBuf>,
        /// Log lines as readable text or as JSON (journald-friendly).
        #[arg(long, value_enum, default_value = "text")]
        log_format: LogFormat,
    },
    /// Check a configuration file; exits non-zero listing every error with its key path.
    Validate {
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Backtest a strategy on historical bars from a CSV file, or sweep a grid of its parameters.
    Backtest(BacktestArgs),
    /// Manage users while the daemon is stopped (a running daemon: POST /api/v1/admin/users).
    #[command(subcommand)]
    User(UserCommand),
    /// Check the audit log while the daemon is stopped.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Print the control plane's OpenAPI 3.1 document (what `GET /api/v1/openapi.json` serves),
    /// for client generators and offline validation.
    Openapi,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Verify the audit log's hash chain; exits non-zero naming the first changed, removed or
    /// reordered entry.
    Verify {
        /// State directory holding the journal (default as for `run`).
        #[arg(long)]
        state_dir: Option<PathBuf>,
        /// Configuration file, to find `daemon.state_dir`.
        #[arg(long)]
        config: Option<PathBuf>,
        /// The head an earlier verify printed (`SEQ:HASH`): the chain must end exactly there, which
        /// also detects entries removed from the end.
        #[arg(long)]
        expect_head: Option<String>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; the password is read from the first line of stdin (at least 12 characters).
    Add {
        /// Username: 1 to 32 ASCII letters, digits, `.`, `_` or `-`.
        name: String,
        /// viewer, trader, risk or admin.
        #[arg(long)]
        role: Role,
        /// State directory holding the journal (default as for `run`: `daemon.state_dir` of
        /// `--config`, `$STATE_DIRECTORY`, or ./var/traderd).
        #[arg(long)]
        state_dir: Option<PathBuf>,
        /// Configuration file, to find `daemon.state_dir`.
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

fn load_config(path: Option<&Path>) -> Result<TraderConfig, String> {
    let (text, origin) = match path {
        Some(path) => {
            (std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?, path.display().to_string())
        }
        None => (EMBEDDED_CONFIG.to_owned(), "embedded defaults".to_owned()),
    };
    let report = |problems: Problems| {
        let lines: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
        format!("{origin}: {} problem(s)\n{}", problems.len(), lines.join("\n"))
    };
    config_from_text(&text).map_err(report)
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colour only on a terminal: escape codes in files and journald are noise.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}

fn run(
    config_path: Option<PathBuf>,
    listen: Option<SocketAddr>,
    state_dir: Option<PathBuf>,
    format: LogFormat,
) -> ExitCode {
    init_logging(format);
    let config = match load_config(config_path.as_deref()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let listen = match listen.map(Ok).unwrap_or_else(|| config.daemon.listen.parse()) {
        Ok(addr) => addr,
        Err(e) => {
            eprintln!("daemon.listen: {e}");
            return ExitCode::from(2);
        }
    };
    let state_dir = resolve_state_dir(state_dir, &config);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let options = DaemonOptions {
            config,
            state_dir,
            listen,
            extra_strategies: Vec::new(),
            notify_systemd: true,
            auth: AuthConfig::default(),
        };
        let daemon = match Daemon::start(options).await {
            Ok(daemon) => daemon,
            Err(e) => {
                tracing::error!("cannot start: {e}");
                return ExitCode::FAILURE;
            }
        };
        daemon.config_reload.set_path(config_path);
        let mut controls = match signals::listen() {
            Ok(controls) => controls,
            Err(e) => {
                tracing::error!("cannot listen for signals: {e}");
                daemon.shutdown().await;
                return ExitCode::FAILURE;
            }
        };
        while let Some(control) = controls.recv().await {
            match control {
                Control::Shutdown => break,
                // Logs what changed, or every problem; an invalid file changes nothing.
                Control::Reload => match daemon.config_reload.reload_config("SIGHUP").await {
                    Ok(_) => {}
                    Err(signals::ReloadError::NoConfigFile) => {
                        tracing::info!("SIGHUP: running on the embedded defaults, nothing to reload")
                    }
                    Err(e) => tracing::error!("SIGHUP: configuration not reloaded: {e}"),
                },
            }
        }
        let not_stopped = daemon.shutdown().await;
        if not_stopped.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    })
}

fn user(command: UserCommand) -> ExitCode {
    let UserCommand::Add { name, role, state_dir, config } = command;
    let config = match load_config(config.as_deref()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let state_dir = resolve_state_dir(state_dir, &config);
    let password = match offline_users::read_password(std::io::stdin().lock()) {
        Ok(password) => password,
        Err(e) => {
            eprintln!("cannot read the password from stdin: {e}");
            return ExitCode::from(2);
        }
    };
    match offline_users::add_user(&state_dir, &name, &password, role, AuthConfig::default()) {
        Ok(()) => {
            println!("user `{name}` ({role}) added to {}", state_dir.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("user add: {e}");
            ExitCode::FAILURE
        }
    }
}

fn audit(command: AuditCommand) -> ExitCode {
    let AuditCommand::Verify { state_dir, config, expect_head } = command;
    let config = match load_config(config.as_deref()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let state_dir = resolve_state_dir(state_dir, &config);
    match audit_offline::verify_state_dir(&state_dir, expect_head.as_deref()) {
        Ok(verified) => {
            println!("audit chain intact: {} entries", verified.entries);
            println!("head: {}", audit_offline::head_text(&verified));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("audit verify: {e}");
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Some(Command::Run { config, listen, state_dir, log_format }) => run(config, listen, state_dir, log_format),
        Some(Command::Validate { config }) => match load_config(config.as_deref()) {
            Ok(_) => {
                println!("configuration is valid");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::from(2)
            }
        },
        Some(Command::Backtest(args)) => backtest_cli::run(args),
        Some(Command::User(command)) => user(command),
        Some(Command::Audit(command)) => audit(command),
        Some(Command::Openapi) => match trader_actors::control::openapi::document().to_pretty_json() {
            Ok(text) => {
                println!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("the OpenAPI document could not be serialised: {e}");
                ExitCode::FAILURE
            }
        },
        None => {
            println!("traderd {} — try `traderd run` or `traderd --help`", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
    }
}
