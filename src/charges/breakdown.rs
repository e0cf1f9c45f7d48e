//! The charges one fill incurred, component by component, as a contract note lists them.

use serde::{Deserialize, Serialize};

use crate::num::Money;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChargeBreakdown {
    pub brokerage: Money,
    /// Securities transaction tax.
    pub stt: Money,
    /// Exchange transaction charges.
    pub exchange: Money,
    /// SEBI turnover fee.
    pub sebi: Money,
    pub stamp_duty: Money,
    /// GST on brokerage + exchange + SEBI charges.
    pub gst: Money,
}

impl ChargeBreakdown {
    /// A breakdown holding a single flat commission (backtests with `--commission`).
    pub fn commission(amount: Money) -> ChargeBreakdown {
        ChargeBreakdown { brokerage: amount, ..ChargeBreakdown::default() }
    }

    pub fn total(&self) -> Money {
        self.brokerage + self.stt + self.exchange + self.sebi + self.stamp_duty + self.gst
    }
}
