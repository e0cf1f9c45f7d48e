//! `TokenBucket`: an orders-per-second limit on injected time, in exact integer arithmetic.

use crate::time::Timestamp;

/// Nano-tokens per token. With time in nanoseconds, a rate of `r` tokens per second refills
/// exactly `r` nano-tokens per elapsed nanosecond, so refill is one integer multiplication.
const NANO_TOKENS_PER_TOKEN: u64 = 1_000_000_000;

/// Allows up to `per_second` orders in a burst, refilled continuously at `per_second` orders per
/// second. Time comes from the caller, so backtests and tests are deterministic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenBucket {
    per_second: u32,
    /// Available nano-tokens, at most `capacity()`.
    nano_tokens: u64,
    /// The latest instant seen; `None` until first used (the bucket starts full).
    last: Option<Timestamp>,
}

impl TokenBucket {
    /// A full bucket allowing `per_second` orders per second (0 allows nothing).
    pub fn new(per_second: u32) -> TokenBucket {
        TokenBucket { per_second, nano_tokens: capacity(per_second), last: None }
    }

    /// The configured rate, which is also the burst size.
    pub fn per_second(&self) -> u32 {
        self.per_second
    }

    /// The same bucket at a new rate, keeping its current fill (capped at the new burst) so that
    /// reloading the limits does not hand out a fresh burst.
    pub fn with_rate(&self, per_second: u32) -> TokenBucket {
        TokenBucket { per_second, nano_tokens: self.nano_tokens.min(capacity(per_second)), last: self.last }
    }

    /// Whether `try_take(now)` would succeed, without spending anything.
    pub fn would_allow(&self, now: Timestamp) -> bool {
        self.refilled(now) >= NANO_TOKENS_PER_TOKEN
    }

    /// Spends one token if one is available at `now`.
    pub fn try_take(&mut self, now: Timestamp) -> bool {
        self.nano_tokens = self.refilled(now);
        // Never move `last` backwards: a clock that steps back and forward again would otherwise
        // refill the same interval twice.
        self.last = Some(self.last.map_or(now, |last| last.max(now)));
        if self.nano_tokens >= NANO_TOKENS_PER_TOKEN {
            self.nano_tokens -= NANO_TOKENS_PER_TOKEN;
            true
        } else {
            false
        }
    }

    /// The fill at `now`: time before the latest instant seen adds nothing.
    fn refilled(&self, now: Timestamp) -> u64 {
        let elapsed = match self.last {
            Some(last) => u128::try_from(now.since(last)).unwrap_or(0),
            None => 0,
        };
        let cap = capacity(self.per_second);
        let added = elapsed.saturating_mul(u128::from(self.per_second));
        let total = u128::from(self.nano_tokens).saturating_add(added);
        u64::try_from(total.min(u128::from(cap))).unwrap_or(cap)
    }
}

fn capacity(per_second: u32) -> u64 {
    u64::from(per_second) * NANO_TOKENS_PER_TOKEN
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MS: i64 = 1_000_000;

    fn at(ms: i64) -> Timestamp {
        Timestamp::from_nanos(1_800_000_000_000_000_000 + ms * MS)
    }

    #[test]
    fn burst_then_refill_at_the_rate() {
        let mut bucket = TokenBucket::new(10);
        for i in 0..10 {
            assert!(bucket.try_take(at(0)), "order {i} of the burst");
        }
        assert!(!bucket.try_take(at(0)), "the 11th in the same instant");
        assert!(!bucket.try_take(at(99)), "99 ms refill 0.99 of a token");
        assert!(bucket.try_take(at(100)), "100 ms refill one token at 10/s");
        assert!(!bucket.try_take(at(100)));
        assert!(bucket.try_take(at(250)), "150 ms more: 1.5 tokens");
        assert!(!bucket.try_take(at(250)), "the remaining half token is not rounded up");
        assert!(bucket.try_take(at(300)), "0.5 kept + 0.5 refilled");
    }

    #[test]
    fn refill_stops_at_the_burst_size() {
        let mut bucket = TokenBucket::new(3);
        assert!(bucket.try_take(at(0)));
        let taken = (0..10).filter(|_| bucket.try_take(at(60_000))).count();
        assert_eq!(taken, 3, "a minute idle still refills only up to 3");
    }

    #[test]
    fn time_going_backwards_mints_nothing() {
        let mut bucket = TokenBucket::new(1);
        assert!(bucket.try_take(at(1_000)));
        assert!(!bucket.try_take(at(0)), "earlier instant: no refill");
        assert!(!bucket.try_take(at(1_500)), "still only half a token since 1000 ms");
        assert!(bucket.try_take(at(2_000)));
    }

    #[test]
    fn would_allow_spends_nothing() {
        let mut bucket = TokenBucket::new(1);
        assert!(bucket.would_allow(at(0)) && bucket.would_allow(at(0)));
        assert!(bucket.try_take(at(0)));
        assert!(!bucket.would_allow(at(999)));
        assert!(bucket.would_allow(at(1_000)));
    }

    #[test]
    fn zero_rate_allows_nothing_and_rate_changes_keep_the_fill() {
        assert!(!TokenBucket::new(0).try_take(at(0)));
        let mut bucket = TokenBucket::new(5);
        for _ in 0..5 {
            assert!(bucket.try_take(at(0)));
        }
        let mut faster = bucket.with_rate(10);
        assert_eq!(faster.per_second(), 10);
        assert!(!faster.try_take(at(0)), "a reload must not refill the bucket");
        assert!(faster.try_take(at(100)), "but the new rate applies from now on");
        let mut slower = TokenBucket::new(10).with_rate(2);
        assert_eq!((0..5).filter(|_| slower.try_take(at(0))).count(), 2, "fill capped at the new burst");
    }

    proptest! {
        /// Over any sequence of instants (in any order), the orders allowed never exceed the
        /// burst plus the rate times the span of time actually covered.
        #[test]
        fn never_allows_more_than_burst_plus_rate(
            rate in 1u32..50,
            steps in proptest::collection::vec(-2_000i64..5_000, 1..200),
        ) {
            let mut bucket = TokenBucket::new(rate);
            let mut allowed = 0u64;
            let (mut first, mut latest) = (i64::MAX, i64::MIN);
            for ms in steps {
                first = first.min(ms);
                latest = latest.max(ms);
                if bucket.try_take(at(ms)) {
                    allowed += 1;
                }
            }
            let span_ms = u64::try_from(latest - first).unwrap();
            prop_assert!(allowed <= u64::from(rate) + u64::from(rate) * span_ms / 1_000);
        }
    }
}
