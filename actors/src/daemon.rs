//! Starting and stopping the whole engine: recover from the journal, spawn the supervised actor
//! tree, start the feed and the control plane, report ready; and the drain on shutdown.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use ractor::{Actor, ActorRef};
use tokio::sync::{mpsc, oneshot, Semaphore};
use tokio::task::JoinHandle;
use trader::bars::{BarAggregator, BarInterval, BarsConfig};
use trader::charges::CostModel;
use trader::config::{FeedSourceConfig, OpenOrdersOnStop, TraderConfig};
use trader::model::{InstrumentKey, StrategyId};
use trader::num::Price;
use trader::time::{Clock, LiveClock, IST_OFFSET_SECONDS};

use crate::actors::feed_handler::{FeedMsg, FeedShared};
use crate::actors::order_router::RouterCore;
use crate::actors::persistence::{PersistenceArgs, PersistenceMsg, PersistenceWriter};
use crate::actors::strategy_runner::{StrategyArgs, StrategyFactory};
use crate::actors::supervisor::{order_counter, StrategyChild, Supervisor, SupervisorArgs, SupervisorMsg};
use crate::auth::{bootstrap, load_or_generate, AuthConfig, AuthState, KeyLocations};
use crate::broker::PaperBroker;
use crate::control::auth_service::AuthService;
use crate::control::{self, ControlState};
use crate::engine::OrderBook;
use crate::events::EventBus;
use crate::feed::{
    default_instruments, FeedCommand, FeedSink, FeedSource, ReplayFeed, ReplaySpeed, SimInstrument, SimulatedFeed,
    WebsocketJsonConfig, WebsocketJsonFeed,
};
use crate::journal::{JournalConfig, JournalStore, JournalWriter, RedbStore};
use crate::queue::{MarketInbox, QueueMeter};
use crate::quote_board::QuoteBoard;
use crate::recovery::RecoveredState;
use crate::services::{Services, Slots};
use crate::status_board::StatusBoard;

/// Market data events waiting for the feed handler; the source waits when they are all taken.
const FEED_QUEUE: usize = 4096;

/// How often ended sessions and expired revocations are dropped from the auth state.
const AUTH_PRUNE_INTERVAL: Duration = Duration::from_secs(3600);

/// A strategy added in code rather than config (tests use it for strategies that misbehave).
pub struct ExtraStrategy {
    pub id: StrategyId,
    pub instruments: Vec<InstrumentKey>,
    pub interval: BarInterval,
    pub factory: StrategyFactory,
}

pub struct DaemonOptions {
    pub config: TraderConfig,
    pub state_dir: PathBuf,
    pub listen: SocketAddr,
    pub extra_strategies: Vec<ExtraStrategy>,
    /// Talk to systemd (READY, WATCHDOG, STOPPING) when it set `NOTIFY_SOCKET`.
    pub notify_systemd: bool,
    /// Token lifetimes and the argon2 cost of new password hashes (`AuthConfig::for_tests()` makes
    /// hashing cheap in tests; the binary always uses `AuthConfig::default()`).
    pub auth: AuthConfig,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("state directory {path}: {error}")]
    StateDir { path: PathBuf, error: std::io::Error },
    #[error("journal: {0}")]
    Journal(#[from] crate::journal::JournalError),
    #[error("feed: {0}")]
    Feed(String),
    #[error("{0}")]
    Bind(#[from] control::BindError),
    #[error("{0}")]
    Tls(#[from] control::cert_store::TlsFileError),
    #[error("actor system: {0}")]
    Spawn(String),
    #[error("authentication: {0}")]
    Auth(String),
}

/// A running engine.
pub struct Daemon {
    pub local_addr: SocketAddr,
    pub services: Services,
    /// Users, sessions and tokens, as the control plane sees them.
    pub auth: Arc<AuthService>,
    /// The state directory (journal, `admin.token`, `jwt.key`).
    pub state_dir: PathBuf,
    /// The control plane's certificate when `[api.tls]` is set: `reload_logged()` on SIGHUP.
    pub tls: Option<Arc<control::cert_store::CertStore>>,
    /// The config reload (and TLS certificate reload) SIGHUP and the API share. Name the file
    /// with `config_reload.set_path(..)`; until then a reload answers "no config file".
    pub config_reload: Arc<crate::signals::ConfigReloader>,
    supervisor: ActorRef<SupervisorMsg>,
    persistence: ActorRef<PersistenceMsg>,
    feed_commands: Option<mpsc::Sender<FeedCommand>>,
    /// The feed source, its pump and the auth pruner: aborted on shutdown.
    tasks: Vec<JoinHandle<()>>,
    server_stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
    notify_systemd: bool,
}

/// The Prometheus recorder, installed once per process.
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            let _ = metrics::set_global_recorder(recorder);
            crate::metrics_names::describe();
            handle
        })
        .clone()
}

