//! `RollingExtreme`: the highest or lowest price of the last `window` prices, amortised O(1).

use std::collections::VecDeque;

use crate::num::Price;

use super::MAX_WINDOW;

/// Which end of the window a [`RollingExtreme`] tracks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extreme {
    Max,
    Min,
}

/// The rolling maximum or minimum over a fixed window, kept with a monotonic deque: a price that
/// can never again be the extreme (an older one beaten by a newer one) is dropped at once, so each
/// price enters and leaves the deque once and a push is amortised O(1).
#[derive(Debug, Clone)]
pub struct RollingExtreme {
    keep: Extreme,
    window: usize,
    /// Candidates as (sequence number, price), oldest first; prices strictly decrease from front to
    /// back for `Max` (increase for `Min`), so the front is the extreme. At most `window` entries,
    /// so the capacity reserved at construction is never outgrown.
    candidates: VecDeque<(u64, Price)>,
    pushed: u64,
}

impl RollingExtreme {
    /// A rolling extreme over `window` prices. Allocates once, here.
    ///
    /// # Panics
    /// When `window` is 0 or above [`MAX_WINDOW`]; configuration validation refuses both first.
    pub fn new(keep: Extreme, window: usize) -> RollingExtreme {
        assert!((1..=MAX_WINDOW).contains(&window), "rolling window must be 1 to {MAX_WINDOW}, got {window}");
        RollingExtreme { keep, window, candidates: VecDeque::with_capacity(window), pushed: 0 }
    }

    /// The rolling maximum over `window` prices.
    pub fn max(window: usize) -> RollingExtreme {
        RollingExtreme::new(Extreme::Max, window)
    }

    /// The rolling minimum over `window` prices.
    pub fn min(window: usize) -> RollingExtreme {
        RollingExtreme::new(Extreme::Min, window)
    }

    /// Adds a price. Returns whether the window is full.
    pub fn push(&mut self, price: Price) -> bool {
        let seq = self.pushed;
        self.pushed += 1;
        // Expire first, so the deque holds at most `window − 1` entries before the new one goes in.
        while self.candidates.front().is_some_and(|&(front, _)| front + self.window as u64 <= seq) {
            self.candidates.pop_front();
        }
        // An older price no better than the new one can never be the extreme again (ties keep the
        // newer, which stays longer).
        let beaten = |old: Price| match self.keep {
            Extreme::Max => old <= price,
            Extreme::Min => old >= price,
        };
        while self.candidates.back().is_some_and(|&(_, old)| beaten(old)) {
            self.candidates.pop_back();
        }
        self.candidates.push_back((seq, price));
        self.is_ready()
    }

    /// The extreme of the last `window` prices, once the window is full.
    pub fn value(&self) -> Option<Price> {
        if self.is_ready() {
            self.candidates.front().map(|&(_, price)| price)
        } else {
            None
        }
    }

    /// Whether `window` prices have been pushed.
    pub fn is_ready(&self) -> bool {
        self.pushed >= self.window as u64
    }

    pub fn window(&self) -> usize {
        self.window
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(text: &str) -> Price {
        text.parse().unwrap()
    }

    #[test]
    fn max_and_min_over_a_window_of_three() {
        let mut high = RollingExtreme::max(3);
        let mut low = RollingExtreme::min(3);
        let series = ["10", "12", "11", "9", "9", "13", "8"];
        // Windows: [10 12 11] [12 11 9] [11 9 9] [9 9 13] [9 13 8]
        let want_max = [None, None, Some("12"), Some("12"), Some("11"), Some("13"), Some("13")];
        let want_min = [None, None, Some("10"), Some("9"), Some("9"), Some("9"), Some("8")];
        for (i, price) in series.iter().enumerate() {
            assert_eq!(high.push(p(price)), i >= 2);
            low.push(p(price));
            assert_eq!(high.value(), want_max[i].map(p), "max after bar {i}");
            assert_eq!(low.value(), want_min[i].map(p), "min after bar {i}");
        }
    }

    #[test]
    fn deque_never_outgrows_its_window() {
        // A falling series is the worst case for a max: nothing is ever beaten, only expired.
        let mut high = RollingExtreme::max(4);
        let capacity = high.candidates.capacity();
        for micros in (0..100).rev() {
            high.push(Price::from_micros(micros));
            assert!(high.candidates.len() <= 4);
        }
        assert_eq!(high.candidates.capacity(), capacity);
        assert_eq!(high.value(), Some(Price::from_micros(3)));
    }

    proptest! {
        #[test]
        fn equals_naive_max_and_min(window in 1usize..10, prices in proptest::collection::vec(-50i64..50, 0..80)) {
            let mut high = RollingExtreme::max(window);
            let mut low = RollingExtreme::min(window);
            for (i, &micros) in prices.iter().enumerate() {
                high.push(Price::from_micros(micros));
                low.push(Price::from_micros(micros));
                if i + 1 >= window {
                    let last = &prices[i + 1 - window..=i];
                    prop_assert_eq!(high.value(), last.iter().max().map(|&m| Price::from_micros(m)));
                    prop_assert_eq!(low.value(), last.iter().min().map(|&m| Price::from_micros(m)));
                } else {
                    prop_assert_eq!(high.value(), None);
                    prop_assert_eq!(low.value(), None);
                }
            }
        }
    }
}
