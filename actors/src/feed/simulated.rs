//! `SimulatedFeed`: deterministic quotes from seeded random walks, for paper trading and tests.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};
use trader::model::{InstrumentKey, Quote};
use trader::num::Price;
use trader::time::Timestamp;

use super::sim_walk::PriceWalk;
use super::splitmix::SplitMix64;
use super::subscriptions::Subscriptions;
use super::{FeedCommand, FeedError, FeedEvent, FeedRun, FeedSink, FeedSource};

/// One simulated instrument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimInstrument {
    pub key: InstrumentKey,
    pub symbol: String,
    /// Where the walk starts and keeps returning to (rounded down onto the tick grid).
    pub start_price: Price,
    pub tick: Price,
}

/// Quotes for every instrument every `interval`, from a seeded mean-reverting walk in whole ticks
/// with occasional trends (see `PriceWalk`): bid and ask one tick around the last trade, trade and
/// book sizes drawn like NSE cash equity's, and a cumulative volume.
///
/// Deterministic: the same seed gives the same prices, sizes and timestamps. Timestamps are
/// `start` plus the scheduled (not the observed) time of each step on the tokio clock, so with
/// paused time a test sees exact instants. Every walk advances at every step whether subscribed or
/// not, so subscribing later does not change any instrument's sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimulatedFeed {
    pub instruments: Vec<SimInstrument>,
    pub seed: u64,
    /// Time between steps; each step quotes every subscribed instrument once.
    pub interval: Duration,
    /// The wall-clock instant the first step's time is measured from.
    pub start: Timestamp,
}

impl SimulatedFeed {
    pub const NAME: &'static str = "simulated";

    /// Four liquid NSE stocks around recent prices, seed 42, a step every 5 ms from `start`.
    pub fn new(start: Timestamp) -> SimulatedFeed {
        SimulatedFeed { instruments: default_instruments(), seed: 42, interval: Duration::from_millis(5), start }
    }

    /// Checks what `run` relies on.
    pub fn validate(&self) -> Result<(), FeedError> {
        let config = |field, reason: String| Err(FeedError::Config { field, reason });
        if self.interval.is_zero() {
            return config("interval", "must be longer than zero".into());
        }
        for sim in &self.instruments {
            if !sim.tick.is_positive() {
                return config("tick", format!("{}: tick {} must be positive", sim.key, sim.tick));
            }
            if !sim.start_price.is_positive() {
                return config("start_price", format!("{}: {} must be positive", sim.key, sim.start_price));
            }
        }
        Ok(())
    }

    /// One walk per instrument, each seeded from the feed's seed and its position in the list.
    fn walks(&self) -> Vec<PriceWalk> {
        let mut seeds = SplitMix64::new(self.seed);
        self.instruments.iter().map(|sim| PriceWalk::new(sim.start_price, sim.tick, seeds.next_u64())).collect()
    }

    async fn run_loop(self, out: FeedSink, mut commands: mpsc::Receiver<FeedCommand>) -> Result<(), FeedError> {
        self.validate()?;
        let mut walks = self.walks();
        let mut subscriptions = Subscriptions::default();
        let began = Instant::now();
        let mut ticker = tokio::time::interval_at(began + self.interval, self.interval);
        // After a stall (a full sink), carry on from now rather than bursting to catch up.
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        out.send(FeedEvent::Connected).await?;
        loop {
            let Some(at) = subscriptions.apply_until(&mut commands, ticker.tick()).await else { return Ok(()) };
            let elapsed = i64::try_from(at.duration_since(began).as_nanos()).unwrap_or(i64::MAX);
            let ts = self.start.saturating_add(elapsed);
            for (sim, walk) in self.instruments.iter().zip(&mut walks) {
                let step = walk.step();
                if !subscriptions.contains(&sim.key) {
                    continue;
                }
                let quote = Quote {
                    instrument: sim.key.clone(),
                    ts,
                    last: step.last,
                    last_quantity: step.last_quantity,
                    bid: Some(step.bid),
                    bid_quantity: step.bid_quantity,
                    ask: Some(step.ask),
                    ask_quantity: step.ask_quantity,
                    volume: step.volume,
                };
                out.send(FeedEvent::Quote(quote)).await?;
            }
        }
    }
}

