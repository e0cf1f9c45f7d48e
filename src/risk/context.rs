//! `RiskContext`: the state of the account the caller supplies with each order to check.

use super::TradingState;
use crate::model::Instrument;
use crate::num::{Money, Price};
use crate::time::Timestamp;

/// Everything the gate needs besides its limits, as plain borrowed data, so the gate stays a
/// pure function of its inputs (the risk actor assembles this from its own views).
#[derive(Debug, Clone, Copy)]
pub struct RiskContext<'a> {
    /// The instant of the decision (market hours, quote age and rate limits are measured at it).
    pub now: Timestamp,
    pub trading_state: TradingState,
    /// The order's instrument as the registry knows it; `None` when it is unknown.
    pub instrument: Option<&'a Instrument>,
    /// Current signed net quantity in this instrument (negative when short).
    pub position: i64,
    /// Unfilled quantity of open buy orders on this instrument.
    pub open_buy_quantity: u64,
    /// Unfilled quantity of open sell orders on this instrument.
    pub open_sell_quantity: u64,
    /// Price and exchange time of this instrument's last trade.
    pub last_trade: Option<(Price, Timestamp)>,
    /// Σ |net × mark| over all instruments now.
    pub gross_exposure: Money,
    /// Today's realised + unrealised P&L, net of charges (negative is a loss).
    pub day_pnl: Money,
}
