//! The order decisions every long-only strategy shares: enter when flat, exit all when long, and
//! stay still while an order is in flight.

use super::{Sizing, StrategyContext, StrategyView};
use crate::model::{InstrumentKey, OrderIntent, Side};
use crate::num::{Price, Quantity};

/// Where a long-only strategy stands on an instrument, when it is free to act.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Holding {
    Flat,
    Long(Quantity),
}

/// The holding on `instrument`, or `None` when the strategy must not act: an order on it is still
/// open (acting again would double an entry or an exit), or the position is short (opened by hand;
/// a long-only strategy leaves it to the operator).
pub(crate) fn holding(view: &dyn StrategyView, instrument: &InstrumentKey) -> Option<Holding> {
    if view.open_order_count(instrument) > 0 {
        return None;
    }
    match view.position(instrument) {
        0 => Some(Holding::Flat),
        units if units > 0 => Some(Holding::Long(Quantity::new(units.unsigned_abs()))),
        _ => None,
    }
}

/// Buys what `sizing` allows at `price`; a zero quantity sends nothing.
pub(crate) fn enter(ctx: &mut StrategyContext<'_>, instrument: &InstrumentKey, price: Price, sizing: &Sizing) {
    let quantity = sizing.quantity(ctx.view.cash(), price, ctx.view.lot_size(instrument));
    if !quantity.is_zero() {
        ctx.submit(OrderIntent::market(instrument.clone(), Side::Buy, quantity));
    }
}

/// Sells the whole long position.
pub(crate) fn exit(ctx: &mut StrategyContext<'_>, instrument: &InstrumentKey, quantity: Quantity) {
    ctx.submit(OrderIntent::market(instrument.clone(), Side::Sell, quantity));
}
