//! Bounded queues between actors, each with its overflow policy (ARCHITECTURE §3): orders are
//! refused when full (`BoundedRef`), market data conflates (`MarketInbox`), the journal applies
//! backpressure (its own bounded queue in `journal`).

mod bounded;
mod market_inbox;
mod slot;

pub use bounded::{BoundedRef, Permit, QueueError, QueueMeter};
pub use market_inbox::{MarketBatch, MarketInbox, ReceivedQuote};
pub use slot::ActorSlot;
