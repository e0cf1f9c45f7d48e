//! `BarAggregator`: OHLCV bars from quotes, per instrument and interval, with bounded history.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::series::{BarSeries, TradeOutcome};
use super::volume::VolumeTracker;
use super::{BarInterval, BarsConfig};
use crate::model::{Bar, InstrumentKey, Quote};
use crate::time::Timestamp;

/// A bar that will not change any more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompletedBar {
    pub instrument: InstrumentKey,
    pub interval: BarInterval,
    pub bar: Bar,
}

/// Counts of quotes the aggregator could not use. Neither is an error: a feed may reorder
/// messages across a reconnect, and quote a price of 0 before an instrument's first trade.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AggregatorStats {
    /// Quotes stamped before a series' forming bucket, so ignored by at least one interval.
    pub late_quotes: u64,
    /// Quotes whose last price was not positive, ignored entirely.
    pub unpriced_quotes: u64,
}

/// Builds OHLCV bars from quotes, for every instrument that quotes, at each configured interval.
///
/// Each quote is a trade at `last` stamped `ts`; its volume comes from the feed's cumulative day
/// volume or its `last_quantity` (see `VolumeTracker`). A bar completes when a quote lands in a
/// later bucket, or when [`BarAggregator::close_until`] passes its end; buckets without trades
/// produce no bar. A quote stamped before the forming bucket is counted and ignored by that
/// series only (so a longer interval may still take it).
///
/// Completed bars and the forming bar are kept apart on purpose: [`BarAggregator::bars`] returns
/// only bars that will not change, so a strategy cannot act on half a bar by accident, and
/// [`BarAggregator::forming`] shows the bar in progress to whoever wants it (a chart).
#[derive(Debug, Clone)]
pub struct BarAggregator {
    intervals: Vec<BarInterval>,
    history: usize,
    instruments: BTreeMap<InstrumentKey, InstrumentBars>,
    stats: AggregatorStats,
}

/// One instrument's volume baseline and its series, in the order of `BarAggregator::intervals`.
#[derive(Debug, Clone)]
struct InstrumentBars {
    volume: VolumeTracker,
    series: Vec<BarSeries>,
}

impl BarAggregator {
    /// An aggregator for `config` (validate it first: a history of 0 keeps 1 bar, and a repeated
    /// interval is built once).
    pub fn new(config: &BarsConfig) -> BarAggregator {
        let mut intervals = Vec::with_capacity(config.intervals.len());
        for interval in &config.intervals {
            if !intervals.contains(interval) {
                intervals.push(*interval);
            }
        }
        BarAggregator {
            intervals,
            history: config.history.max(1),
            instruments: BTreeMap::new(),
            stats: Default::default(),
        }
    }

    /// The intervals built for every instrument.
    pub fn intervals(&self) -> &[BarInterval] {
        &self.intervals
    }

    /// Feeds one quote; returns the bars it completed (usually none, so no allocation).
    pub fn on_quote(&mut self, quote: &Quote) -> Vec<CompletedBar> {
        if !quote.last.is_positive() {
            self.stats.unpriced_quotes += 1;
            return Vec::new();
        }
        if !self.instruments.contains_key(&quote.instrument) {
            let series = self.intervals.iter().map(|i| BarSeries::new(*i, self.history)).collect();
            self.instruments
                .insert(quote.instrument.clone(), InstrumentBars { volume: VolumeTracker::default(), series });
        }
        let Some(bars) = self.instruments.get_mut(&quote.instrument) else { return Vec::new() };
        let volume = bars.volume.traded(quote);
        let mut completed = Vec::new();
        let mut late = false;
        for series in &mut bars.series {
            match series.on_trade(quote.ts, quote.last, volume) {
                TradeOutcome::Added => {}
                TradeOutcome::Completed(bar) => completed.push(CompletedBar {
                    instrument: quote.instrument.clone(),
                    interval: series.interval(),
                    bar,
                }),
                TradeOutcome::Late => late = true,
            }
        }
        if late {
            self.stats.late_quotes += 1;
        }
        completed
    }

    /// Completes every forming bar whose bucket has ended by `now`, for feeds that go quiet: the
    /// runtime calls this from a timer, a little after each boundary, so a quote still in flight
    /// is not counted late. Bars come in instrument order, then interval order.
    pub fn close_until(&mut self, now: Timestamp) -> Vec<CompletedBar> {
        let mut completed = Vec::new();
        for (instrument, bars) in &mut self.instruments {
            for series in &mut bars.series {
                if let Some(bar) = series.close_until(now) {
                    completed.push(CompletedBar { instrument: instrument.clone(), interval: series.interval(), bar });
                }
            }
        }
        completed
    }

