//! Indian equity trading costs: brokerage, STT, exchange charges, SEBI fee, stamp duty and GST.

mod breakdown;

pub use breakdown::ChargeBreakdown;
