//! The command line: global connection options and every command.

use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "\
CONNECTION (first found wins):
  server:  --server, $TRADERCTL_SERVER, `server` in the config file, the server of the last
           `traderctl login`, else http://127.0.0.1:7800 (traderd's default `daemon.listen`).
  token:   --token, $TRADERCTL_TOKEN, the session of `traderctl login` (for that server; refreshed
           when its access token has expired), `token` or `token_file` in the config file, and
           for a server on this machine <state-dir>/admin.token.
  config:  --config FILE, else $XDG_CONFIG_HOME/traderctl/config.toml or
           ~/.config/traderctl/config.toml, with the keys server, token or token_file, ca_cert.
           `login` keeps its session in session.json (mode 0600) beside that file.
  https:   the server's certificate must chain to --ca-cert FILE ($TRADERCTL_CA_CERT, `ca_cert`);
           no system roots are trusted. A token is never sent in clear to another machine.

EXIT STATUS:
  0  success
  1  the server refused the request or answered an error (its code, message and fields go to stderr)
  2  bad command line or local configuration
  3  the server could not be reached, or the connection broke";

/// Control a running traderd over its HTTP API.
#[derive(Debug, Parser)]
#[command(name = "traderctl", version, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Clone, Default, Args)]
pub struct Global {
    /// The control plane, e.g. http://127.0.0.1:7800 or https://trader.example.in:7800.
    #[arg(long, global = true, value_name = "URL")]
    pub server: Option<String>,
    /// A bearer token (prefer $TRADERCTL_TOKEN or a file: the command line is visible to other users).
    #[arg(long, global = true, value_name = "TOKEN")]
    pub token: Option<String>,
    /// Config file (default $XDG_CONFIG_HOME/traderctl/config.toml or ~/.config/traderctl/config.toml).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// traderd's state directory, for `admin.token` on the same machine (default ./var/traderd,
    /// traderd's default).
    #[arg(long, global = true, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// PEM file of the CA (or certificate) an https server must chain to.
    #[arg(long, global = true, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// Print the server's JSON instead of a table.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Log in with a username; the password is read from the first line of stdin (it is echoed
    /// on a terminal: pipe it, e.g. from a password manager). Keeps the session for later commands.
    Login {
        #[arg(long)]
        username: String,
    },
    /// End the session of `login` on the server and forget it here.
    Logout,
    /// Trading state, actors, queues, journal and feed.
    Status,
    /// List orders, oldest first, one page at a time.
    Orders(OrdersArgs),
    /// Show one order.
    Order { id: String },
    /// Place an order (it passes the daemon's risk gate).
    Place(PlaceArgs),
    /// Cancel an open order.
    Cancel { id: String },
    /// Cancel every open order (or only an instrument's, or a strategy's).
    CancelAll {
        /// Only this instrument's orders.
        #[arg(long)]
        instrument: Option<String>,
        /// Only this strategy's orders, or `manual` for those placed through the API.
        #[arg(long)]
        strategy: Option<String>,
    },
    /// Positions with marks and P&L.
    Positions,
    /// Cash, equity, P&L and exposure.
    Portfolio,
    /// The latest fills.
    Fills {
        /// How many (1 to 10000; server default 500).
        #[arg(long)]
        limit: Option<u32>,
    },
    /// Halt trading (`on`), resume it (`off`), or allow only position-reducing orders (`reducing`).
    KillSwitch(KillSwitchArgs),
    /// List strategies.
    Strategies,
    /// Start or stop a strategy.
    #[command(subcommand)]
    Strategy(StrategyCommand),
    /// List alert rules.
    Alerts,
    /// Add or remove an alert rule.
    #[command(subcommand)]
    Alert(AlertCommand),
    /// Submit a backtest or show one.
    #[command(subcommand)]
    Backtest(BacktestCommand),
    /// List backtest jobs of this daemon run, newest first.
    Backtests {
        /// Only jobs in this state: queued, running, done, failed, cancelled.
        #[arg(long)]
        status: Option<String>,
        /// At most this many (server default 50).
        #[arg(long)]
        limit: Option<u32>,
    },
    /// Print engine events as they happen until interrupted.
    Stream {
        /// Comma-separated topics: orders, fills, risk, alerts, strategies (default all).
        #[arg(long, value_name = "A,B")]
        topics: Option<String>,
    },
}

