//! Indian equity trading costs: brokerage, STT, exchange charges, SEBI fee, stamp duty and GST.
//!
//! - [`ChargesConfig`]: the rate schedule (defaults: the published rates as of 2024-10-01).
//! - [`CostModel`]: charges one fill given its [`ChargeContext`], as a [`ChargeBreakdown`].

mod breakdown;
mod config;
mod model;

pub use breakdown::ChargeBreakdown;
pub use config::{ChargesConfig, ProductRates};
pub use model::{ChargeContext, ChargeError, CostModel};