/// `--state-dir`, else `daemon.state_dir`, else systemd's `$STATE_DIRECTORY`, else `./var/traderd`.
pub fn resolve_state_dir(flag: Option<PathBuf>, config: &TraderConfig) -> PathBuf {
    flag.or_else(|| config.daemon.state_dir.as_ref().map(PathBuf::from))
        .or_else(|| std::env::var_os("STATE_DIRECTORY").map(|d| PathBuf::from(d).join("")))
        .unwrap_or_else(|| PathBuf::from("./var/traderd"))
}

fn create_state_dir(path: &Path) -> Result<(), StartError> {
    let err = |error| StartError::StateDir { path: path.to_owned(), error };
    std::fs::create_dir_all(path).map_err(err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700)).map_err(err)?;
    }
    Ok(())
}

fn notify(enabled: bool, state: sd_notify::NotifyState) {
    if enabled {
        let _ = sd_notify::notify(&[state]);
    }
}

/// Parses and checks a config file's text the way every entry point does (start, `validate`, a
/// reload): the core's checks and [`validate_runtime`]'s, every problem at once, each with its key path.
pub fn config_from_text(text: &str) -> Result<TraderConfig, trader::config::Problems> {
    let config = TraderConfig::parse_toml(text)?;
    let mut problems = config.validate().err().unwrap_or_default();
    validate_runtime(&config, &mut problems);
    problems.into_result()?;
    Ok(config)
}

/// What only the runtime can check: the WebSocket feed's URL against this build (the feed has no TLS yet), and
/// that the `[api.tls]` certificate and key load and belong together.
pub fn validate_runtime(config: &TraderConfig, problems: &mut trader::config::Problems) {
    if let Some(ws) = websocket_config(config) {
        ws.validate("feed.source", problems);
    }
    let tls = config.api.tls.as_ref().filter(|t| !t.cert_file.trim().is_empty() && !t.key_file.trim().is_empty());
    if let Some(Err(e)) = tls.map(control::cert_store::CertStore::load) {
        problems.push(e.key, e.reason);
    }
}

fn websocket_config(config: &TraderConfig) -> Option<WebsocketJsonConfig> {
    match &config.feed.source {
        FeedSourceConfig::WebsocketJson { url, reconnect_base_ms, reconnect_max_ms, connect_timeout_ms } => {
            Some(WebsocketJsonConfig {
                url: url.clone(),
                reconnect_base_ms: *reconnect_base_ms,
                reconnect_max_ms: *reconnect_max_ms,
                connect_timeout_ms: *connect_timeout_ms,
            })
        }
        _ => None,
    }
}

