//! The paper broker: the core's `PaperMatcher` behind the `Broker` trait.

use trader::model::{Instrument, Order, OrderId, OrderKind, Quote};
use trader::num::Quantity;
use trader::paper::{MatchEvent, PaperConfig, PaperMatcher};
use trader::time::Timestamp;

use super::{Broker, BrokerError, BrokerReport};

pub struct PaperBroker {
    matcher: PaperMatcher,
    events: Vec<MatchEvent>,
}

impl PaperBroker {
    pub fn new(config: PaperConfig) -> PaperBroker {
        PaperBroker { matcher: PaperMatcher::new(config), events: Vec::with_capacity(16) }
    }

    fn translate(&mut self, out: &mut Vec<BrokerReport>) {
        for event in self.events.drain(..) {
            out.push(match event {
                MatchEvent::Accepted { order_id } => BrokerReport::Accepted { order_id },
                MatchEvent::Rejected { order_id, reason } => {
                    BrokerReport::Rejected { order_id, reason: reason.to_string() }
                }
                MatchEvent::Fill { order_id, quantity, price, ts } => {
                    BrokerReport::Fill { order_id, quantity, price, ts }
                }
                MatchEvent::Cancelled { order_id, reason, .. } => {
                    BrokerReport::Cancelled { order_id, reason: format!("{reason:?}") }
                }
                MatchEvent::Triggered { .. } => continue,
            });
        }
    }
}

impl Broker for PaperBroker {
    fn name(&self) -> &'static str {
        "paper"
    }

    fn submit(
        &mut self,
        order: &Order,
        instrument: &Instrument,
        now: Timestamp,
        out: &mut Vec<BrokerReport>,
    ) -> Result<(), BrokerError> {
        self.matcher.submit(order, instrument, now, &mut self.events);
        self.translate(out);
        Ok(())
    }

    fn cancel(&mut self, order_id: &OrderId, out: &mut Vec<BrokerReport>) -> Result<(), BrokerError> {
        if self.matcher.cancel(order_id, &mut self.events) {
            self.translate(out);
            Ok(())
        } else {
            Err(BrokerError::Permanent(format!("order {order_id} is not working")))
        }
    }

    fn modify(
        &mut self,
        order: &Order,
        kind: OrderKind,
        quantity: Quantity,
        instrument: &Instrument,
        now: Timestamp,
        out: &mut Vec<BrokerReport>,
    ) -> Result<(), BrokerError> {
        let mut changed = order.clone();
        changed.request.intent.kind = kind;
        changed.request.intent.quantity = quantity;
        match self.matcher.modify(&changed, instrument, now, &mut self.events) {
            Ok(()) => {
                // The change first, then whatever the changed order filled at once.
                out.push(BrokerReport::Modified { order_id: order.id.clone() });
                self.translate(out);
            }
            Err(reason) => {
                out.push(BrokerReport::ModifyRejected { order_id: order.id.clone(), reason: reason.to_string() })
            }
        }
        Ok(())
    }

    fn on_quote(&mut self, quote: &Quote, out: &mut Vec<BrokerReport>) {
        self.matcher.on_quote(quote, &mut self.events);
        self.translate(out);
    }

    fn restore(
        &mut self,
        order: &Order,
        instrument: &Instrument,
        now: Timestamp,
        out: &mut Vec<BrokerReport>,
    ) -> Result<(), BrokerError> {
        // The matcher takes new orders only: give it one for what remains, under the same id, and
        // drop its acceptance (the order was accepted before the restart).
        let mut request = order.request.clone();
        request.intent.quantity = order.remaining();
        let working = Order::new(order.id.clone(), request, now);
        self.matcher.submit(&working, instrument, now, &mut self.events);
        let mut reports = Vec::new();
        self.translate(&mut reports);
        let mut reports = reports.into_iter();
        match reports.next() {
            Some(BrokerReport::Accepted { .. }) => {
                out.extend(reports);
                Ok(())
            }
            Some(BrokerReport::Rejected { reason, .. }) => Err(BrokerError::Permanent(reason)),
            _ => Err(BrokerError::Permanent("the paper matcher did not accept the restored order".into())),
        }
    }
}
