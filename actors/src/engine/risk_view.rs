//! What the risk gate knows of positions and open orders, kept consistent with the router.
//!
//! The router sends an `ExposureSnapshot` after every change it makes. Orders the gate approved
//! but the router has not yet seen are in flight: the gate keeps them, numbered, and counts them
//! on top of the snapshot until a snapshot says the router has seen them. Without this, two
//! intents checked back to back could each pass a position limit that both together break.

use std::collections::{BTreeMap, VecDeque};

use trader::model::{Instrument, InstrumentKey, Side};
use trader::num::{Money, Price};
use trader::risk::{RiskContext, TradingState};
use trader::time::Timestamp;

/// One instrument's position and unfilled open quantity, as the router has it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InstrumentExposure {
    pub position: i64,
    pub open_buy: u64,
    pub open_sell: u64,
}

/// The router's view, stamped with the last approval number it has processed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExposureSnapshot {
    pub approvals_seen: u64,
    pub instruments: BTreeMap<InstrumentKey, InstrumentExposure>,
    pub gross_exposure: Money,
    pub day_pnl: Money,
}

#[derive(Debug, Default)]
pub struct RiskView {
    snapshot: ExposureSnapshot,
    in_flight: VecDeque<(u64, InstrumentKey, Side, u64)>,
    next_approval: u64,
}

impl RiskView {
    /// The context for checking an order on `key`.
    pub fn context<'a>(
        &self,
        key: &InstrumentKey,
        instrument: Option<&'a Instrument>,
        last_trade: Option<(Price, Timestamp)>,
        trading_state: TradingState,
        now: Timestamp,
    ) -> RiskContext<'a> {
        let mut exposure = self.snapshot.instruments.get(key).copied().unwrap_or_default();
        for (_, _, side, quantity) in self.in_flight.iter().filter(|(_, k, _, _)| k == key) {
            match side {
                Side::Buy => exposure.open_buy += quantity,
                Side::Sell => exposure.open_sell += quantity,
            }
        }
        RiskContext {
            now,
            trading_state,
            instrument,
            position: exposure.position,
            open_buy_quantity: exposure.open_buy,
            open_sell_quantity: exposure.open_sell,
            last_trade,
            gross_exposure: self.snapshot.gross_exposure,
            day_pnl: self.snapshot.day_pnl,
        }
    }

    /// Notes an approval about to be sent to the router; returns its number.
    pub fn approved(&mut self, key: InstrumentKey, side: Side, quantity: u64) -> u64 {
        self.next_approval += 1;
        self.in_flight.push_back((self.next_approval, key, side, quantity));
        self.next_approval
    }

    /// Forgets an approval that never reached the router (its queue refused it).
    pub fn withdraw(&mut self, approval: u64) {
        self.in_flight.retain(|(n, ..)| *n != approval);
    }

    pub fn update(&mut self, snapshot: ExposureSnapshot) {
        self.in_flight.retain(|(n, ..)| *n > snapshot.approvals_seen);
        self.snapshot = snapshot;
    }

    pub fn snapshot(&self) -> &ExposureSnapshot {
        &self.snapshot
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_flight_approvals_count_until_the_router_has_seen_them() {
        let key = InstrumentKey::new("NSE_EQ|INE002A01018").unwrap();
        let mut view = RiskView::default();
        let first = view.approved(key.clone(), Side::Buy, 10);
        view.approved(key.clone(), Side::Sell, 4);
        let ctx = view.context(&key, None, None, TradingState::Active, Timestamp::from_nanos(0));
        assert_eq!((ctx.open_buy_quantity, ctx.open_sell_quantity), (10, 4));

        let mut snapshot = ExposureSnapshot { approvals_seen: first, ..ExposureSnapshot::default() };
        snapshot.instruments.insert(key.clone(), InstrumentExposure { position: 10, open_buy: 0, open_sell: 0 });
        view.update(snapshot);
        let ctx = view.context(&key, None, None, TradingState::Active, Timestamp::from_nanos(0));
        assert_eq!((ctx.position, ctx.open_buy_quantity, ctx.open_sell_quantity), (10, 0, 4));

        view.withdraw(2);
        let ctx = view.context(&key, None, None, TradingState::Active, Timestamp::from_nanos(0));
        assert_eq!(ctx.open_sell_quantity, 0);
    }
}
