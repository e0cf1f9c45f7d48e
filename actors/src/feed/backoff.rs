//! `Backoff`: jittered exponential delays between reconnect attempts.

use std::time::Duration;

use super::splitmix::SplitMix64;

/// Delays that double from `base` up to `max`, each drawn uniformly from the upper half of its
/// step ("equal jitter": [d/2, d]) so that reconnects spread out but never come sooner than half
/// the nominal delay. The jitter is drawn from a seeded generator, so a test sees exact delays.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    base: Duration,
    max: Duration,
    attempt: u32,
    rng: SplitMix64,
}

impl Backoff {
    pub(crate) fn new(base: Duration, max: Duration, seed: u64) -> Backoff {
        Backoff { base, max: max.max(base), attempt: 0, rng: SplitMix64::new(seed) }
    }

    /// The delay before the next attempt; each call doubles the nominal delay until `max`.
    pub(crate) fn next_delay(&mut self) -> Duration {
        let nominal = self.base.saturating_mul(1u32 << self.attempt.min(31)).min(self.max);
        self.attempt = self.attempt.saturating_add(1);
        let half = nominal / 2;
        let spread = u64::try_from((nominal - half).as_micros()).unwrap_or(u64::MAX);
        half + Duration::from_micros(self.rng.below(spread.saturating_add(1)))
    }

    /// Starts again from `base`, after a connection that worked.
    pub(crate) fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(millis: u64) -> Duration {
        Duration::from_millis(millis)
    }

    #[test]
    fn doubles_within_jitter_bounds_up_to_max_and_resets() {
        let mut backoff = Backoff::new(ms(100), ms(1000), 9);
        let bounds = [(50, 100), (100, 200), (200, 400), (400, 800), (500, 1000), (500, 1000), (500, 1000)];
        for (low, high) in bounds {
            let delay = backoff.next_delay();
            assert!(delay >= ms(low) && delay <= ms(high), "{delay:?} outside {low}..={high} ms");
        }
        for _ in 0..100 {
            assert!(backoff.next_delay() <= ms(1000), "never past max, even after many attempts");
        }
        backoff.reset();
        assert!(backoff.next_delay() <= ms(100));
    }

    #[test]
    fn the_same_seed_gives_the_same_delays() {
        let delays = |seed| {
            let mut backoff = Backoff::new(ms(100), ms(30_000), seed);
            (0..10).map(|_| backoff.next_delay()).collect::<Vec<_>>()
        };
        assert_eq!(delays(1), delays(1));
        assert_ne!(delays(1), delays(2));
    }

    #[test]
    fn a_max_below_base_is_raised_to_base() {
        let mut backoff = Backoff::new(ms(10), ms(1), 0);
        assert!((0..5).map(|_| backoff.next_delay()).all(|d| d >= ms(5) && d <= ms(10)));
    }
}
