//! One order's history: every change from its creation on, with its time and the status after it.
//!
//! Kept beside the order in the book, and rebuilt by recovery from the same journal records that
//! rebuild the order (`OrderCreated`, `OrderEvent`, `Fill`), so it survives a restart without a
//! journal read per request. Bounded: an order that fills in thousands of pieces keeps its
//! creation and its latest `MAX_ENTRIES - 1` changes, and counts what it dropped in between.

use std::collections::VecDeque;

use trader::model::{Order, OrderEvent, OrderKind, OrderStatus};
use trader::num::Quantity;
use trader::time::Timestamp;

/// Entries kept per order, the creation included.
pub const MAX_ENTRIES: usize = 200;

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistoryChange {
    /// The order was recorded with this type, prices and quantity.
    Created { kind: OrderKind, quantity: Quantity },
    /// An event applied to its state machine.
    Event(OrderEvent),
}

/// One change and the status it left the order in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub at: Timestamp,
    pub change: HistoryChange,
    pub status: OrderStatus,
}

/// An order's changes, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderHistory {
    entries: VecDeque<HistoryEntry>,
    /// Entries dropped between the creation and the oldest kept change.
    omitted: u64,
}

impl OrderHistory {
    /// The history of a newly recorded order: its creation.
    pub fn created(order: &Order) -> OrderHistory {
        let mut entries = VecDeque::with_capacity(4);
        entries.push_back(HistoryEntry {
            at: order.created_at,
            change: HistoryChange::Created { kind: order.request.intent.kind, quantity: order.request.intent.quantity },
            status: order.status(),
        });
        OrderHistory { entries, omitted: 0 }
    }

    /// Records `event`, applied at `at`, that left the order in `status`.
    pub fn push(&mut self, at: Timestamp, event: OrderEvent, status: OrderStatus) {
        if self.entries.len() >= MAX_ENTRIES {
            // Keep the creation (index 0); drop the oldest change after it.
            self.entries.remove(1);
            self.omitted += 1;
        }
        self.entries.push_back(HistoryEntry { at, change: HistoryChange::Event(event), status });
    }

    pub fn entries(&self) -> impl Iterator<Item = &HistoryEntry> {
        self.entries.iter()
    }

    pub fn omitted(&self) -> u64 {
        self.omitted
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trader::model::{ClientOrderId, InstrumentKey, OrderId, OrderIntent, OrderOrigin, OrderRequest, Side};
    use trader::num::Price;

    fn order() -> Order {
        let request = OrderRequest {
            client_order_id: ClientOrderId::new("c1").unwrap(),
            origin: OrderOrigin::Manual,
            intent: OrderIntent::market(
                InstrumentKey::new("NSE_EQ|INE002A01018").unwrap(),
                Side::Buy,
                Quantity::new(9),
            ),
            tag: None,
        };
        Order::new(OrderId::new("o1").unwrap(), request, Timestamp::from_nanos(7))
    }

    #[test]
    fn keeps_the_creation_and_the_latest_changes() {
        let mut history = OrderHistory::created(&order());
        let fill = |n: u64| OrderEvent::Filled { quantity: Quantity::new(n), price: Price::from_micros(1_000_000) };
        for n in 1..=(MAX_ENTRIES as u64 + 4) {
            history.push(Timestamp::from_nanos(10 + n as i64), fill(n), OrderStatus::PartiallyFilled);
        }
        let entries: Vec<&HistoryEntry> = history.entries().collect();
        assert_eq!(entries.len(), MAX_ENTRIES);
        assert_eq!(entries[0].change, HistoryChange::Created { kind: OrderKind::Market, quantity: Quantity::new(9) });
        assert_eq!((entries[0].at, entries[0].status), (Timestamp::from_nanos(7), OrderStatus::Pending));
        // 204 changes, 199 kept: the first 5 were dropped.
        assert_eq!(history.omitted(), 5);
        assert_eq!(entries[1].change, HistoryChange::Event(fill(6)));
        assert_eq!(entries[MAX_ENTRIES - 1].change, HistoryChange::Event(fill(MAX_ENTRIES as u64 + 4)));
    }
}
