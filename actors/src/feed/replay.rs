//! `ReplayFeed`: quotes from bar or tick CSV, paced at a multiple of real time or as fast as
//! possible.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;
use trader::data::{parse_bar_csv, parse_tick_csv};
use trader::model::{Bar, InstrumentKey, Quote};
use trader::num::Quantity;
use trader::time::Timestamp;

use super::subscriptions::Subscriptions;
use super::{FeedCommand, FeedError, FeedEvent, FeedRun, FeedSink, FeedSource};

/// The longest single wait a paced replay makes; a larger gap in the data (years at real time)
/// is cut to this, so a time computation can never overflow.
const MAX_WAIT: Duration = Duration::from_secs(365 * 86_400);
/// When not pacing, hand the thread back this often so other tasks run between quotes.
const YIELD_EVERY: usize = 1024;
/// The bar length assumed for a file of one bar, whose length cannot be read from gaps.
const SINGLE_BAR_NANOS: i64 = 60_000_000_000;

/// How fast a replay runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ReplaySpeed {
    /// Emit every quote as soon as the sink takes it.
    AsFastAsPossible,
    /// Data time passes this many times faster than real time: 1.0 is real time, 10.0 ten times
    /// faster, 0.5 half speed.
    Factor(f64),
}

/// Replays recorded market data as quotes with their recorded timestamps, in time order across
/// instruments (quotes with the same time keep the order the data was added in).
///
/// Bars become four quotes each, spread over the bar so that any aggregator at the bar's own
/// interval rebuilds the same bar: the open at the bar's time, then the low and the high a quarter
/// and a half of the way through (the high first for a falling bar, whose close is below its
/// open), then the close three quarters through. The bar's volume is split across the four as
/// trade quantities. The bar length is the smallest gap between consecutive bars of the file.
///
/// Pacing is on the tokio clock, measured from the start of `run`, so paused-time tests are
/// exact. The replay ends after the last quote with `Disconnected { reason: "replay finished" }`.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayFeed {
    quotes: Vec<Quote>,
    speed: ReplaySpeed,
}

impl ReplayFeed {
    pub const NAME: &'static str = "replay";

    /// An empty replay at `speed`; add data with [`ReplayFeed::with_bars`] and
    /// [`ReplayFeed::with_ticks`].
    pub fn new(speed: ReplaySpeed) -> Result<ReplayFeed, FeedError> {
        if let ReplaySpeed::Factor(factor) = speed {
            if !(factor.is_finite() && factor > 0.0) {
                let reason = format!("speed factor {factor} must be a positive number");
                return Err(FeedError::Config { field: "speed", reason });
            }
        }
        Ok(ReplayFeed { quotes: Vec::new(), speed })
    }

    /// Adds `instrument`'s bars from CSV `text` (times without an offset are read at
    /// `naive_offset_seconds` from UTC, e.g. `IST_OFFSET_SECONDS`).
    pub fn with_bars(
        self,
        instrument: InstrumentKey,
        text: &str,
        naive_offset_seconds: i64,
    ) -> Result<Self, FeedError> {
        let bars = parse_bar_csv(text, naive_offset_seconds).map_err(|e| data_error(&instrument, e))?;
        Ok(self.merged(bar_quotes(&instrument, &bars)))
    }

    /// Adds `instrument`'s trade ticks from CSV `text`, one quote per tick.
    pub fn with_ticks(
        self,
        instrument: InstrumentKey,
        text: &str,
        naive_offset_seconds: i64,
    ) -> Result<Self, FeedError> {
        let ticks = parse_tick_csv(text, naive_offset_seconds).map_err(|e| data_error(&instrument, e))?;
        let quotes = ticks.iter().map(|t| Quote::last_trade(instrument.clone(), t.ts, t.price, t.quantity)).collect();
        Ok(self.merged(quotes))
    }

    /// Every quote the replay will emit (to subscribers), in order.
    pub fn quotes(&self) -> &[Quote] {
        &self.quotes
    }

