//! The `Clock` trait: live trading reads the system clock, backtests and tests a simulated one.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use super::Timestamp;

/// A source of the current instant. Everything in the core takes time from a `Clock` (or from
/// the event it is handling), never from the wall clock directly, so backtests are deterministic.
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

/// The system's real-time clock, for live trading.
#[derive(Debug, Default, Clone, Copy)]
pub struct LiveClock;

impl Clock for LiveClock {
    fn now(&self) -> Timestamp {
        // The one place in the core that reads the wall clock, by design.
        let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        Timestamp::from_nanos(i64::try_from(since_epoch.as_nanos()).unwrap_or(i64::MAX))
    }
}

/// A clock that moves only when told to: set by the backtest loop from each bar, or by tests.
#[derive(Debug, Default)]
pub struct SimulatedClock {
    nanos: AtomicI64,
}

impl SimulatedClock {
    pub fn new(start: Timestamp) -> SimulatedClock {
        SimulatedClock { nanos: AtomicI64::new(start.nanos()) }
    }

    pub fn set(&self, now: Timestamp) {
        self.nanos.store(now.nanos(), Ordering::Relaxed);
    }

    pub fn advance(&self, nanos: i64) {
        self.nanos.fetch_add(nanos, Ordering::Relaxed);
    }
}

impl Clock for SimulatedClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_nanos(self.nanos.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simulated_clock_moves_only_when_told() {
        let clock = SimulatedClock::new(Timestamp::from_nanos(10));
        assert_eq!(clock.now().nanos(), 10);
        clock.advance(5);
        assert_eq!(clock.now().nanos(), 15);
        clock.set(Timestamp::from_nanos(100));
        assert_eq!(clock.now().nanos(), 100);
        assert!(LiveClock.now().nanos() > 1_700_000_000_000_000_000);
    }
}
