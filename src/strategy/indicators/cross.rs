//! Exact crossing of two moving averages: integer comparison, strict inequality on both bars.

use std::cmp::Ordering;

use super::Sma;

/// The direction of a cross of a fast average over a slow one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cross {
    /// Fast was strictly below slow on the previous bar and is strictly above now.
    Above,
    /// Fast was strictly above slow on the previous bar and is strictly below now.
    Below,
}

/// Compares the averages of `fast` and `slow` exactly: `fast_sum / fast_len` against
/// `slow_sum / slow_len` is decided as `fast_sum × slow_len` against `slow_sum × fast_len`, so no
/// division, rounding or float is involved (ARCHITECTURE §5). Lengths are the values each holds
/// now; an empty average compares equal to anything.
///
/// Cannot overflow: each |sum| ≤ `MAX_WINDOW` × 2⁶³ < 2⁸⁰ and each length ≤ `MAX_WINDOW` < 2¹⁷, so
/// each product stays below 2⁹⁷, far inside `i128`.
pub fn compare_averages(fast: &Sma, slow: &Sma) -> Ordering {
    let fast_scaled = fast.sum() * slow.len() as i128;
    let slow_scaled = slow.sum() * fast.len() as i128;
    fast_scaled.cmp(&slow_scaled)
}

/// Turns a bar-by-bar ordering of fast against slow into crosses, as backtesting.py's `crossover`
/// defines them: `fast[-2] < slow[-2] and fast[-1] > slow[-1]`. Only the immediately previous bar
/// counts, so equal averages are never a cross, and a move through equality (below, equal, above)
/// is not one either: neither of its two steps is strict on both bars.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CrossDetector {
    previous: Option<Ordering>,
}

impl CrossDetector {
    pub const fn new() -> CrossDetector {
        CrossDetector { previous: None }
    }

    /// Records this bar's ordering of fast against slow and reports a cross from the previous bar.
    pub fn update(&mut self, now: Ordering) -> Option<Cross> {
        let cross = match (self.previous, now) {
            (Some(Ordering::Less), Ordering::Greater) => Some(Cross::Above),
            (Some(Ordering::Greater), Ordering::Less) => Some(Cross::Below),
            _ => None,
        };
        self.previous = Some(now);
        cross
    }

    /// Forgets the previous bar, so the next update cannot report a cross.
    pub fn reset(&mut self) {
        self.previous = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::num::Price;
    use Ordering::{Equal, Greater, Less};

    fn sma_of(window: usize, prices: &[&str]) -> Sma {
        let mut sma = Sma::new(window);
        for price in prices {
            sma.push(price.parse::<Price>().unwrap());
        }
        sma
    }

    #[test]
    fn averages_compare_exactly_where_floats_would_not() {
        // (0.1 + 0.2 + 0.3) / 3 is 0.20000000000000004 in f64; exactly 0.2 here.
        let fast = sma_of(3, &["0.10", "0.20", "0.30"]);
        let slow = sma_of(1, &["0.20"]);
        assert_eq!(compare_averages(&fast, &slow), Equal);
        // 100.01 / 1 against (100.00 + 100.01 + 100.02) / 3 = 100.01: equal; one paisa more is above.
        assert_eq!(compare_averages(&sma_of(1, &["100.01"]), &sma_of(3, &["100.00", "100.01", "100.02"])), Equal);
        assert_eq!(compare_averages(&sma_of(1, &["100.02"]), &sma_of(3, &["100.00", "100.01", "100.02"])), Greater);
        // (10 + 11) / 2 = 10.5 against (10 + 11 + 11) / 3 = 10.666…
        assert_eq!(compare_averages(&sma_of(2, &["10", "11"]), &sma_of(3, &["10", "11", "11"])), Less);
    }

    #[test]
    fn extreme_sums_compare_without_overflow() {
        let mut big = Sma::new(crate::strategy::indicators::MAX_WINDOW);
        for _ in 0..crate::strategy::indicators::MAX_WINDOW {
            big.push(Price::from_micros(i64::MAX));
        }
        let mut small = Sma::new(1);
        small.push(Price::from_micros(i64::MAX - 1));
        assert_eq!(compare_averages(&big, &small), Greater);
        assert_eq!(compare_averages(&small, &big), Less);
        assert_eq!(compare_averages(&big, &sma_of(1, &["0"])), Greater);
    }

    #[test]
    fn strict_cross_up_and_down() {
        let mut detector = CrossDetector::new();
        assert_eq!(detector.update(Greater), None, "the first bar has no previous bar");
        assert_eq!(detector.update(Less), Some(Cross::Below));
        assert_eq!(detector.update(Less), None);
        assert_eq!(detector.update(Greater), Some(Cross::Above));
        assert_eq!(detector.update(Greater), None);
    }

    #[test]
    fn equal_averages_are_never_a_cross() {
        let mut detector = CrossDetector::new();
        for ordering in [Equal, Equal, Equal] {
            assert_eq!(detector.update(ordering), None);
        }
        // Touching from below and falling back is no cross either.
        assert_eq!(detector.update(Less), None);
        assert_eq!(detector.update(Equal), None);
        assert_eq!(detector.update(Less), None);
    }

    #[test]
    fn touch_then_cross_is_not_a_cross() {
        // backtesting.py needs strict inequality on both of two consecutive bars: below → equal →
        // above never has a bar pair that is strictly below then strictly above.
        let mut detector = CrossDetector::new();
        assert_eq!(detector.update(Less), None);
        assert_eq!(detector.update(Equal), None);
        assert_eq!(detector.update(Greater), None);
        // And the same through equality downwards.
        assert_eq!(detector.update(Equal), None);
        assert_eq!(detector.update(Less), None);
        // A later strict cross still counts.
        assert_eq!(detector.update(Greater), Some(Cross::Above));
    }

    #[test]
    fn reset_forgets_the_previous_bar() {
        let mut detector = CrossDetector::new();
        detector.update(Less);
        detector.reset();
        assert_eq!(detector.update(Greater), None);
    }
}
