//! `Sma`: a simple moving average kept as an exact running sum over a fixed window.

use crate::num::Price;

use super::MAX_WINDOW;

/// A simple moving average over the last `window` prices.
///
/// It keeps the prices' raw micros in a ring buffer and their running sum in an `i128`, so a push
/// is O(1) and the average is never rounded: callers compare sums scaled to a common length
/// (`compare_averages`) instead of dividing.
#[derive(Debug, Clone)]
pub struct Sma {
    /// Micros of the last `window` prices; `next` is where the next one goes (the oldest, once full).
    ring: Vec<i64>,
    next: usize,
    len: usize,
    sum: i128,
}

impl Sma {
    /// An empty average over `window` prices. Allocates once, here.
    ///
    /// # Panics
    /// When `window` is 0 or above [`MAX_WINDOW`]; configuration validation refuses both first.
    pub fn new(window: usize) -> Sma {
        assert!((1..=MAX_WINDOW).contains(&window), "SMA window must be 1 to {MAX_WINDOW}, got {window}");
        Sma { ring: vec![0; window], next: 0, len: 0, sum: 0 }
    }

    /// Adds a price, dropping the oldest once the window is full. Returns whether the window is
    /// full (the average is defined over exactly `window` prices).
    pub fn push(&mut self, price: Price) -> bool {
        let micros = price.micros();
        if self.len == self.ring.len() {
            self.sum -= i128::from(self.ring[self.next]);
        } else {
            self.len += 1;
        }
        self.ring[self.next] = micros;
        self.sum += i128::from(micros);
        self.next = (self.next + 1) % self.ring.len();
        self.is_ready()
    }

    /// Σ micros of the prices in the window. Bounded by `MAX_WINDOW × i64::MAX`, far inside `i128`.
    pub fn sum(&self) -> i128 {
        self.sum
    }

    /// How many prices the window holds now (at most `window`).
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The configured window length.
    pub fn window(&self) -> usize {
        self.ring.len()
    }

    /// Whether the window is full.
    pub fn is_ready(&self) -> bool {
        self.len == self.ring.len()
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
    fn sums_the_last_window_prices() {
        let mut sma = Sma::new(3);
        assert!(sma.is_empty());
        assert!(!sma.push(p("10.05")));
        assert!(!sma.push(p("10.10")));
        assert_eq!(sma.len(), 2);
        assert_eq!(sma.sum(), 20_150_000);
        assert!(sma.push(p("10.20")));
        // 10.05 + 10.10 + 10.20 = 30.35
        assert_eq!(sma.sum(), 30_350_000);
        assert!(sma.push(p("9.95")));
        // 10.05 leaves: 10.10 + 10.20 + 9.95 = 30.25
        assert_eq!(sma.sum(), 30_250_000);
        assert_eq!((sma.len(), sma.window()), (3, 3));
    }

    #[test]
    fn window_of_one_is_the_last_price() {
        let mut sma = Sma::new(1);
        assert!(sma.push(p("5")));
        assert!(sma.push(p("7.5")));
        assert_eq!(sma.sum(), 7_500_000);
    }

    #[test]
    #[should_panic(expected = "SMA window must be 1 to 100000, got 0")]
    fn zero_window_is_refused() {
        Sma::new(0);
    }

    #[test]
    fn extreme_prices_do_not_overflow() {
        let mut sma = Sma::new(4);
        for _ in 0..9 {
            sma.push(Price::from_micros(i64::MAX));
        }
        assert_eq!(sma.sum(), 4 * i128::from(i64::MAX));
    }

    proptest! {
        #[test]
        fn sum_equals_naive_sum_of_last_window(
            window in 1usize..12,
            prices in proptest::collection::vec(-1_000_000_000_000i64..1_000_000_000_000, 0..60),
        ) {
            let mut sma = Sma::new(window);
            for (i, &micros) in prices.iter().enumerate() {
                let ready = sma.push(Price::from_micros(micros));
                let start = (i + 1).saturating_sub(window);
                let naive: i128 = prices[start..=i].iter().map(|&m| i128::from(m)).sum();
                prop_assert_eq!(sma.sum(), naive);
                prop_assert_eq!(sma.len(), i + 1 - start);
                prop_assert_eq!(ready, i + 1 >= window);
            }
        }
    }
}
