//! Engine state kept by the actors, as plain data with tested rules.

mod daily_pnl;
mod equity_curve;
mod order_book;
mod order_history;
mod performance;
mod risk_view;

pub use daily_pnl::{DailyPnl, DayRow};
pub use equity_curve::{EquityCurve, Point};
pub use order_book::{Applied, Created, OrderBook, OrderFilter, OrderPage, StatusFilter};
pub use order_history::{HistoryChange, HistoryEntry, OrderHistory};
pub use performance::{book_of, EquitySample, PerformanceBook, RouterSnapshot};
pub use risk_view::{ExposureSnapshot, RiskView};
