//! `VolumeTracker`: how many units one quote traded, from a cumulative day volume or the last trade.

use crate::model::Quote;

/// Turns each quote of one instrument into the volume it adds to a bar.
///
/// When the feed carries a cumulative day volume (`Quote::volume` > 0, Upstox's `vtt`), the
/// volume of a quote is the growth of that total since the previous quote, never negative. This is
/// preferred over `last_quantity` because Upstox repeats the last trade's quantity on every
/// book-only update, which would count one trade many times. Quotes without a cumulative total
/// (replayed ticks, `volume` = 0) count their `last_quantity`.
///
/// The first cumulative total seen is only a baseline (it holds the whole day before we
/// subscribed), so that quote adds nothing. A total that falls (a new day's reset) adds nothing and
/// becomes the new baseline, so only the trades between the reset and the first quote after it are
/// lost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct VolumeTracker {
    cumulative: Option<u64>,
}

impl VolumeTracker {
    /// The volume `quote` adds, updating the baseline.
    pub(crate) fn traded(&mut self, quote: &Quote) -> u64 {
        if quote.volume == 0 {
            return quote.last_quantity.units();
        }
        let previous = self.cumulative.replace(quote.volume);
        previous.map_or(0, |previous| quote.volume.saturating_sub(previous))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::InstrumentKey;
    use crate::num::Quantity;
    use crate::time::Timestamp;

    fn quote(last_quantity: u64, volume: u64) -> Quote {
        let key = InstrumentKey::new("NSE_EQ|INE002A01018").unwrap();
        let mut quote =
            Quote::last_trade(key, Timestamp::from_nanos(0), "100".parse().unwrap(), Quantity::new(last_quantity));
        quote.volume = volume;
        quote
    }

    #[test]
    fn cumulative_totals_become_deltas_after_a_baseline() {
        let mut tracker = VolumeTracker::default();
        assert_eq!(tracker.traded(&quote(10, 5_000)), 0, "baseline");
        assert_eq!(tracker.traded(&quote(10, 5_010)), 10);
        // A book-only update repeats ltq = 10 with the same total: nothing traded.
        assert_eq!(tracker.traded(&quote(10, 5_010)), 0);
        assert_eq!(tracker.traded(&quote(0, 5_035)), 25);
        // The next day's total restarts below the old one: nothing, and a new baseline.
        assert_eq!(tracker.traded(&quote(3, 40)), 0);
        assert_eq!(tracker.traded(&quote(2, 47)), 7);
    }

    #[test]
    fn without_a_cumulative_total_the_last_quantity_counts() {
        let mut tracker = VolumeTracker::default();
        assert_eq!(tracker.traded(&quote(10, 0)), 10);
        assert_eq!(tracker.traded(&quote(0, 0)), 0);
        assert_eq!(tracker.traded(&quote(7, 0)), 7);
    }
}
