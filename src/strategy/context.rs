//! `StrategyContext`: what a strategy callback gets: the time, a view, and a place for intents.

use super::StrategyView;
use crate::model::OrderIntent;
use crate::time::Timestamp;

/// Passed to every strategy callback. Intents go into a buffer the runner owns and reuses, so a
/// callback never blocks, never allocates a buffer of its own, and never reads a clock: `now` is
/// the engine's time (simulated in backtests).
pub struct StrategyContext<'a> {
    /// The engine's current time.
    pub now: Timestamp,
    /// Read-only engine state.
    pub view: &'a dyn StrategyView,
    intents: &'a mut Vec<OrderIntent>,
}

impl<'a> StrategyContext<'a> {
    pub fn new(now: Timestamp, view: &'a dyn StrategyView, intents: &'a mut Vec<OrderIntent>) -> StrategyContext<'a> {
        StrategyContext { now, view, intents }
    }

    /// Asks for an order. The runner sends it on to the risk gate once the callback returns.
    pub fn submit(&mut self, intent: OrderIntent) {
        self.intents.push(intent);
    }

    /// The intents submitted so far through this context.
    pub fn submitted(&self) -> &[OrderIntent] {
        self.intents
    }
}