/// `orders`: filters and paging, passed to the server as query parameters.
#[derive(Debug, Default, Args)]
pub struct OrdersArgs {
    /// Only orders that can still fill (same as `--status open`).
    #[arg(long, conflicts_with = "status")]
    pub open: bool,
    /// `all`, `open`, or one status such as `filled` or `cancelled`.
    #[arg(long)]
    pub status: Option<String>,
    #[arg(long)]
    pub instrument: Option<String>,
    /// A strategy's id, or `manual`.
    #[arg(long)]
    pub strategy: Option<String>,
    #[arg(long, value_enum)]
    pub side: Option<SideArg>,
    /// Orders per page (server default 100).
    #[arg(long)]
    pub limit: Option<u32>,
    /// The cursor the previous page ended with.
    #[arg(long)]
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SideArg {
    Buy,
    Sell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProductArg {
    Intraday,
    Delivery,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ValidityArg {
    Day,
    Ioc,
}

/// `place`: a market order, a limit order, or with `--trigger` a stop order (sl / sl-m).
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("kind").required(true).args(["limit", "market"])))]
pub struct PlaceArgs {
    /// Instrument key, e.g. NSE_EQ|INE002A01018.
    #[arg(long)]
    pub instrument: String,
    #[arg(long, value_enum)]
    pub side: SideArg,
    /// Whole units.
    #[arg(long)]
    pub qty: u64,
    /// Limit price (a limit order; with --trigger a stop-limit order).
    #[arg(long, value_name = "PRICE")]
    pub limit: Option<String>,
    /// A market order (with --trigger a stop-market order).
    #[arg(long)]
    pub market: bool,
    /// Trigger price: makes the order a stop order.
    #[arg(long, value_name = "PRICE")]
    pub trigger: Option<String>,
    #[arg(long, value_enum)]
    pub product: Option<ProductArg>,
    #[arg(long, value_enum)]
    pub validity: Option<ValidityArg>,
    /// Idempotency key: placing again with the same id returns the first order.
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
    /// A free label.
    #[arg(long)]
    pub tag: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KillSwitchState {
    /// Halt: no new orders.
    On,
    /// Resume trading.
    Off,
    /// Only orders that shrink a position.
    Reducing,
}

#[derive(Debug, Args)]
pub struct KillSwitchArgs {
    #[arg(value_enum)]
    pub state: KillSwitchState,
    /// Why, for the audit log and the journal.
    #[arg(long)]
    pub reason: Option<String>,
    /// Also cancel every open order.
    #[arg(long)]
    pub cancel_open_orders: bool,
}

#[derive(Debug, Subcommand)]
pub enum StrategyCommand {
    /// Start (or restart) a strategy.
    Start { id: String },
    /// Stop a strategy; its open orders stay open.
    Stop { id: String },
}

#[derive(Debug, Subcommand)]
pub enum AlertCommand {
    /// Add a rule: exactly one of --above, --below, --crosses, --move-from or --volume-spike.
    Add(Box<AlertAddArgs>),
    /// Delete a rule.
    #[command(alias = "remove")]
    Rm { id: String },
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("condition").required(true)
    .args(["above", "below", "crosses", "move_from", "volume_spike"])))]
pub struct AlertAddArgs {
    /// The rule's name: letters, digits, `-`, `_`.
    #[arg(long)]
    pub id: String,
    #[arg(long)]
    pub instrument: String,
    /// Fire when the last trade is above PRICE.
    #[arg(long, value_name = "PRICE")]
    pub above: Option<String>,
    /// Fire when the last trade is below PRICE.
    #[arg(long, value_name = "PRICE")]
    pub below: Option<String>,
    /// Fire when the last trade crosses PRICE.
    #[arg(long, value_name = "PRICE")]
    pub crosses: Option<String>,
    /// Fire when the last trade moves --percent from this reference price.
    #[arg(long, value_name = "PRICE", requires = "percent")]
    pub move_from: Option<String>,
    /// A fraction: 0.02 is 2 %.
    #[arg(long, value_name = "FRACTION")]
    pub percent: Option<String>,
    /// Fire when one trade's quantity is this factor × the average of the previous --window trades.
    #[arg(long, value_name = "FACTOR", requires = "window")]
    pub volume_spike: Option<String>,
    #[arg(long, value_name = "TRADES")]
    pub window: Option<u64>,
    /// Fire repeatedly, at most once per this many milliseconds (default: once).
    #[arg(long, value_name = "MS")]
    pub repeat_ms: Option<u64>,
    /// Create the rule disabled.
    #[arg(long)]
    pub disabled: bool,
}

#[derive(Debug, Subcommand)]
pub enum BacktestCommand {
    /// Queue a backtest (or a sweep) on the daemon.
    Submit(Box<BacktestSubmitArgs>),
    /// A job's state and, once done, its summary.
    Status { id: u64 },
}

