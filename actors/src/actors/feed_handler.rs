//! The feed handler actor: takes what the feed source delivers, keeps the last-quote board and
//! the bars, and hands market data to every subscriber's conflating inbox.
//!
//! Its state lives in `FeedShared` (held by the supervisor), so a respawned feed handler picks up
//! the same subscribers, bars and staleness flags. The source itself runs in its own task and is
//! back-pressured by a semaphore: at most `capacity` events wait in this actor's mailbox. Which
//! instruments the source delivers is `FeedShared::subscriptions`, changed by operators through the
//! control plane.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use tokio::sync::OwnedSemaphorePermit;
use trader::bars::BarInterval;
use trader::model::{InstrumentKey, InstrumentRegistry};
use trader::time::{Clock, LiveClock};

use crate::events::EngineEvent;
use crate::feed::{FeedEvent, FeedSubscriptions};
use crate::metrics_names::{FEED_AGE_SECONDS, FEED_DISCONNECTS_TOTAL, FEED_MALFORMED_TOTAL};
use crate::queue::{MarketInbox, ReceivedQuote};
use crate::services::Services;

/// A consumer of market data: which instruments (all when `None`), which bar interval (none when
/// `None`), its inbox, and how to wake it.
#[derive(Clone)]
pub struct MarketSubscriber {
    pub name: String,
    pub instruments: Option<BTreeSet<InstrumentKey>>,
    pub interval: Option<BarInterval>,
    pub inbox: Arc<MarketInbox>,
    /// Sends the consumer a wake-up; false when it is not running.
    pub wake: Arc<dyn Fn() -> bool + Send + Sync>,
}

impl MarketSubscriber {
    fn wants(&self, key: &InstrumentKey) -> bool {
        self.instruments.as_ref().is_none_or(|set| set.contains(key))
    }
}

/// State that outlives a feed handler instance.
#[derive(Default)]
pub struct FeedShared {
    pub subscribers: RwLock<Vec<MarketSubscriber>>,
    pub stale: Mutex<BTreeSet<InstrumentKey>>,
    pub connected: std::sync::atomic::AtomicBool,
    /// The instruments the source is asked for; the daemon attaches the source's commands.
    pub subscriptions: FeedSubscriptions,
}

/// The instruments the feed starts with: the set an operator last left (from the journal), else
/// every configured instrument. Instruments no longer configured are dropped.
pub fn initial_subscriptions(
    registry: &InstrumentRegistry,
    recovered: Option<BTreeSet<InstrumentKey>>,
) -> BTreeSet<InstrumentKey> {
    match recovered {
        Some(set) => set.into_iter().filter(|key| registry.get(key).is_some()).collect(),
        None => registry.iter().map(|i| i.key.clone()).collect(),
    }
}

impl FeedShared {
    /// Adds a subscriber, replacing one of the same name (a respawned strategy).
    pub fn subscribe(&self, subscriber: MarketSubscriber) {
        let mut subscribers = self.subscribers.write().unwrap_or_else(|e| e.into_inner());
        subscribers.retain(|s| s.name != subscriber.name);
        subscribers.push(subscriber);
    }

    pub fn unsubscribe(&self, name: &str) {
        self.subscribers.write().unwrap_or_else(|e| e.into_inner()).retain(|s| s.name != name);
    }

    /// The consumers that asked for `key` by name (strategies; the router and the alert engine take
    /// every instrument and need none in particular), in registration order.
    pub fn needed_by(&self, key: &InstrumentKey) -> Vec<String> {
        let subscribers = self.subscribers.read().unwrap_or_else(|e| e.into_inner());
        subscribers
            .iter()
            .filter(|s| s.instruments.as_ref().is_some_and(|set| set.contains(key)))
            .map(|s| s.name.clone())
            .collect()
    }
}

pub enum FeedMsg {
    Event(FeedEvent, OwnedSemaphorePermit),
    /// Once a second: close bars whose time is up, measure feed age, flag stale instruments.
    Tick,
    Ping(RpcReplyPort<()>),
}

pub struct FeedHandlerArgs {
    pub services: Services,
    pub shared: Arc<FeedShared>,
}

pub struct FeedHandler;

pub struct FeedHandlerState {
    services: Services,
    shared: Arc<FeedShared>,
}

impl Actor for FeedHandler {
    type Msg = FeedMsg;
    type State = FeedHandlerState;
    type Arguments = FeedHandlerArgs;

    async fn pre_start(
        &self,
        myself: ActorRef<FeedMsg>,
        args: FeedHandlerArgs,
    ) -> Result<FeedHandlerState, ActorProcessingErr> {
        myself.send_interval(Duration::from_secs(1), || FeedMsg::Tick);
        Ok(FeedHandlerState { services: args.services, shared: args.shared })
    }

    async fn handle(
        &self,
        _myself: ActorRef<FeedMsg>,
        message: FeedMsg,
        state: &mut FeedHandlerState,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            FeedMsg::Event(event, permit) => {
                state.on_event(event);
                drop(permit);
            }
            FeedMsg::Tick => state.on_tick(),
            FeedMsg::Ping(reply) => {
                let _ = reply.send(());
            }
        }
        Ok(())
    }
}