    fn merged(mut self, quotes: Vec<Quote>) -> ReplayFeed {
        self.quotes.extend(quotes);
        // Stable, so equal times keep insertion order.
        self.quotes.sort_by_key(|q| q.ts);
        self
    }

    async fn run_loop(self, out: FeedSink, mut commands: mpsc::Receiver<FeedCommand>) -> Result<(), FeedError> {
        let mut subscriptions = Subscriptions::default();
        let began = Instant::now();
        let first = self.quotes.first().map_or(Timestamp::from_nanos(0), |q| q.ts);
        out.send(FeedEvent::Connected).await?;
        for (index, quote) in self.quotes.into_iter().enumerate() {
            let due = match self.speed {
                ReplaySpeed::Factor(factor) => began.checked_add(real_delay(quote.ts.since(first), factor)),
                ReplaySpeed::AsFastAsPossible => None,
            };
            let wait = async move {
                match due {
                    Some(due) => tokio::time::sleep_until(due).await,
                    None if index % YIELD_EVERY == YIELD_EVERY - 1 => tokio::task::yield_now().await,
                    None => {}
                }
            };
            if subscriptions.apply_until(&mut commands, wait).await.is_none() {
                return Ok(());
            }
            if subscriptions.contains(&quote.instrument) {
                out.send(FeedEvent::Quote(quote)).await?;
            }
        }
        out.send(FeedEvent::Disconnected { reason: "replay finished".to_owned() }).await?;
        Ok(())
    }
}

impl FeedSource for ReplayFeed {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn run(self: Box<Self>, out: FeedSink, commands: mpsc::Receiver<FeedCommand>) -> FeedRun {
        Box::pin(self.run_loop(out, commands))
    }
}

/// The four quotes each bar replays as (see [`ReplayFeed`]), without a cumulative volume: each
/// carries its share of the bar's volume as its trade quantity.
pub fn bar_quotes(instrument: &InstrumentKey, bars: &[Bar]) -> Vec<Quote> {
    let length =
        bars.windows(2).map(|w| w[1].ts.since(w[0].ts)).filter(|gap| *gap > 0).min().unwrap_or(SINGLE_BAR_NANOS);
    let mut quotes = Vec::with_capacity(bars.len() * 4);
    for bar in bars {
        let (second, third) = if bar.close < bar.open { (bar.high, bar.low) } else { (bar.low, bar.high) };
        let share = bar.volume / 4;
        let prices = [(bar.open, share), (second, share), (third, share), (bar.close, bar.volume - 3 * share)];
        for (quarter, (price, volume)) in (0i64..).zip(prices) {
            let ts = bar.ts.saturating_add(length / 4 * quarter);
            quotes.push(Quote::last_trade(instrument.clone(), ts, price, Quantity::new(volume)));
        }
    }
    quotes
}

/// The real time `data_nanos` of recorded time takes at `factor`, at most [`MAX_WAIT`].
fn real_delay(data_nanos: i64, factor: f64) -> Duration {
    let seconds = data_nanos.max(0) as f64 / 1e9 / factor;
    Duration::try_from_secs_f64(seconds).map_or(MAX_WAIT, |d| d.min(MAX_WAIT))
}

fn data_error(instrument: &InstrumentKey, error: trader::data::CsvError) -> FeedError {
    FeedError::Data { instrument: instrument.to_string(), reason: error.to_string() }
}

#[cfg(test)]
mod tests {
    use trader::model::Bar;
    use trader::num::Price;

    use super::*;

    const BARS: &str = "date,open,high,low,close,volume\n\
                        2024-01-01T09:15:00+05:30,100,102,99,101,10\n\
                        2024-01-01T09:16:00+05:30,101,101.5,98,98.5,7\n";

    fn key(text: &str) -> InstrumentKey {
        InstrumentKey::new(text).unwrap()
    }

    fn p(text: &str) -> Price {
        text.parse().unwrap()
    }