    /// Up to `limit` of the most recent completed bars, newest last; empty for an instrument
    /// that has not quoted or an interval that is not built. The forming bar is not included.
    pub fn bars(&self, instrument: &InstrumentKey, interval: BarInterval, limit: usize) -> Vec<Bar> {
        self.series(instrument, interval).map_or_else(Vec::new, |s| s.recent(limit))
    }

    /// The bar in progress, if a quote has opened one.
    pub fn forming(&self, instrument: &InstrumentKey, interval: BarInterval) -> Option<Bar> {
        self.series(instrument, interval)?.forming()
    }

    /// Quotes the aggregator could not use so far.
    pub fn stats(&self) -> AggregatorStats {
        self.stats
    }

    fn series(&self, instrument: &InstrumentKey, interval: BarInterval) -> Option<&BarSeries> {
        let bars = self.instruments.get(instrument)?;
        bars.series.iter().find(|s| s.interval() == interval)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::num::{Price, Quantity};
    use crate::time::{Date, IST_OFFSET_SECONDS};
    use proptest::prelude::*;

    fn key(text: &str) -> InstrumentKey {
        InstrumentKey::new(text).unwrap()
    }

    fn reliance() -> InstrumentKey {
        key("NSE_EQ|INE002A01018")
    }

    fn p(text: &str) -> Price {
        text.parse().unwrap()
    }

    /// `hh:mm:ss` IST on 2026-11-27, plus `millis`.
    fn ist(h: i64, m: i64, s: i64, millis: i64) -> Timestamp {
        let date: Date = "2026-11-27".parse().unwrap();
        Timestamp::from_local(date, h * 3600 + m * 60 + s, IST_OFFSET_SECONDS)
            .unwrap()
            .saturating_add(millis * 1_000_000)
    }

    fn trade(ts: Timestamp, last: &str, quantity: u64) -> Quote {
        Quote::last_trade(reliance(), ts, p(last), Quantity::new(quantity))
    }

    fn bar(ts: Timestamp, ohlc: [&str; 4], volume: u64) -> Bar {
        Bar { ts, open: p(ohlc[0]), high: p(ohlc[1]), low: p(ohlc[2]), close: p(ohlc[3]), volume }
    }

    fn aggregator(intervals: &[BarInterval], history: usize) -> BarAggregator {
        BarAggregator::new(&BarsConfig { intervals: intervals.to_vec(), history })
    }

    #[test]
    fn builds_bars_across_minute_edges() {
        let mut agg = aggregator(&[BarInterval::M1, BarInterval::M5], 10);
        let quotes = [
            trade(ist(9, 15, 0, 0), "2450.00", 10),
            trade(ist(9, 15, 20, 0), "2452.50", 5),
            trade(ist(9, 15, 40, 0), "2449.00", 7),
            trade(ist(9, 15, 59, 999), "2451.00", 3),
            // 09:16:00.000 opens the next minute and completes 09:15's.
            trade(ist(9, 16, 0, 0), "2451.05", 2),
            trade(ist(9, 16, 30, 0), "2453.00", 4),
        ];
        let mut completed = Vec::new();
        for q in &quotes {
            completed.extend(agg.on_quote(q));
        }
        let first = bar(ist(9, 15, 0, 0), ["2450.00", "2452.50", "2449.00", "2451.00"], 25);
        assert_eq!(completed, [CompletedBar { instrument: reliance(), interval: BarInterval::M1, bar: first }]);
        assert_eq!(agg.bars(&reliance(), BarInterval::M1, 10), [first]);
        assert_eq!(
            agg.forming(&reliance(), BarInterval::M1),
            Some(bar(ist(9, 16, 0, 0), ["2451.05", "2453.00", "2451.05", "2453.00"], 6))
        );
        // The 5-minute bar 09:15–09:20 holds all six trades and is still forming.
        assert_eq!(
            agg.forming(&reliance(), BarInterval::M5),
            Some(bar(ist(9, 15, 0, 0), ["2450.00", "2453.00", "2449.00", "2453.00"], 31))
        );
        assert!(agg.bars(&reliance(), BarInterval::M5, 10).is_empty());
        assert!(agg.bars(&reliance(), BarInterval::H1, 10).is_empty(), "not configured");
        assert!(agg.bars(&key("NSE_EQ|INE009A01021"), BarInterval::M1, 10).is_empty());
    }

    #[test]
    fn a_gap_produces_no_empty_bars_and_hourly_bars_align_to_the_ist_hour() {
        let mut agg = aggregator(&[BarInterval::H1], 10);
        assert!(agg.on_quote(&trade(ist(9, 15, 0, 0), "100", 1)).is_empty());
        assert!(agg.on_quote(&trade(ist(9, 59, 59, 0), "101", 1)).is_empty());
        // 10:00 IST opens a new hourly bar (a 09:15-anchored grid would still be in 09:15–10:15).
        let done = agg.on_quote(&trade(ist(10, 0, 0, 0), "102", 1));
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].bar, bar(ist(9, 0, 0, 0), ["100", "101", "100", "101"], 2));
        // Nothing at 11:xx: the 12:00 trade completes 10:00's bar; no bar for 11:00.
        let done = agg.on_quote(&trade(ist(12, 0, 1, 0), "103", 1));
        assert_eq!(done[0].bar.ts, ist(10, 0, 0, 0));
        let times: Vec<Timestamp> = agg.bars(&reliance(), BarInterval::H1, 10).iter().map(|b| b.ts).collect();
        assert_eq!(times, [ist(9, 0, 0, 0), ist(10, 0, 0, 0)]);
    }

    #[test]
    fn daily_bars_split_at_ist_midnight() {
        let mut agg = aggregator(&[BarInterval::D1], 10);
        agg.on_quote(&trade(ist(23, 59, 59, 0), "100", 1));
        // 00:00:01 IST the next day is still the same UTC day (18:30:01 UTC).
        let done = agg.on_quote(&trade(ist(24, 0, 1, 0), "101", 1));
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].bar.ts, ist(0, 0, 0, 0));
        assert_eq!(agg.forming(&reliance(), BarInterval::D1).map(|b| b.ts), Some(ist(24, 0, 0, 0)));
    }

    #[test]
    fn volume_from_cumulative_day_totals() {
        let mut agg = aggregator(&[BarInterval::M1], 10);
        let cumulative = |ts, last, ltq, vtt| Quote { volume: vtt, ..trade(ts, last, ltq) };
        agg.on_quote(&cumulative(ist(9, 15, 0, 0), "100", 50, 1_000_000)); // baseline only
        agg.on_quote(&cumulative(ist(9, 15, 10, 0), "101", 50, 1_000_050)); // +50
        agg.on_quote(&cumulative(ist(9, 15, 11, 0), "101", 50, 1_000_050)); // book update: +0
        agg.on_quote(&cumulative(ist(9, 15, 30, 0), "99", 0, 1_000_120)); // +70
        let done = agg.on_quote(&cumulative(ist(9, 16, 0, 0), "100", 5, 1_000_125)); // +5, next bar
        assert_eq!(done[0].bar, bar(ist(9, 15, 0, 0), ["100", "101", "99", "99"], 120));
        assert_eq!(agg.forming(&reliance(), BarInterval::M1).map(|b| b.volume), Some(5));
    }

    #[test]
    fn history_keeps_only_the_newest_bars_newest_last() {
        let mut agg = aggregator(&[BarInterval::S1], 3);
        for second in 0..6 {
            agg.on_quote(&trade(ist(9, 15, second, 0), &format!("{}", 100 + second), 1));
        }
        // Seconds 0..=4 completed; the ring keeps 2, 3, 4; second 5 is forming.
        let closes: Vec<String> =
            agg.bars(&reliance(), BarInterval::S1, 10).iter().map(|b| b.close.to_string()).collect();
        assert_eq!(closes, ["102.00", "103.00", "104.00"]);
        let last_two: Vec<Timestamp> = agg.bars(&reliance(), BarInterval::S1, 2).iter().map(|b| b.ts).collect();
        assert_eq!(last_two, [ist(9, 15, 3, 0), ist(9, 15, 4, 0)]);
        assert!(agg.bars(&reliance(), BarInterval::S1, 0).is_empty());
    }

    #[test]
    fn late_quotes_are_counted_and_ignored_per_series() {
        let mut agg = aggregator(&[BarInterval::M1, BarInterval::M5], 10);
        agg.on_quote(&trade(ist(9, 15, 30, 0), "100", 1));
        agg.on_quote(&trade(ist(9, 16, 10, 0), "101", 1));
        // 09:15:50 is before the forming minute (09:16) but inside the forming 5 minutes (09:15).
        assert!(agg.on_quote(&trade(ist(9, 15, 50, 0), "90", 4)).is_empty());
        assert_eq!(agg.stats(), AggregatorStats { late_quotes: 1, unpriced_quotes: 0 });
        assert_eq!(agg.bars(&reliance(), BarInterval::M1, 10)[0], bar(ist(9, 15, 0, 0), ["100"; 4], 1));
        assert_eq!(agg.forming(&reliance(), BarInterval::M1), Some(bar(ist(9, 16, 0, 0), ["101"; 4], 1)));
        assert_eq!(
            agg.forming(&reliance(), BarInterval::M5),
            Some(bar(ist(9, 15, 0, 0), ["100", "101", "90", "101"], 6)),
            "the 5-minute bar takes the late trade as a new low, but not as its close"
        );
        // A zero price (no trade yet) is ignored and counted.
        assert!(agg.on_quote(&trade(ist(9, 16, 20, 0), "0", 0)).is_empty());
        assert_eq!(agg.stats().unpriced_quotes, 1);
    }

    #[test]
    fn close_until_completes_quiet_bars_and_later_quotes_for_them_are_late() {
        let mut agg = aggregator(&[BarInterval::M1], 10);
        agg.on_quote(&trade(ist(9, 15, 30, 0), "100", 1));
        assert!(agg.close_until(ist(9, 15, 59, 999)).is_empty(), "the minute has not ended");
        let done = agg.close_until(ist(9, 16, 0, 0));
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].bar, bar(ist(9, 15, 0, 0), ["100"; 4], 1));
        assert!(agg.close_until(ist(9, 17, 0, 0)).is_empty(), "nothing forming");
        assert!(agg.on_quote(&trade(ist(9, 15, 45, 0), "101", 1)).is_empty());
        assert_eq!(agg.stats().late_quotes, 1);
        assert_eq!(agg.forming(&reliance(), BarInterval::M1), None);
        agg.on_quote(&trade(ist(9, 16, 5, 0), "102", 1));
        assert_eq!(agg.forming(&reliance(), BarInterval::M1).map(|b| b.ts), Some(ist(9, 16, 0, 0)));
    }

    #[test]
    fn instruments_are_kept_apart() {
        let mut agg = aggregator(&[BarInterval::M1], 10);
        let infy = key("NSE_EQ|INE009A01021");
        agg.on_quote(&trade(ist(9, 15, 0, 0), "2450", 1));
        agg.on_quote(&Quote::last_trade(infy.clone(), ist(9, 15, 5, 0), p("1500"), Quantity::new(9)));
        let done = agg.on_quote(&Quote::last_trade(infy.clone(), ist(9, 16, 0, 0), p("1501"), Quantity::new(1)));
        assert_eq!(done.len(), 1);
        assert_eq!((done[0].instrument.clone(), done[0].bar.volume), (infy, 9));
        assert!(agg.bars(&reliance(), BarInterval::M1, 10).is_empty());
    }

    proptest! {
        /// Random trades in time order: every bar is consistent, buckets strictly increase, and
        /// the completed bars plus the forming one hold exactly the volume traded.
        #[test]
        fn bars_are_consistent_and_volume_is_conserved(
            trades in proptest::collection::vec((0i64..90_000, 1i64..100_000, 0u64..1_000), 1..200),
        ) {
            let mut agg = aggregator(&BarInterval::ALL, 100_000);
            let mut ts = ist(9, 15, 0, 0);
            let mut total = 0u64;
            let mut completed: Vec<CompletedBar> = Vec::new();
            for (gap_millis, price_ticks, quantity) in trades {
                ts = ts.saturating_add(gap_millis * 1_000_000);
                total += quantity;
                let quote = trade(ts, "1", quantity);
                completed.extend(agg.on_quote(&Quote { last: Price::from_micros(price_ticks * 50_000), ..quote }));
            }
            for interval in BarInterval::ALL {
                let mut bars = agg.bars(&reliance(), interval, usize::MAX);
                let from_events: Vec<Bar> =
                    completed.iter().filter(|c| c.interval == interval).map(|c| c.bar).collect();
                prop_assert_eq!(&bars, &from_events);
                bars.extend(agg.forming(&reliance(), interval));
                for bar in &bars {
                    prop_assert!(bar.high >= bar.open.max(bar.close) && bar.low <= bar.open.min(bar.close));
                    prop_assert_eq!(interval.bucket_start(bar.ts), bar.ts);
                }
                prop_assert!(bars.windows(2).all(|w| w[0].ts < w[1].ts));
                prop_assert_eq!(bars.iter().map(|b| b.volume).sum::<u64>(), total);
            }
            prop_assert_eq!(agg.stats(), AggregatorStats::default());
        }
    }
}
