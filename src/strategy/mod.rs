//! Strategies: the `Strategy` trait, the view and context they decide with, incremental
//! indicators, sizing, the built-in strategies and their configuration.
//!
//! A strategy is a plain value driven by callbacks (bars, quotes, order updates, fills, timers).
//! It reads engine state only through a [`StrategyView`] and acts only by submitting
//! `OrderIntent`s through its [`StrategyContext`]; the risk gate decides what reaches a broker.
//! The same value runs in backtests and live trading.

mod context;
mod donchian;
pub mod indicators;
mod long_only;
mod params;
mod sizing;
mod sma_cross;
#[cfg(test)]
mod test_view;
mod view;

pub use context::StrategyContext;
pub use donchian::Donchian;
pub use params::{DonchianParams, SmaCrossParams, StrategyParams, StrategySpec};
pub use sizing::Sizing;
pub use sma_cross::SmaCross;
pub use view::StrategyView;

use crate::model::{Bar, Fill, InstrumentKey, Order, Quote};
use crate::time::Timestamp;

/// A trading strategy. Every callback defaults to doing nothing; a strategy overrides the ones it
/// needs. Callbacks must return promptly: no blocking, no I/O, no clock, no allocation per bar.
pub trait Strategy: Send {
    /// The strategy's kind as configured (`sma_cross`, `donchian`).
    fn kind(&self) -> &'static str;

    /// Called once before any market data.
    fn on_start(&mut self, _ctx: &mut StrategyContext<'_>) {}

    /// A new quote for a subscribed instrument.
    fn on_quote(&mut self, _ctx: &mut StrategyContext<'_>, _quote: &Quote) {}

    /// A completed bar for a subscribed instrument.
    fn on_bar(&mut self, _ctx: &mut StrategyContext<'_>, _instrument: &InstrumentKey, _bar: &Bar) {}

    /// One of this strategy's orders changed state.
    fn on_order_update(&mut self, _ctx: &mut StrategyContext<'_>, _order: &Order) {}

    /// One of this strategy's orders filled (in part or in full).
    fn on_fill(&mut self, _ctx: &mut StrategyContext<'_>, _fill: &Fill) {}

    /// A timer the runner schedules (e.g. once a second, or at session boundaries).
    fn on_timer(&mut self, _ctx: &mut StrategyContext<'_>, _now: Timestamp) {}
}
