//! `RiskLimits`: the configured limits every order is checked against (reloadable on SIGHUP).

use serde::{Deserialize, Serialize};

use super::MarketCalendar;
use crate::config::{join, Problems};
use crate::num::{Money, Rate};

/// The most orders per second a retail algo may send without registering the algo with the
/// exchange (SEBI's retail algo framework; NSE sets the threshold at 10).
pub const RETAIL_MAX_ORDERS_PER_SECOND: u32 = 10;

/// Pre-trade limits. Every field has a default sized for a small retail account, so a config
/// names only what it changes; unknown keys are refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RiskLimits {
    /// Largest quantity of one order, in units.
    pub max_order_quantity: u64,
    /// Largest value of one order (price × quantity).
    pub max_order_notional: Money,
    /// Largest absolute net position per instrument, in units, counting open orders on the side
    /// being added to.
    pub max_position_quantity: u64,
    /// Largest Σ |net × mark| over all instruments after a new order.
    pub max_gross_exposure: Money,
    /// Today's loss (as a positive amount) at which only position-reducing orders are accepted.
    pub max_daily_loss: Money,
    /// Orders per second across the whole engine.
    pub max_orders_per_second: u32,
    /// Orders per second from any one strategy.
    pub max_orders_per_second_per_strategy: u32,
    /// Fat-finger band: an order price further than this fraction from the last trade is
    /// refused (0.05 = 5 %).
    pub price_band: Rate,
    /// A last trade older than this is too old to check an order against.
    pub stale_quote_after_ms: u64,
    /// When the exchange takes orders.
    pub market_hours: MarketCalendar,
}

impl Default for RiskLimits {
    fn default() -> RiskLimits {
        let rupees = |r| Money::from_rupees(r).expect("default limits fit in Money");
        RiskLimits {
            max_order_quantity: 1_000,
            max_order_notional: rupees(200_000),
            max_position_quantity: 2_000,
            max_gross_exposure: rupees(500_000),
            max_daily_loss: rupees(10_000),
            max_orders_per_second: RETAIL_MAX_ORDERS_PER_SECOND,
            max_orders_per_second_per_strategy: 5,
            price_band: Rate::from_bps(500),
            stale_quote_after_ms: 5_000,
            market_hours: MarketCalendar::default(),
        }
    }
}

impl RiskLimits {
    /// Records every problem, each under `path`.
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        let at = |key| join(path, key);
        problems.require(
            self.max_order_quantity > 0,
            at("max_order_quantity"),
            "must be positive, got 0 (which would refuse every order; halt trading instead)",
        );
        for (key, value) in [
            ("max_order_notional", self.max_order_notional),
            ("max_gross_exposure", self.max_gross_exposure),
            ("max_daily_loss", self.max_daily_loss),
        ] {
            problems.require(value > Money::ZERO, at(key), format!("must be a positive amount, got {value}"));
        }
        problems.require(
            self.max_position_quantity > 0,
            at("max_position_quantity"),
            "must be positive, got 0 (which would refuse every order that opens a position)",
        );
        if self.max_orders_per_second == 0 || self.max_orders_per_second > RETAIL_MAX_ORDERS_PER_SECOND {
            problems.push(
                at("max_orders_per_second"),
                format!(
                    "must be 1 to {RETAIL_MAX_ORDERS_PER_SECOND} (above {RETAIL_MAX_ORDERS_PER_SECOND} a retail algo \
                     must be registered with the exchange), got {}",
                    self.max_orders_per_second
                ),
            );
        }
        problems.require(
            self.max_orders_per_second_per_strategy > 0,
            at("max_orders_per_second_per_strategy"),
            "must be positive, got 0",
        );
        problems.require(
            self.price_band > Rate::ZERO && self.price_band <= Rate::ONE,
            at("price_band"),
            format!("must be a fraction above 0 and at most 1 (0.05 = 5%), got {}", self.price_band),
        );
        problems.require(self.stale_quote_after_ms > 0, at("stale_quote_after_ms"), "must be positive, got 0");
        self.market_hours.validate(&at("market_hours"), problems);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::risk::WallTime;