/// Builds the configured feed source.
fn feed_source(config: &TraderConfig) -> Result<Box<dyn FeedSource>, StartError> {
    match &config.feed.source {
        FeedSourceConfig::Simulated { seed, interval_ms, start_prices } => {
            let known = default_instruments();
            let instruments = config
                .instruments
                .iter()
                .filter(|spec| !spec.key.segment().is_index())
                .map(|spec| {
                    let start_price = start_prices
                        .get(&spec.key)
                        .copied()
                        .or_else(|| known.iter().find(|k| k.key == spec.key).map(|k| k.start_price))
                        .unwrap_or_else(|| Price::from_units(1_000).expect("small"));
                    SimInstrument {
                        key: spec.key.clone(),
                        symbol: spec.symbol.clone(),
                        start_price,
                        tick: spec.tick_size,
                    }
                })
                .collect();
            let feed = SimulatedFeed {
                instruments,
                seed: *seed,
                interval: Duration::from_millis(*interval_ms),
                start: LiveClock.now(),
            };
            feed.validate().map_err(|e| StartError::Feed(e.to_string()))?;
            Ok(Box::new(feed))
        }
        FeedSourceConfig::Replay { path, instrument, speed } => {
            let text = std::fs::read_to_string(path).map_err(|e| StartError::Feed(format!("{path}: {e}")))?;
            let speed = match speed {
                None => ReplaySpeed::AsFastAsPossible,
                Some(rate) => ReplaySpeed::Factor(rate.to_f64()),
            };
            let replay = ReplayFeed::new(speed).map_err(|e| StartError::Feed(e.to_string()))?;
            let header = text.lines().next().unwrap_or_default().to_ascii_lowercase();
            let replay = if header.contains("open") {
                replay.with_bars(instrument.clone(), &text, IST_OFFSET_SECONDS)
            } else {
                replay.with_ticks(instrument.clone(), &text, IST_OFFSET_SECONDS)
            };
            Ok(Box::new(replay.map_err(|e| StartError::Feed(e.to_string()))?))
        }
        FeedSourceConfig::WebsocketJson { .. } => {
            let ws = websocket_config(config).expect("a websocket_json source");
            Ok(Box::new(WebsocketJsonFeed::new(ws, LiveClock.now().nanos() as u64)))
        }
    }
}

impl Daemon {
    pub async fn start(options: DaemonOptions) -> Result<Daemon, StartError> {
        let DaemonOptions { config, state_dir, listen, extra_strategies, notify_systemd, auth } = options;
        // Before anything is started: a bad certificate or a remote address without TLS stops here.
        let tls = config.api.tls.as_ref().map(control::tls::TlsServer::load).transpose()?;
        control::check_listen(listen, tls.is_some())?;
        if let Some(tls) = &tls {
            tracing::info!(sha256 = %tls.store.fingerprint(), "TLS certificate loaded");
        }
        let metrics = metrics_handle();
        let status = Arc::new(StatusBoard::default());
        status.set_not_ready(vec!["recovering".to_owned()]);

        create_state_dir(&state_dir)?;
        let store = RedbStore::open(state_dir.join("journal.redb"))?;
        let mut recovered = RecoveredState::recover(&store as &dyn JournalStore, config.account.initial_cash)?;
        for problem in &recovered.problems {
            tracing::error!("journal: {problem}");
        }
        tracing::info!(
            records = recovered.last_sequence,
            orders = recovered.orders.len(),
            fills = recovered.fills.len(),
            trading_state = %recovered.trading_state,
            "state recovered from the journal"
        );
        // Strategies deployed, given new parameters or removed over the API: the journal wins over
        // the config file for every id it knows (deployed ones added, removed ones dropped).
        let mut config = config;
        recovered.strategy_deployments.apply_to(&mut config);
        let (key, key_source) =
            load_or_generate(&KeyLocations::from_env(&state_dir)).map_err(|e| StartError::Auth(e.to_string()))?;
        tracing::info!(source = %key_source, "JWT signing key loaded");
        let mut auth_state = AuthState::new(&key, auth);
        drop(key);
        for event in std::mem::take(&mut recovered.auth_events) {
            auth_state.apply(&event);
        }
        let journal_config = JournalConfig {
            queue_capacity: std::num::NonZeroUsize::new(config.journal.queue_capacity)
                .unwrap_or(std::num::NonZeroUsize::MIN),
            max_batch: std::num::NonZeroUsize::new(config.journal.max_batch).unwrap_or(std::num::NonZeroUsize::MIN),
        };
        let (journal, writer) = JournalWriter::start(store, journal_config)?;
        // The run id must be durable before anything is minted under it.
        let run_record = crate::records::JournalRecord::RunStarted { at: LiveClock.now() }.encode()?;
        let run = journal.append(run_record).map_err(|e| StartError::Spawn(format!("journal: {e}")))?.wait().await?;
        first_start(&mut auth_state, &journal, &state_dir).await?;
        let auth_service = Arc::new(AuthService::new(auth_state, journal.clone(), config.metrics.public));
        // Continues the chain after the last audit entry recovered.
        let audit_log =
            Arc::new(crate::audit::AuditLog::new(journal.clone(), std::mem::take(&mut recovered.audit_recent)));
        let pruner = {
            let auth = Arc::clone(&auth_service);
            tokio::spawn(async move {
                let mut every = tokio::time::interval(AUTH_PRUNE_INTERVAL);
                every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    every.tick().await;
                    if let Err(error) = auth.prune(LiveClock.now()).await {
                        tracing::warn!(error = %error.message, "auth state not pruned; will retry");
                    }
                }
            })
        };

