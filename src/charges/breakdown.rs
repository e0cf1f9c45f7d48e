//! The charges one fill incurred, component by component, as a contract note lists them.

use serde::{Deserialize, Serialize};

use crate::num::Money;

/// Every component is an amount of money (normally a whole number of paise) the fill paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChargeBreakdown {
    /// Broker's fee (or a backtest's flat commission).
    pub brokerage: Money,
    /// Securities transaction tax.
    pub stt: Money,
    /// Exchange transaction charges.
    pub exchange: Money,
    /// SEBI turnover fee.
    pub sebi: Money,
    /// Stamp duty, levied on buys only.
    pub stamp_duty: Money,
    /// GST on brokerage + exchange + SEBI charges.
    pub gst: Money,
}

impl ChargeBreakdown {
    /// A breakdown holding a single flat commission (backtests with `--commission`).
    pub fn commission(amount: Money) -> ChargeBreakdown {
        ChargeBreakdown { brokerage: amount, ..ChargeBreakdown::default() }
    }

    /// The sum of every component. Panics on overflow, like `Money`'s operators; use
    /// [`ChargeBreakdown::checked_total`] for breakdowns that came from outside.
    pub fn total(&self) -> Money {
        self.brokerage + self.stt + self.exchange + self.sebi + self.stamp_duty + self.gst
    }

    /// The sum of every component, or `None` if it does not fit in `Money`.
    pub fn checked_total(&self) -> Option<Money> {
        [self.stt, self.exchange, self.sebi, self.stamp_duty, self.gst]
            .into_iter()
            .try_fold(self.brokerage, Money::checked_add)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_every_component() {
        let paise = |p| Money::from_paise(p).unwrap();
        let b = ChargeBreakdown {
            brokerage: paise(2000),
            stt: paise(1),
            exchange: paise(20),
            sebi: paise(300),
            stamp_duty: paise(4000),
            gst: paise(50_000),
        };
        // 20.00 + 0.01 + 0.20 + 3.00 + 40.00 + 500.00
        assert_eq!(b.total().to_string(), "563.21");
        assert_eq!(b.checked_total(), Some(b.total()));
        assert_eq!(ChargeBreakdown::commission(paise(7)).total().to_string(), "0.07");
        let huge = ChargeBreakdown { gst: Money::from_micros(i64::MAX), ..b };
        assert_eq!(huge.checked_total(), None);
    }
}
