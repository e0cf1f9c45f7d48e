//! Engine state kept by the actors, as plain data with tested rules.

mod order_book;
mod risk_view;

pub use order_book::{Applied, Created, OrderBook};
pub use risk_view::{ExposureSnapshot, RiskView};