        let registry = config.registry();
        let mut intervals: BTreeSet<BarInterval> = [BarInterval::M1].into_iter().collect();
        intervals.extend(config.strategies.iter().map(|s| s.bar_interval));
        intervals.extend(extra_strategies.iter().map(|s| s.interval));
        let bars = BarAggregator::new(&BarsConfig {
            intervals: intervals.into_iter().collect(),
            history: config.feed.bar_history,
        });
        let config = Arc::new(config);
        let services = Services {
            config: Arc::clone(&config),
            instruments: Arc::new(registry.clone()),
            journal: journal.clone(),
            events: EventBus::new(config.queues.events),
            quotes: Arc::new(QuoteBoard::default()),
            bars: Arc::new(Mutex::new(bars)),
            status: Arc::clone(&status),
            slots: Slots::default(),
            risk_queue: QueueMeter::new("risk_gate", config.queues.orders),
            router_queue: QueueMeter::new("order_router", config.queues.orders),
        };

        let (persistence, _) = Actor::spawn(
            None,
            PersistenceWriter,
            PersistenceArgs {
                journal: journal.clone(),
                join_writer: Some(Box::new(move || {
                    let _ = writer.join();
                })),
            },
        )
        .await
        .map_err(|e| StartError::Spawn(e.to_string()))?;

        // Config rules as operators left them (changed, disabled or removed), and the recent firings.
        let alert_book = crate::actors::alert_engine::recovered_book(&config.alerts, &mut recovered);
        let feed_subscriptions = recovered.feed_subscriptions.take();
        let trading_state = recovered.trading_state;
        // Limits set through the API since the last config reload win over the file's `[risk]`.
        let risk_limits = match recovered.risk_limits.take() {
            Some(limits) => {
                tracing::warn!("risk limits set through the API are in force instead of the config's [risk]");
                limits
            }
            None => config.risk.clone(),
        };
        let strategy_running = recovered.strategy_running.clone();
        let day = recovered.day;
        recovered.last_sequence = run;
        let mut performance_book = std::mem::take(&mut recovered.performance);
        performance_book.set_detailed_days(config.performance.detailed_days);
        let performance = Arc::new(crate::actors::performance_sampler::Performance::new(performance_book));
        let book = OrderBook::new(recovered, registry, CostModel::India(config.charges));
        let router_core = Arc::new(Mutex::new(RouterCore {
            book,
            broker: Box::new(PaperBroker::new(config.paper.clone())),
            approvals_seen: 0,
            day,
            marked: BTreeSet::new(),
        }));

