//! The domain model: identifiers, instruments, market data, orders and their state machine,
//! fills, positions and the portfolio.

pub mod fill;
pub mod ids;
pub mod instrument;
pub mod market;
pub mod order;
pub mod order_state;
pub mod portfolio;
pub mod position;

pub use fill::{Execution, Fill};
pub use ids::{ClientOrderId, FillId, IdError, InstrumentKey, OrderId, Segment, StrategyId};
pub use instrument::{Exchange, Instrument, InstrumentRegistry, InstrumentRuleError};
pub use market::{Bar, Quote};
pub use order::{OrderIntent, OrderKind, OrderOrigin, OrderRequest, Product, Side, Tag, Validity};
pub use order_state::{Order, OrderEvent, OrderStatus, TransitionError};
pub use portfolio::Portfolio;
pub use position::{Position, PositionError};