    /// Runs `feed` subscribed to `keys`, recording each event with the tokio time since start.
    async fn replay(feed: ReplayFeed, keys: Vec<InstrumentKey>) -> Vec<(Duration, FeedEvent)> {
        let (sink, mut events) = FeedSink::channel(16);
        let (commands, rx) = mpsc::channel(4);
        commands.send(FeedCommand::Subscribe(keys)).await.unwrap();
        let began = Instant::now();
        let task = tokio::spawn(Box::new(feed).run(sink, rx));
        let mut seen = Vec::new();
        while let Some(event) = events.recv().await {
            seen.push((began.elapsed(), event));
        }
        assert_eq!(task.await.unwrap(), Ok(()));
        drop(commands);
        seen
    }

    fn summary(events: &[(Duration, FeedEvent)]) -> Vec<(u64, String)> {
        let text = |e: &FeedEvent| match e {
            FeedEvent::Quote(q) => format!("{} {} x{}", &q.instrument.identifier()[..6], q.last, q.last_quantity),
            other => format!("{other:?}"),
        };
        events.iter().map(|(at, e)| (at.as_millis() as u64, text(e))).collect()
    }

    #[tokio::test(start_paused = true)]
    async fn bars_replay_open_extremes_in_direction_order_then_close_at_sixty_times_real_time() {
        let reliance = key("NSE_EQ|INE002A01018");
        let feed = ReplayFeed::new(ReplaySpeed::Factor(60.0)).unwrap().with_bars(reliance.clone(), BARS, 0).unwrap();
        let events = replay(feed, vec![reliance]).await;
        // Bars are a minute apart: quotes 15 s of data apart, 250 ms of real time at 60×.
        // Rising bar: open, low, high, close. Falling bar: open, high, low, close.
        // Volume 10 splits 2, 2, 2, 4; volume 7 splits 1, 1, 1, 4.
        let expected = [
            (0, "Connected"),
            (0, "INE002 100.00 x2"),
            (250, "INE002 99.00 x2"),
            (500, "INE002 102.00 x2"),
            (750, "INE002 101.00 x4"),
            (1000, "INE002 101.00 x1"),
            (1250, "INE002 101.50 x1"),
            (1500, "INE002 98.00 x1"),
            (1750, "INE002 98.50 x4"),
            (1750, "Disconnected { reason: \"replay finished\" }"),
        ];
        let expected: Vec<(u64, String)> = expected.iter().map(|(t, s)| (*t, s.to_string())).collect();
        assert_eq!(summary(&events), expected);
        let FeedEvent::Quote(third) = &events[3].1 else { panic!() };
        assert_eq!(third.ts.to_string(), "2024-01-01 09:15:30.000+05:30");
    }

