//! `BarSeries`: one instrument's bars at one interval — the forming bar and a bounded history.

use std::collections::VecDeque;

use super::forming::FormingBar;
use super::BarInterval;
use crate::model::Bar;
use crate::num::Price;
use crate::time::Timestamp;

/// What one trade did to a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TradeOutcome {
    /// Joined the forming bar (or opened the first one).
    Added,
    /// Landed in a later bucket: the forming bar completed (returned) and a new one opened.
    Completed(Bar),
    /// Stamped before the forming bucket (or before the end of the last completed bar): ignored.
    Late,
}

/// Bars of one instrument at one interval. Buckets without trades produce no bar.
#[derive(Debug, Clone)]
pub(crate) struct BarSeries {
    interval: BarInterval,
    forming: Option<FormingBar>,
    /// The earliest bucket a trade may still land in: the end of the last completed bar.
    floor: Option<Timestamp>,
    history: VecDeque<Bar>,
    capacity: usize,
}

impl BarSeries {
    /// An empty series keeping up to `capacity` (at least 1) completed bars.
    pub(crate) fn new(interval: BarInterval, capacity: usize) -> BarSeries {
        let capacity = capacity.max(1);
        // Reserve lazily: an instrument quoted once should not cost a full ring per interval.
        BarSeries { interval, forming: None, floor: None, history: VecDeque::new(), capacity }
    }

    pub(crate) fn interval(&self) -> BarInterval {
        self.interval
    }

    /// Feeds one trade of `volume` units at `price`, stamped `ts`.
    pub(crate) fn on_trade(&mut self, ts: Timestamp, price: Price, volume: u64) -> TradeOutcome {
        let bucket = self.interval.bucket_start(ts);
        match &mut self.forming {
            Some(forming) if bucket == forming.bar().ts => {
                forming.add(ts, price, volume);
                TradeOutcome::Added
            }
            Some(forming) if bucket < forming.bar().ts => TradeOutcome::Late,
            Some(_) => {
                let completed = self.complete();
                self.forming = Some(FormingBar::new(bucket, ts, price, volume));
                completed.map_or(TradeOutcome::Added, TradeOutcome::Completed)
            }
            None if self.floor.is_some_and(|floor| bucket < floor) => TradeOutcome::Late,
            None => {
                self.forming = Some(FormingBar::new(bucket, ts, price, volume));
                TradeOutcome::Added
            }
        }
    }

    /// Completes the forming bar if its bucket has ended by `now`.
    pub(crate) fn close_until(&mut self, now: Timestamp) -> Option<Bar> {
        let ended = self.forming.is_some_and(|f| self.interval.bucket_end(f.bar().ts) <= now);
        if ended {
            self.complete()
        } else {
            None
        }
    }

    /// The forming bar, if any trade has opened one.
    pub(crate) fn forming(&self) -> Option<Bar> {
        self.forming.map(|f| f.bar())
    }

    /// Up to `limit` of the most recent completed bars, oldest first.
    pub(crate) fn recent(&self, limit: usize) -> Vec<Bar> {
        let skip = self.history.len().saturating_sub(limit);
        self.history.iter().skip(skip).copied().collect()
    }

    fn complete(&mut self) -> Option<Bar> {
        let bar = self.forming.take()?.bar();
        if self.history.len() == self.capacity {
            self.history.pop_front();
        }
        self.history.push_back(bar);
        self.floor = Some(self.interval.bucket_end(bar.ts));
        Some(bar)
    }
}