impl FeedSource for SimulatedFeed {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn run(self: Box<Self>, out: FeedSink, commands: mpsc::Receiver<FeedCommand>) -> FeedRun {
        Box::pin(self.run_loop(out, commands))
    }
}

/// RELIANCE ~₹2,450, INFY ~₹1,500, TCS ~₹3,500 and HDFCBANK ~₹1,650 on NSE, tick ₹0.05.
pub fn default_instruments() -> Vec<SimInstrument> {
    [
        ("NSE_EQ|INE002A01018", "RELIANCE", 2_450),
        ("NSE_EQ|INE009A01021", "INFY", 1_500),
        ("NSE_EQ|INE467B01029", "TCS", 3_500),
        ("NSE_EQ|INE040A01034", "HDFCBANK", 1_650),
    ]
    .into_iter()
    .filter_map(|(key, symbol, rupees)| {
        Some(SimInstrument {
            key: InstrumentKey::new(key).ok()?,
            symbol: symbol.to_owned(),
            start_price: Price::from_units(rupees)?,
            tick: Price::from_micros(50_000),
        })
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use std::cmp::Ordering;

    use trader::strategy::indicators::{compare_averages, Cross, CrossDetector, Sma};

    use super::*;

    const START: Timestamp = Timestamp::from_nanos(1_764_215_100_000_000_000); // 2025-11-27 09:15 IST

    /// Runs `feed` subscribed to all its instruments and collects the first `n` quotes.
    async fn first_quotes(feed: SimulatedFeed, n: usize) -> Vec<Quote> {
        let keys = feed.instruments.iter().map(|s| s.key.clone()).collect();
        let (sink, mut events) = FeedSink::channel(64);
        let (commands, rx) = mpsc::channel(4);
        commands.send(FeedCommand::Subscribe(keys)).await.unwrap();
        let task = tokio::spawn(Box::new(feed).run(sink, rx));
        assert_eq!(events.recv().await, Some(FeedEvent::Connected));
        let mut quotes = Vec::new();
        while quotes.len() < n {
            match events.recv().await {
                Some(FeedEvent::Quote(q)) => quotes.push(q),
                other => panic!("unexpected {other:?}"),
            }
        }
        drop(commands);
        drop(events);
        // Either the closed commands or the closed sink stops it.
        let _ = task.await.unwrap();
        quotes
    }

    #[tokio::test(start_paused = true)]
    async fn the_same_seed_gives_the_same_quotes_and_another_seed_does_not() {
        let a = first_quotes(SimulatedFeed::new(START), 400).await;
        let b = first_quotes(SimulatedFeed::new(START), 400).await;
        assert_eq!(a, b);
        let c = first_quotes(SimulatedFeed { seed: 43, ..SimulatedFeed::new(START) }, 400).await;
        assert_ne!(a, c);
    }

    #[tokio::test(start_paused = true)]
    async fn quotes_are_on_the_tick_grid_stamped_by_step_and_in_instrument_order() {
        let feed = SimulatedFeed::new(START);
        let keys: Vec<InstrumentKey> = feed.instruments.iter().map(|s| s.key.clone()).collect();
        let quotes = first_quotes(feed, 40).await;
        let tick = Price::from_micros(50_000);
        for (i, q) in quotes.iter().enumerate() {
            let step = (i / 4 + 1) as i64;
            assert_eq!(q.ts, START.saturating_add(step * 5_000_000), "step {step} is 5 ms after the previous");
            assert_eq!(q.instrument, keys[i % 4]);
            let (bid, ask) = (q.bid.unwrap(), q.ask.unwrap());
            assert!(q.last.is_multiple_of(tick) && bid.is_multiple_of(tick) && ask.is_multiple_of(tick));
            assert_eq!((bid.offset_ticks(tick, 1), ask.offset_ticks(tick, -1)), (Some(q.last), Some(q.last)));
            assert!(q.last_quantity.units() > 0 && q.bid_quantity.units() > 0 && q.ask_quantity.units() > 0);
        }
        // RELIANCE starts near ₹2,450 and its cumulative volume grows by each trade.
        let reliance: Vec<&Quote> = quotes.iter().filter(|q| q.instrument == keys[0]).collect();
        assert!(
            reliance[0].last >= Price::from_units(2_449).unwrap()
                && reliance[0].last <= Price::from_units(2_451).unwrap()
        );
        for pair in reliance.windows(2) {
            assert_eq!(pair[1].volume, pair[0].volume + pair[1].last_quantity.units());
        }
    }

    #[tokio::test(start_paused = true)]
    async fn only_subscribed_instruments_are_quoted_and_late_subscription_keeps_the_sequence() {
        let feed = SimulatedFeed::new(START);
        let infy = feed.instruments[1].key.clone();
        let all = first_quotes(feed.clone(), 40).await;

        let (sink, mut events) = FeedSink::channel(64);
        let (commands, rx) = mpsc::channel(4);
        let task = tokio::spawn(Box::new(feed).run(sink, rx));
        assert_eq!(events.recv().await, Some(FeedEvent::Connected));
        // Nothing is subscribed for the first 10 ms (two steps).
        tokio::time::sleep(Duration::from_millis(12)).await;
        assert!(events.try_recv().is_err(), "no subscriptions, no quotes");
        commands.send(FeedCommand::Subscribe(vec![infy.clone()])).await.unwrap();
        let mut got = Vec::new();
        for _ in 0..3 {
            match events.recv().await {
                Some(FeedEvent::Quote(q)) => got.push(q),
                other => panic!("unexpected {other:?}"),
            }
        }
        let expected: Vec<Quote> = all.into_iter().filter(|q| q.instrument == infy).skip(2).take(3).collect();
        assert_eq!(got, expected);
        drop(commands);
        assert_eq!(task.await.unwrap(), Ok(()), "closing the commands stops the feed");
    }

    #[test]
    fn refuses_settings_it_cannot_run() {
        let start = Timestamp::from_nanos(0);
        let zero = SimulatedFeed { interval: Duration::ZERO, ..SimulatedFeed::new(start) };
        assert!(matches!(zero.validate(), Err(FeedError::Config { field: "interval", .. })));
        let mut bad_tick = SimulatedFeed::new(start);
        bad_tick.instruments[0].tick = Price::ZERO;
        assert!(bad_tick
            .validate()
            .unwrap_err()
            .to_string()
            .contains("NSE_EQ|INE002A01018: tick 0.00 must be positive"));
        assert_eq!(SimulatedFeed::new(start).validate(), Ok(()));
        assert_eq!(default_instruments().len(), 4);
    }

    /// The daemon should trade soon after start: with the default seeds, sma_cross(5, 20) on
    /// 1-second bars (200 steps of 5 ms) crosses above soon after the 20-bar average exists
    /// (bar 21 at the earliest) and crosses often after that, for every instrument.
    #[test]
    fn short_averages_cross_often_on_one_second_bars() {
        let feed = SimulatedFeed::new(START);
        for (sim, mut walk) in feed.instruments.iter().zip(feed.walks()) {
            let (mut fast, mut slow, mut detector) = (Sma::new(5), Sma::new(20), CrossDetector::new());
            let mut crosses = Vec::new();
            for second in 1..=120 {
                let close = (0..200).map(|_| walk.step().last).last().unwrap();
                let fast_ready = fast.push(close);
                let slow_ready = slow.push(close);
                let ordering = if fast_ready && slow_ready { compare_averages(&fast, &slow) } else { Ordering::Equal };
                if let Some(cross) = detector.update(ordering) {
                    crosses.push((second, cross));
                }
            }
            let first_above = crosses.iter().find(|(_, c)| *c == Cross::Above).map(|(s, _)| *s);
            assert!(first_above.is_some_and(|s| s <= 45), "{}: {crosses:?}", sim.symbol);
            assert!(crosses.len() >= 8, "{}: only {crosses:?}", sim.symbol);
        }
    }
}