#[derive(Debug, Args)]
pub struct BacktestSubmitArgs {
    /// A CSV file name inside <state-dir>/data on the daemon's machine.
    #[arg(long)]
    pub data: String,
    #[arg(long)]
    pub instrument: Option<String>,
    /// sma_cross or donchian.
    #[arg(long)]
    pub strategy: Option<String>,
    /// A strategy parameter NAME=VALUE; a range 5..30:5 or a list 5,10 makes a sweep. Repeatable.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    #[arg(long)]
    pub cash: Option<String>,
    #[arg(long, conflicts_with = "charges")]
    pub commission: Option<String>,
    /// india-intraday or india-delivery.
    #[arg(long)]
    pub charges: Option<String>,
    /// next-open or close.
    #[arg(long)]
    pub fill: Option<String>,
    #[arg(long)]
    pub slippage_ticks: Option<u32>,
    #[arg(long)]
    pub utc_offset: Option<String>,
    /// Rank a sweep by this statistic.
    #[arg(long)]
    pub sort: Option<String>,
}

#[cfg(test)]
mod tests {
    use clap::error::ErrorKind;

    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("traderctl").chain(args.iter().copied()))
    }

    #[test]
    fn global_options_go_before_or_after_the_command() {
        let cli = parse(&["orders", "--open", "--json", "--server", "http://h:1"]).unwrap();
        assert!(matches!(cli.command, Command::Orders(OrdersArgs { open: true, .. })));
        assert!(parse(&["orders", "--open", "--status", "filled"]).is_err());
        assert!(cli.global.json);
        assert_eq!(cli.global.server.as_deref(), Some("http://h:1"));
        let cli = parse(&["--state-dir", "/s", "status"]).unwrap();
        assert_eq!(cli.global.state_dir, Some(PathBuf::from("/s")));
    }

    #[test]
    fn place_needs_exactly_one_of_limit_and_market() {
        let cli =
            parse(&["place", "--instrument", "NSE_EQ|X", "--side", "buy", "--qty", "5", "--limit", "10.5"]).unwrap();
        let Command::Place(place) = cli.command else { panic!("place") };
        assert_eq!(
            (place.side, place.qty, place.limit.as_deref(), place.market),
            (SideArg::Buy, 5, Some("10.5"), false)
        );
        let both = parse(&["place", "--instrument", "K", "--side", "buy", "--qty", "1", "--limit", "1", "--market"]);
        assert_eq!(both.unwrap_err().kind(), ErrorKind::ArgumentConflict);
        let neither = parse(&["place", "--instrument", "K", "--side", "buy", "--qty", "1"]);
        assert_eq!(neither.unwrap_err().kind(), ErrorKind::MissingRequiredArgument);
        let bad_side = parse(&["place", "--instrument", "K", "--side", "hold", "--qty", "1", "--market"]);
        assert_eq!(bad_side.unwrap_err().kind(), ErrorKind::InvalidValue);
    }

    #[test]
    fn subcommand_groups_and_value_enums() {
        assert!(matches!(
            parse(&["strategy", "stop", "sma"]).unwrap().command,
            Command::Strategy(StrategyCommand::Stop { id }) if id == "sma"
        ));
        assert!(matches!(parse(&["alert", "rm", "a1"]).unwrap().command, Command::Alert(AlertCommand::Rm { .. })));
        let Command::KillSwitch(ks) = parse(&["kill-switch", "on", "--reason", "drill"]).unwrap().command else {
            panic!("kill-switch")
        };
        assert_eq!((ks.state, ks.reason.as_deref()), (KillSwitchState::On, Some("drill")));
        assert!(matches!(parse(&["backtest", "status", "7"]).unwrap().command, Command::Backtest(_)));
        assert!(parse(&["backtest", "status", "seven"]).is_err());
        assert!(matches!(
            parse(&["cancel-all", "--strategy", "manual"]).unwrap().command,
            Command::CancelAll { instrument: None, strategy: Some(s) } if s == "manual"
        ));
    }

    #[test]
    fn an_alert_needs_one_condition_and_its_companion() {
        assert!(parse(&["alert", "add", "--id", "a", "--instrument", "K"]).is_err());
        assert!(parse(&["alert", "add", "--id", "a", "--instrument", "K", "--above", "1", "--below", "2"]).is_err());
        assert!(parse(&["alert", "add", "--id", "a", "--instrument", "K", "--move-from", "100"]).is_err());
        assert!(parse(&["alert", "add", "--id", "a", "--instrument", "K", "--move-from", "100", "--percent", "0.02"])
            .is_ok());
    }

    #[test]
    fn usage_errors_exit_with_2() {
        assert_eq!(parse(&["frobnicate"]).unwrap_err().exit_code(), 2);
    }
}