        let bar_queue = config.queues.bars;
        let mut strategies: Vec<StrategyChild> = Vec::new();
        let configured = config.strategies.iter().map(|spec| {
            let params = spec.params;
            let factory: StrategyFactory = Arc::new(move || params.build());
            (spec.id.clone(), spec.instruments.clone(), spec.bar_interval, factory, spec.enabled)
        });
        let extra = extra_strategies.into_iter().map(|e| (e.id, e.instruments, e.interval, e.factory, true));
        for (index, (id, instruments, interval, factory, enabled)) in configured.chain(extra).enumerate() {
            let start = strategy_running.get(&id).copied().unwrap_or(enabled);
            strategies.push(StrategyChild {
                args: StrategyArgs {
                    services: services.clone(),
                    id: id.clone(),
                    instruments,
                    factory,
                    inbox: Arc::new(MarketInbox::new("strategy", bar_queue)),
                    run,
                    index,
                    next_order: order_counter(),
                },
                id,
                interval,
                start,
            });
        }

        let feed_shared = Arc::new(FeedShared::default());
        let on_alive: Arc<dyn Fn() + Send + Sync> =
            Arc::new(move || notify(notify_systemd, sd_notify::NotifyState::Watchdog));
        let (supervisor, _) = Actor::spawn(
            None,
            Supervisor,
            SupervisorArgs {
                services: services.clone(),
                feed_shared: Arc::clone(&feed_shared),
                router_core,
                router_inbox: Arc::new(MarketInbox::new("order_router", bar_queue)),
                alert_book: Arc::new(Mutex::new(alert_book)),
                alert_inbox: Arc::new(MarketInbox::new("alert_engine", bar_queue)),
                risk_core: Arc::new(Mutex::new(crate::actors::risk_gate::RiskCore::new(risk_limits, trading_state))),
                strategies,
                on_alive,
            },
        )
        .await
        .map_err(|e| StartError::Spawn(e.to_string()))?;
        services.slots.supervisor.set(Some(supervisor.clone()));

        // The feed: the source runs in its own task; a pump hands its events to whichever feed
        // handler instance is current, holding a permit per event so at most FEED_QUEUE wait.
        let source = feed_source(&config)?;
        let (sink, mut events) = FeedSink::channel(FEED_QUEUE);
        let (commands, command_rx) = mpsc::channel(16);
        // The subscriptions an operator left (journaled), else every configured instrument.
        let initial = crate::actors::feed_handler::initial_subscriptions(&services.instruments, feed_subscriptions);
        feed_shared.subscriptions.attach(commands.clone(), initial).await;
        let source_name = source.name();
        let source_task = tokio::spawn(async move {
            match source.run(sink, command_rx).await {
                Ok(()) => tracing::info!(source = source_name, "feed source finished"),
                Err(e) => tracing::error!(source = source_name, error = %e, "feed source stopped"),
            }
        });
        let feed_slot = services.slots.feed.clone();
        let pump = tokio::spawn(async move {
            let permits = Arc::new(Semaphore::new(FEED_QUEUE));
            while let Some(event) = events.recv().await {
                let Ok(permit) = Arc::clone(&permits).acquire_owned().await else { break };
                // While the handler restarts there is no one to take market data; it is dropped.
                feed_slot.cast(FeedMsg::Event(event, permit));
            }
        });

        let listener = control::bind(listen, tls.is_some()).await?;
        let local_addr =
            listener.local_addr().map_err(|error| StartError::Bind(control::BindError::Io { addr: listen, error }))?;
        let (server_stop, stopped) = oneshot::channel::<()>();
        let tls_store = tls.as_ref().map(|t| Arc::clone(&t.store));
        let config_reload =
            Arc::new(crate::signals::ConfigReloader::new(None, services.clone()).with_tls(tls_store.clone()));
        let control_state = ControlState {
            services: services.clone(),
            metrics,
            feed: feed_shared,
            persistence: persistence.clone(),
            backtests: Arc::new(crate::backtest_jobs::BacktestJobs::new(&state_dir)),
            auth: Arc::clone(&auth_service),
            api: Arc::new(config.api.clone()),
            limits: Arc::new(control::rate_limit::RateLimiters::new(&config.api.rate_limits)),
            audit: audit_log,
            performance: Arc::clone(&performance),
            config_reload: Arc::clone(&config_reload),
        };
        let https = tls.is_some();
        let server = tokio::spawn(control::serve(listener, control_state, tls, async move {
            let _ = stopped.await;
        }));