    #[tokio::test(start_paused = true)]
    async fn ticks_merge_with_bars_in_time_order_as_fast_as_possible_for_subscribed_instruments_only() {
        let (reliance, infy, tcs) =
            (key("NSE_EQ|INE002A01018"), key("NSE_EQ|INE009A01021"), key("NSE_EQ|INE467B01029"));
        let ticks = "timestamp,price,quantity\n\
                     2024-01-01T09:15:10+05:30,1500.05,3\n\
                     2024-01-01T09:15:15+05:30,1500.10,4\n\
                     2024-01-01T09:16:40+05:30,1499.95,5\n";
        let feed = ReplayFeed::new(ReplaySpeed::AsFastAsPossible)
            .unwrap()
            .with_bars(reliance.clone(), BARS, 0)
            .unwrap()
            .with_ticks(infy.clone(), ticks, 0)
            .unwrap()
            .with_ticks(tcs, "time,price,qty\n2024-01-01T09:15:00+05:30,3500,1\n", 0)
            .unwrap();
        assert_eq!(feed.quotes().len(), 12);
        let events = replay(feed, vec![reliance, infy]).await;
        let names: Vec<String> = summary(&events).into_iter().map(|(at, s)| format!("{at} {s}")).collect();
        assert_eq!(
            names,
            [
                "0 Connected",
                "0 INE002 100.00 x2",
                "0 INE009 1500.05 x3",
                "0 INE002 99.00 x2", // 09:15:15 for both: RELIANCE's data was added first
                "0 INE009 1500.10 x4",
                "0 INE002 102.00 x2",
                "0 INE002 101.00 x4",
                "0 INE002 101.00 x1",
                "0 INE002 101.50 x1",
                "0 INE002 98.00 x1",
                "0 INE009 1499.95 x5",
                "0 INE002 98.50 x4",
                "0 Disconnected { reason: \"replay finished\" }",
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn closing_the_commands_stops_a_paced_replay_while_it_waits() {
        let reliance = key("NSE_EQ|INE002A01018");
        let feed = ReplayFeed::new(ReplaySpeed::Factor(1.0)).unwrap().with_bars(reliance.clone(), BARS, 0).unwrap();
        let (sink, mut events) = FeedSink::channel(16);
        let (commands, rx) = mpsc::channel(4);
        commands.send(FeedCommand::Subscribe(vec![reliance])).await.unwrap();
        let task = tokio::spawn(Box::new(feed).run(sink, rx));
        assert_eq!(events.recv().await, Some(FeedEvent::Connected));
        assert!(matches!(events.recv().await, Some(FeedEvent::Quote(_))));
        tokio::time::sleep(Duration::from_secs(5)).await; // the next quote is due at 15 s
        drop(commands);
        assert_eq!(task.await.unwrap(), Ok(()));
        assert_eq!(events.recv().await, None, "stopped without emitting more");
    }

    #[test]
    fn an_aggregator_at_the_bar_interval_rebuilds_the_replayed_bars() {
        use trader::bars::{BarAggregator, BarInterval, BarsConfig};
        let instrument = key("NSE_EQ|INE002A01018");
        let bars = trader::data::parse_bar_csv(BARS, 0).unwrap();
        let mut aggregator = BarAggregator::new(&BarsConfig { intervals: vec![BarInterval::M1], history: 10 });
        for quote in bar_quotes(&instrument, &bars) {
            aggregator.on_quote(&quote);
        }
        let mut rebuilt = aggregator.bars(&instrument, BarInterval::M1, 10);
        rebuilt.extend(aggregator.forming(&instrument, BarInterval::M1));
        assert_eq!(rebuilt, bars);
    }

    #[test]
    fn bar_quotes_rebuild_the_bar_and_bad_input_is_named() {
        let instrument = key("NSE_EQ|INE002A01018");
        let bar =
            Bar { ts: Timestamp::from_nanos(0), open: p("10"), high: p("12"), low: p("9"), close: p("9.5"), volume: 3 };
        let quotes = bar_quotes(&instrument, &[bar]);
        let prices: Vec<String> = quotes.iter().map(|q| q.last.to_string()).collect();
        assert_eq!(prices, ["10.00", "12.00", "9.00", "9.50"]);
        let volumes: Vec<u64> = quotes.iter().map(|q| q.last_quantity.units()).collect();
        assert_eq!(volumes, [0, 0, 0, 3]);
        assert_eq!(quotes[3].ts.nanos(), 45_000_000_000, "a lone bar is taken to be a minute long");

        let err = ReplayFeed::new(ReplaySpeed::AsFastAsPossible)
            .unwrap()
            .with_bars(instrument, "date,open,high,low,close\n2024-01-01,1,x,1,1\n", 0)
            .unwrap_err();
        assert_eq!(err.to_string(), "replay data for NSE_EQ|INE002A01018: line 2, column `high`: `x` is not a decimal number (digits, one optional `.`, optional leading sign)");
        for factor in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                ReplayFeed::new(ReplaySpeed::Factor(factor)),
                Err(FeedError::Config { field: "speed", .. })
            ));
        }
    }
}