    #[test]
    fn defaults_are_valid_and_sized_for_retail() {
        let limits = RiskLimits::default();
        let mut problems = Problems::new();
        limits.validate("risk", &mut problems);
        assert!(problems.is_empty(), "{problems}");
        assert_eq!(limits.max_orders_per_second, 10);
        assert_eq!(limits.price_band.as_percent(), "5%");
        assert_eq!(limits.max_order_notional.to_string(), "200000.00");
    }

    #[test]
    fn reads_toml_with_defaults_for_the_rest() {
        let limits: RiskLimits = toml::from_str(
            "max_order_quantity = 500\nmax_daily_loss = \"2500.50\"\nprice_band = 0.02\n\
             [market_hours]\nalways_open = true",
        )
        .unwrap();
        assert_eq!(limits.max_order_quantity, 500);
        assert_eq!(limits.max_daily_loss, Money::from_paise(250_050).unwrap());
        assert_eq!(limits.price_band, Rate::from_bps(200));
        assert!(limits.market_hours.always_open);
        assert_eq!(limits.market_hours.open, WallTime::new(9, 15).unwrap(), "nested defaults too");
        assert_eq!(limits.max_orders_per_second, 10);
    }

    #[test]
    fn unknown_keys_are_refused_at_every_level() {
        let top = toml::from_str::<RiskLimits>("max_order_qty = 5").unwrap_err().to_string();
        assert!(top.contains("unknown field `max_order_qty`"), "{top}");
        let nested = toml::from_str::<RiskLimits>("[market_hours]\nclose_at = \"15:30\"").unwrap_err().to_string();
        assert!(nested.contains("unknown field `close_at`"), "{nested}");
    }

    #[test]
    fn validation_collects_every_problem_with_its_path() {
        let limits = RiskLimits {
            max_order_quantity: 0,
            max_order_notional: Money::ZERO,
            max_position_quantity: 0,
            max_gross_exposure: Money::from_rupees(-1).unwrap(),
            max_daily_loss: Money::from_rupees(-5_000).unwrap(),
            max_orders_per_second: 11,
            max_orders_per_second_per_strategy: 0,
            price_band: Rate::ZERO,
            stale_quote_after_ms: 0,
            market_hours: MarketCalendar {
                open: WallTime::new(16, 0).unwrap(),
                close: WallTime::new(9, 0).unwrap(),
                ..MarketCalendar::default()
            },
        };
        let mut problems = Problems::new();
        limits.validate("risk", &mut problems);
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "risk.max_order_quantity",
                "risk.max_order_notional",
                "risk.max_gross_exposure",
                "risk.max_daily_loss",
                "risk.max_position_quantity",
                "risk.max_orders_per_second",
                "risk.max_orders_per_second_per_strategy",
                "risk.price_band",
                "risk.stale_quote_after_ms",
                "risk.market_hours.close",
            ]
        );
        let text = problems.to_string();
        assert!(text.contains("risk.max_daily_loss: must be a positive amount, got -5000.00"), "{text}");
        assert!(text.contains("must be 1 to 10 (above 10 a retail algo must be registered"), "{text}");
        assert!(text.contains("risk.price_band: must be a fraction above 0 and at most 1 (0.05 = 5%), got 0.0"));
    }

    #[test]
    fn band_above_one_and_zero_rate_are_refused() {
        let limits =
            RiskLimits { price_band: "1.5".parse().unwrap(), max_orders_per_second: 0, ..RiskLimits::default() };
        let mut problems = Problems::new();
        limits.validate("", &mut problems);
        let text = problems.to_string();
        assert!(text.contains("max_orders_per_second: must be 1 to 10"), "{text}");
        assert!(text.contains("price_band: must be a fraction above 0 and at most 1 (0.05 = 5%), got 1.5"), "{text}");
        assert_eq!(problems.len(), 2);
    }
}
