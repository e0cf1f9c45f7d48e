//! The tick→order pipeline through the real actors (feed handler → strategy runner → risk gate →
//! order router → paper broker), beside a bare four-hop ractor pipeline measured in the same run,
//! so the figure says what our bounded queues, risk checks and journaling cost over ractor itself.
//! Figures in `benches/README.md`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use tokio::sync::{broadcast, Semaphore};
use trader::bars::BarInterval;
use trader::config::TraderConfig;
use trader::model::{InstrumentKey, OrderIntent, OrderStatus, Quote, Side, StrategyId};
use trader::num::{Price, Quantity};
use trader::strategy::{Strategy, StrategyContext};
use trader::time::{Clock, LiveClock};
use trader_actors::actors::feed_handler::FeedMsg;
use trader_actors::daemon::{Daemon, DaemonOptions, ExtraStrategy};
use trader_actors::events::EngineEvent;
use trader_actors::feed::FeedEvent;

const RELIANCE: &str = "NSE_EQ|INE002A01018";

/// Trades one share on every quote, alternating sides so the position stays flat.
struct EveryQuote {
    buy: bool,
}

impl Strategy for EveryQuote {
    fn kind(&self) -> &'static str {
        "every_quote"
    }

    fn on_quote(&mut self, ctx: &mut StrategyContext<'_>, quote: &Quote) {
        self.buy = !self.buy;
        let side = if self.buy { Side::Buy } else { Side::Sell };
        ctx.submit(OrderIntent::market(quote.instrument.clone(), side, Quantity::new(1)));
    }
}

fn quote(key: &InstrumentKey, n: i64) -> Quote {
    let last = Price::from_micros(2_450_000_000 + (n % 20) * 50_000);
    Quote {
        bid: last.checked_sub(Price::from_micros(50_000)),
        bid_quantity: Quantity::new(1_000_000),
        ask: last.checked_add(Price::from_micros(50_000)),
        ask_quantity: Quantity::new(1_000_000),
        ..Quote::last_trade(key.clone(), LiveClock.now(), last, Quantity::new(1))
    }
}

fn engine_pipeline(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let base = std::env::var_os("TRADERD_BENCH_DIR").map_or_else(std::env::temp_dir, std::path::PathBuf::from);
    let dir = base.join(format!("traderd-bench-pipeline-{}", std::process::id()));
    let (daemon, mut events) = runtime.block_on(async {
        // A websocket feed to a port nobody listens on: the feed stays silent, and this bench
        // injects every quote itself.
        let mut config = TraderConfig::from_toml(&format!(
            "[feed.source]\nkind = \"websocket_json\"\nurl = \"ws://127.0.0.1:9/none\"\nreconnect_base_ms = 60000\n\
             reconnect_max_ms = 60000\n[[instruments]]\nkey = \"{RELIANCE}\"\nsymbol = \"RELIANCE\"\n\
             [risk.market_hours]\nalways_open = true\n"
        ))
        .expect("bench config");
        // Risk still runs every rule; only the retail rate limit would throttle a benchmark.
        config.risk.max_orders_per_second = u32::MAX / 2;
        config.risk.max_orders_per_second_per_strategy = u32::MAX / 2;
        config.risk.max_daily_loss = trader::num::Money::from_rupees(1_000_000_000).expect("fits");
        let options = DaemonOptions {
            config,
            state_dir: dir.clone(),
            listen: "127.0.0.1:0".parse().expect("addr"),
            extra_strategies: vec![ExtraStrategy {
                id: StrategyId::new("bench").expect("id"),
                instruments: vec![InstrumentKey::new(RELIANCE).expect("key")],
                interval: BarInterval::M1,
                factory: Arc::new(|| Box::new(EveryQuote { buy: false })),
            }],
            notify_systemd: false,
            auth: trader_actors::auth::AuthConfig::for_tests(),
        };
        let daemon = Daemon::start(options).await.expect("daemon");
        let events = daemon.services.events.subscribe();
        (daemon, events)
    });
    let key = InstrumentKey::new(RELIANCE).expect("key");
    let permits = Arc::new(Semaphore::new(1_000_000));
    let feed = daemon.services.slots.feed.clone();
    let mut n = 0i64;
    c.bench_function("tick_to_broker_ack_real_actors", |b| {
        b.to_async(&runtime).iter_custom(|iters| {
            let key = key.clone();
            let permits = Arc::clone(&permits);
            let feed = feed.clone();
            let mut events = events.resubscribe();
            n += iters as i64;
            let base = n;
            async move {
                let mut total = Duration::ZERO;
                for i in 0..iters as i64 {
                    let permit = Arc::clone(&permits).acquire_owned().await.expect("permit");
                    let started = Instant::now();
                    feed.cast(FeedMsg::Event(FeedEvent::Quote(quote(&key, base + i)), permit));
                    loop {
                        match events.recv().await {
                            Ok(EngineEvent::Order { order }) if order.status() == OrderStatus::Accepted => break,
                            Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                            Err(broadcast::error::RecvError::Closed) => panic!("event bus closed"),
                        }
                    }
                    total += started.elapsed();
                }
                total
            }
        })
    });
    let _ = events.try_recv();
    runtime.block_on(async {
        daemon.shutdown().await;
    });
    let _ = std::fs::remove_dir_all(&dir);
}

/// A bare actor that forwards to the next hop, or answers at the end.
struct Hop;

enum HopMsg {
    Forward(RpcReplyPort<()>),
}

impl Actor for Hop {
    type Msg = HopMsg;
    type State = Option<ActorRef<HopMsg>>;
    type Arguments = Option<ActorRef<HopMsg>>;

    async fn pre_start(&self, _: ActorRef<HopMsg>, next: Self::Arguments) -> Result<Self::State, ActorProcessingErr> {
        Ok(next)
    }

    async fn handle(
        &self,
        _: ActorRef<HopMsg>,
        message: HopMsg,
        next: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        let HopMsg::Forward(reply) = message;
        match next {
            Some(next) => next.cast(HopMsg::Forward(reply))?,
            None => {
                let _ = reply.send(());
            }
        }
        Ok(())
    }
}

fn bare_pipeline(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let first = runtime.block_on(async {
        let mut next = None;
        for _ in 0..4 {
            let (actor, _) = Actor::spawn(None, Hop, next.take()).await.expect("spawn");
            next = Some(actor);
        }
        next.expect("four hops")
    });
    c.bench_function("four_hop_bare_ractor", |b| {
        b.to_async(&runtime).iter(|| {
            let first = first.clone();
            async move {
                let (tx, rx) = ractor::concurrency::oneshot();
                first.cast(HopMsg::Forward(tx.into())).expect("cast");
                rx.await.expect("answer");
            }
        })
    });
}

criterion_group!(benches, engine_pipeline, bare_pipeline);
criterion_main!(benches);
