//! `BacktestRun`: the record a backtest leaves, from which summaries and reports are built.

use serde::Serialize;

use super::ClosedTrade;
use crate::model::{Portfolio, Side};
use crate::num::{Money, Price, Quantity};
use crate::paper::RejectReason;
use crate::risk::Refusal;
use crate::time::Timestamp;

/// One fill, as `fills.csv` lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FillRecord {
    /// Index of the bar the fill happened in (0-based, in file order).
    pub bar: usize,
    pub ts: Timestamp,
    pub side: Side,
    pub quantity: Quantity,
    pub price: Price,
    /// Every charge the fill paid.
    pub charges: Money,
}

/// An order the risk gate refused: recorded, reported, never silently dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedOrder {
    pub bar: usize,
    pub ts: Timestamp,
    pub side: Side,
    pub quantity: Quantity,
    pub refusal: Refusal,
}

/// An order the paper matcher rejected at submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedOrder {
    pub bar: usize,
    pub ts: Timestamp,
    pub side: Side,
    pub quantity: Quantity,
    pub reason: RejectReason,
}

/// Everything one run produced. `equity[i]` is the account's equity at bar `i`'s close (cash plus
/// the position at that close), one value per bar.
#[derive(Debug, Clone)]
pub struct BacktestRun {
    pub initial_cash: Money,
    pub equity: Vec<Money>,
    pub fills: Vec<FillRecord>,
    pub trades: Vec<ClosedTrade>,
    pub refused: Vec<RefusedOrder>,
    pub rejected: Vec<RejectedOrder>,
    /// Bars at whose close a position was held.
    pub exposed_bars: usize,
    /// The account after the last bar, marked at the last close.
    pub portfolio: Portfolio,
    /// Signed units still held after the last bar (valued at the last close in the equity).
    pub final_position: i64,
}

impl BacktestRun {
    /// Equity after the last bar (the initial cash when there were no bars).
    pub fn final_equity(&self) -> Money {
        self.equity.last().copied().unwrap_or(self.initial_cash)
    }
}