        let sampler = crate::actors::performance_sampler::spawn(performance, services.clone());

        status.set_not_ready(Vec::new());
        tracing::info!(%local_addr, https, state_dir = %state_dir.display(), "traderd ready");
        notify(notify_systemd, sd_notify::NotifyState::Ready);
        Ok(Daemon {
            local_addr,
            services,
            auth: auth_service,
            state_dir,
            tls: tls_store,
            config_reload,
            supervisor,
            persistence,
            feed_commands: Some(commands),
            tasks: vec![source_task, pump, pruner, sampler],
            server_stop: Some(server_stop),
            server: Some(server),
            notify_systemd,
        })
    }

    /// The drain: stop taking market data, apply the open-orders policy, stop the actors within
    /// the deadline, close the journal. Returns the names of actors that did not stop in time.
    pub async fn shutdown(mut self) -> Vec<String> {
        notify(self.notify_systemd, sd_notify::NotifyState::Stopping);
        let config = Arc::clone(&self.services.config);
        let deadline = Duration::from_millis(config.shutdown.deadline_ms);
        let cancel_open_orders = config.shutdown.open_orders == OpenOrdersOnStop::Cancel;
        tracing::info!(deadline_ms = config.shutdown.deadline_ms, "shutting down");
        self.feed_commands.take();
        for task in self.tasks.drain(..) {
            task.abort();
        }
        let not_stopped = match self
            .supervisor
            .call(
                |reply| SupervisorMsg::Shutdown { deadline, cancel_open_orders, reply },
                Some(deadline + Duration::from_secs(1)),
            )
            .await
        {
            Ok(ractor::rpc::CallResult::Success(names)) => names,
            _ => vec!["supervisor".to_owned()],
        };
        for name in &not_stopped {
            tracing::error!(actor = %name, "did not stop before the deadline");
        }
        self.supervisor.stop(Some("shutdown".into()));
        if let Some(stop) = self.server_stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = tokio::time::timeout(Duration::from_secs(2), server).await;
        }
        let _ = self.persistence.stop_and_wait(Some("shutdown".into()), Some(deadline)).await;
        tracing::info!("traderd stopped");
        not_stopped
    }
}

/// First start (no users): creates `admin` with an API token, writes the token to
/// `<state-dir>/admin.token` (0600) *before* journaling the events — a crash in between leaves no
/// users, so the next start does it again — and logs the file's path, never the token.
async fn first_start(
    auth: &mut AuthState,
    journal: &crate::journal::JournalHandle,
    state_dir: &Path,
) -> Result<(), StartError> {
    let Some(boot) = bootstrap(auth, LiveClock.now()).map_err(|e| StartError::Auth(e.to_string()))? else {
        return Ok(());
    };
    let path = boot.write_token_file(state_dir).map_err(|e| StartError::Auth(e.to_string()))?;
    let mut acks = Vec::new();
    for event in boot.events.iter().cloned() {
        let record = crate::records::JournalRecord::Auth { event }.encode()?;
        acks.push(journal.append(record).map_err(|e| StartError::Spawn(format!("journal: {e}")))?);
    }
    for ack in acks {
        ack.wait().await?;
    }
    tracing::warn!(
        token_file = %path.display(),
        "first start: created the user `admin`; its API token is in the token file (owner-only). \
         Use it as `Authorization: Bearer <token>` to create users, then keep or delete the file"
    );
    Ok(())
}

/// The next client order id counter for a strategy (kept for symmetry with the supervisor).
pub fn counter() -> Arc<AtomicU64> {
    order_counter()
}
