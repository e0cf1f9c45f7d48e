//! `FormingBar`: the bar of the current bucket, while trades still arrive for it.

use crate::model::Bar;
use crate::num::Price;
use crate::time::Timestamp;

/// An unfinished bar plus the exchange times of the trades that set its open and close, so a trade
/// that arrives late but still inside the bucket updates high, low and volume without becoming the
/// open or close out of time order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FormingBar {
    bar: Bar,
    first_ts: Timestamp,
    last_ts: Timestamp,
}

impl FormingBar {
    /// A bar opening at `bucket_start` with one trade of `volume` at `price`, traded at `ts`.
    pub(crate) fn new(bucket_start: Timestamp, ts: Timestamp, price: Price, volume: u64) -> FormingBar {
        let bar = Bar { ts: bucket_start, open: price, high: price, low: price, close: price, volume };
        FormingBar { bar, first_ts: ts, last_ts: ts }
    }

    /// Adds a trade in the same bucket. Ties keep arrival order: the first trade stamped with the
    /// earliest time is the open, the last one stamped with the latest time is the close.
    pub(crate) fn add(&mut self, ts: Timestamp, price: Price, volume: u64) {
        let bar = &mut self.bar;
        bar.high = bar.high.max(price);
        bar.low = bar.low.min(price);
        bar.volume = bar.volume.saturating_add(volume);
        if ts < self.first_ts {
            self.first_ts = ts;
            bar.open = price;
        }
        if ts >= self.last_ts {
            self.last_ts = ts;
            bar.close = price;
        }
    }

    /// The bar as it stands; `ts` is the bucket's opening instant.
    pub(crate) fn bar(&self) -> Bar {
        self.bar
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Price {
        text.parse().unwrap()
    }

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_seconds(seconds).unwrap()
    }

    #[test]
    fn a_late_trade_inside_the_bucket_moves_extremes_but_not_open_or_close_out_of_order() {
        let mut forming = FormingBar::new(at(0), at(10), p("100"), 5);
        forming.add(at(20), p("101"), 1);
        forming.add(at(15), p("99"), 2); // stamped before the 101 trade: a new low, not the close
        assert_eq!(
            forming.bar(),
            Bar { ts: at(0), open: p("100"), high: p("101"), low: p("99"), close: p("101"), volume: 8 }
        );
        forming.add(at(5), p("98.5"), 0); // stamped before the first trade: the new open
        forming.add(at(20), p("100.5"), 0); // same time as the close: arrival order breaks the tie
        let bar = forming.bar();
        assert_eq!((bar.open, bar.low, bar.close, bar.volume), (p("98.5"), p("98.5"), p("100.5"), 8));
    }
}