impl FeedHandlerState {
    fn on_event(&mut self, event: FeedEvent) {
        match event {
            FeedEvent::Quote(quote) => {
                let received = Instant::now();
                let completed = self.services.bars.lock().unwrap_or_else(|e| e.into_inner()).on_quote(&quote);
                self.services.quotes.update(quote.clone(), received, LiveClock.now());
                let subscribers = self.shared.subscribers.read().unwrap_or_else(|e| e.into_inner());
                for subscriber in subscribers.iter().filter(|s| s.wants(&quote.instrument)) {
                    if subscriber.inbox.publish_quote(ReceivedQuote { quote: quote.clone(), received })
                        && !(subscriber.wake)()
                    {
                        subscriber.inbox.rearm();
                    }
                }
                publish_bars(&subscribers, completed, received);
            }
            FeedEvent::Connected => {
                self.shared.connected.store(true, std::sync::atomic::Ordering::Release);
                tracing::info!("feed connected");
            }
            FeedEvent::Disconnected { reason } => {
                self.shared.connected.store(false, std::sync::atomic::Ordering::Release);
                metrics::counter!(FEED_DISCONNECTS_TOTAL).increment(1);
                tracing::warn!(%reason, "feed disconnected");
                self.services.events.publish(EngineEvent::SystemAlert {
                    source: "feed".into(),
                    message: format!("disconnected: {reason}"),
                });
            }
            FeedEvent::Malformed { reason } => {
                metrics::counter!(FEED_MALFORMED_TOTAL).increment(1);
                tracing::warn!(%reason, "malformed feed frame skipped");
            }
        }
    }

    fn on_tick(&mut self) {
        let completed = self.services.bars.lock().unwrap_or_else(|e| e.into_inner()).close_until(LiveClock.now());
        {
            let subscribers = self.shared.subscribers.read().unwrap_or_else(|e| e.into_inner());
            publish_bars(&subscribers, completed, Instant::now());
        }
        let stale_after = Duration::from_millis(self.services.config.risk.stale_quote_after_ms);
        let mut stale = self.shared.stale.lock().unwrap_or_else(|e| e.into_inner());
        for (key, age) in self.services.quotes.ages(Instant::now()) {
            metrics::gauge!(FEED_AGE_SECONDS, "instrument" => key.to_string()).set(age.as_secs_f64());
            let is_stale = age > stale_after;
            if is_stale && stale.insert(key.clone()) {
                // Stale gating is the same whether the feed went quiet or an operator unsubscribed.
                let why = if self.shared.subscriptions.contains(&key) { "" } else { " (unsubscribed)" };
                let message = format!("no tick on {key}{why} for {} ms; new orders on it are refused", age.as_millis());
                tracing::warn!("{message}");
                self.services.events.publish(EngineEvent::SystemAlert { source: "feed".into(), message });
            } else if !is_stale && stale.remove(&key) {
                tracing::info!(instrument = %key, "feed fresh again");
            }
        }
    }
}

fn publish_bars(subscribers: &[MarketSubscriber], completed: Vec<trader::bars::CompletedBar>, received: Instant) {
    for done in completed {
        for subscriber in subscribers.iter().filter(|s| s.interval == Some(done.interval) && s.wants(&done.instrument))
        {
            if subscriber.inbox.publish_bar(done.instrument.clone(), done.bar, received) && !(subscriber.wake)() {
                subscriber.inbox.rearm();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue::MarketInbox;

    fn key(text: &str) -> InstrumentKey {
        InstrumentKey::new(text).unwrap()
    }

    fn subscriber(name: &str, instruments: Option<&[&str]>) -> MarketSubscriber {
        MarketSubscriber {
            name: name.into(),
            instruments: instruments.map(|keys| keys.iter().map(|k| key(k)).collect()),
            interval: None,
            inbox: Arc::new(MarketInbox::new("test", 4)),
            wake: Arc::new(|| true),
        }
    }

    #[test]
    fn only_consumers_that_named_an_instrument_need_it() {
        let shared = FeedShared::default();
        shared.subscribe(subscriber("order_router", None));
        shared.subscribe(subscriber("strategy:a", Some(&["NSE_EQ|INE002A01018"])));
        shared.subscribe(subscriber("strategy:b", Some(&["NSE_EQ|INE002A01018", "NSE_EQ|INE009A01021"])));
        assert_eq!(shared.needed_by(&key("NSE_EQ|INE002A01018")), ["strategy:a", "strategy:b"]);
        assert_eq!(shared.needed_by(&key("NSE_EQ|INE009A01021")), ["strategy:b"]);
        shared.unsubscribe("strategy:b");
        assert!(shared.needed_by(&key("NSE_EQ|INE009A01021")).is_empty());
    }

    #[test]
    fn the_feed_starts_with_the_journaled_set_of_configured_instruments_else_all_of_them() {
        let config = trader::config::TraderConfig::from_toml(
            "[feed.source]\nkind = \"simulated\"\n\n[[instruments]]\nkey = \"NSE_EQ|INE002A01018\"\nsymbol = \"RELIANCE\"\n\n\
             [[instruments]]\nkey = \"NSE_EQ|INE009A01021\"\nsymbol = \"INFY\"\n",
        )
        .unwrap();
        let registry = config.registry();
        let all: BTreeSet<InstrumentKey> = [key("NSE_EQ|INE002A01018"), key("NSE_EQ|INE009A01021")].into();
        assert_eq!(initial_subscriptions(&registry, None), all);
        let journaled: BTreeSet<InstrumentKey> = [key("NSE_EQ|INE009A01021"), key("NSE_EQ|INE467B01029")].into();
        assert_eq!(initial_subscriptions(&registry, Some(journaled)), [key("NSE_EQ|INE009A01021")].into());
        assert!(initial_subscriptions(&registry, Some(BTreeSet::new())).is_empty(), "all unsubscribed stays so");
    }
}
