//! The conflating inbox between the feed handler and a market-data consumer (a strategy runner, the
//! alert engine, the paper broker).
//!
//! A slow consumer sees the latest quote per instrument, never a growing backlog: the producer
//! overwrites a latest-value slot and sends at most one wake-up message while one is pending
//! (ARCHITECTURE §3). Completed bars are kept in order in a bounded queue that drops its oldest
//! bar when full, counting the drop, because a strategy that is that far behind must not stall the
//! feed.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use trader::model::{Bar, InstrumentKey, Quote};

use crate::metrics_names::{QUEUE_CONFLATED_TOTAL, QUEUE_DEPTH, QUEUE_DROPPED_TOTAL};

/// A quote together with the instant the feed handler received it (for tick-to-order latency).
#[derive(Debug, Clone)]
pub struct ReceivedQuote {
    pub quote: Quote,
    pub received: Instant,
}

#[derive(Debug, Default)]
struct Pending {
    quotes: BTreeMap<InstrumentKey, ReceivedQuote>,
    bars: VecDeque<(InstrumentKey, Bar, Instant)>,
}

/// What a consumer takes on each wake-up.
#[derive(Debug, Default)]
pub struct MarketBatch {
    pub quotes: Vec<ReceivedQuote>,
    /// Completed bars, each with the instant the tick that completed it arrived.
    pub bars: Vec<(InstrumentKey, Bar, Instant)>,
}

#[derive(Debug)]
pub struct MarketInbox {
    name: &'static str,
    pending: Mutex<Pending>,
    wake_pending: AtomicBool,
    bar_capacity: usize,
}

impl MarketInbox {
    pub fn new(name: &'static str, bar_capacity: usize) -> MarketInbox {
        MarketInbox {
            name,
            pending: Mutex::new(Pending::default()),
            wake_pending: AtomicBool::new(false),
            bar_capacity,
        }
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Stores the latest quote; returns true when the caller must send a wake-up message.
    pub fn publish_quote(&self, quote: ReceivedQuote) -> bool {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        if pending.quotes.insert(quote.quote.instrument.clone(), quote).is_some() {
            metrics::counter!(QUEUE_CONFLATED_TOTAL, "queue" => self.name).increment(1);
        }
        metrics::gauge!(QUEUE_DEPTH, "queue" => self.name).set((pending.quotes.len() + pending.bars.len()) as f64);
        drop(pending);
        !self.wake_pending.swap(true, Ordering::AcqRel)
    }

    /// Queues a completed bar (dropping the oldest when full); true when a wake-up is needed.
    pub fn publish_bar(&self, instrument: InstrumentKey, bar: Bar, received: Instant) -> bool {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        if pending.bars.len() >= self.bar_capacity {
            pending.bars.pop_front();
            metrics::counter!(QUEUE_DROPPED_TOTAL, "queue" => self.name).increment(1);
        }
        pending.bars.push_back((instrument, bar, received));
        drop(pending);
        !self.wake_pending.swap(true, Ordering::AcqRel)
    }

    /// Takes everything waiting. The wake flag is cleared first, so anything published after
    /// this call sends a new wake-up and nothing is stranded.
    pub fn take(&self, batch: &mut MarketBatch) {
        self.wake_pending.store(false, Ordering::Release);
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        batch.bars.extend(pending.bars.drain(..));
        batch.quotes.extend(std::mem::take(&mut pending.quotes).into_values());
        metrics::gauge!(QUEUE_DEPTH, "queue" => self.name).set(0.0);
    }

    /// Clears the wake-up flag: for a consumer that (re)starts, or a wake-up that could not be
    /// delivered (the consumer was restarting), so the next publish wakes it again.
    pub fn rearm(&self) {
        self.wake_pending.store(false, Ordering::Release);
    }

    /// Quotes and bars waiting now.
    pub fn depth(&self) -> usize {
        let pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.quotes.len() + pending.bars.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trader::num::{Price, Quantity};
    use trader::time::Timestamp;

    fn quote(key: &str, last: i64) -> ReceivedQuote {
        let instrument = InstrumentKey::new(key).unwrap();
        let quote =
            Quote::last_trade(instrument, Timestamp::from_nanos(last), Price::from_micros(last), Quantity::new(1));
        ReceivedQuote { quote, received: Instant::now() }
    }

    #[test]
    fn a_slow_consumer_sees_only_the_latest_quote_and_one_wake_up() {
        let inbox = MarketInbox::new("test", 4);
        assert!(inbox.publish_quote(quote("NSE_EQ|A1", 1)), "first publish wakes the consumer");
        for i in 2..=1000 {
            assert!(!inbox.publish_quote(quote("NSE_EQ|A1", i)), "no more wake-ups while one is pending");
        }
        assert!(!inbox.publish_quote(quote("NSE_EQ|B1", 5)));
        assert_eq!(inbox.depth(), 2, "one slot per instrument, not a backlog");
        let mut batch = MarketBatch::default();
        inbox.take(&mut batch);
        let lasts: Vec<i64> = batch.quotes.iter().map(|q| q.quote.last.micros()).collect();
        assert_eq!(lasts, [1000, 5]);
        assert!(inbox.publish_quote(quote("NSE_EQ|A1", 1001)), "after a take, the next publish wakes again");
    }

    #[test]
    fn bars_keep_order_and_drop_the_oldest_when_full() {
        let inbox = MarketInbox::new("test", 2);
        let key = InstrumentKey::new("NSE_EQ|A1").unwrap();
        let bar = |n: i64| Bar {
            ts: Timestamp::from_nanos(n),
            open: Price::from_micros(1),
            high: Price::from_micros(1),
            low: Price::from_micros(1),
            close: Price::from_micros(1),
            volume: 0,
        };
        for n in 1..=3 {
            inbox.publish_bar(key.clone(), bar(n), Instant::now());
        }
        let mut batch = MarketBatch::default();
        inbox.take(&mut batch);
        let ts: Vec<i64> = batch.bars.iter().map(|(_, b, _)| b.ts.nanos()).collect();
        assert_eq!(ts, [2, 3]);
    }
}
