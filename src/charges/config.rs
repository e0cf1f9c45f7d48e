//! The rate schedule the Indian cost model charges by, as configuration.

use serde::{Deserialize, Serialize};

use crate::config::{join, Problems};
use crate::num::{Money, Rate};
use crate::time::Date;

/// Brokerage and the product-dependent statutory rates (STT, stamp duty) for one product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductRates {
    /// Brokerage per executed order (₹20 at Upstox).
    pub brokerage_flat: Money,
    /// Brokerage never exceeds this fraction of the order's turnover.
    pub brokerage_cap: Rate,
    /// Securities transaction tax on buy turnover.
    pub stt_buy: Rate,
    /// Securities transaction tax on sell turnover.
    pub stt_sell: Rate,
    /// Stamp duty on buy turnover (sells pay none).
    pub stamp_buy: Rate,
}

impl ProductRates {
    /// Intraday (MIS) equity as of 2024-10-01: ₹20 or 0.05 % brokerage, STT 0.025 % on sells,
    /// stamp duty 0.003 % on buys.
    pub fn intraday_2024_10() -> ProductRates {
        ProductRates {
            brokerage_flat: Money::from_micros(20_000_000),
            brokerage_cap: Rate::from_nanos(500_000),
            stt_buy: Rate::ZERO,
            stt_sell: Rate::from_nanos(250_000),
            stamp_buy: Rate::from_nanos(30_000),
        }
    }

    /// Delivery (CNC) equity as of 2024-10-01: ₹20 or 2.5 % brokerage, STT 0.1 % on both sides,
    /// stamp duty 0.015 % on buys.
    pub fn delivery_2024_10() -> ProductRates {
        ProductRates {
            brokerage_flat: Money::from_micros(20_000_000),
            brokerage_cap: Rate::from_nanos(25_000_000),
            stt_buy: Rate::from_nanos(1_000_000),
            stt_sell: Rate::from_nanos(1_000_000),
            stamp_buy: Rate::from_nanos(150_000),
        }
    }

    /// Records every out-of-range value under `path`.
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        problems.require(
            !self.brokerage_flat.is_negative(),
            join(path, "brokerage_flat"),
            format!("must not be negative, got {}", self.brokerage_flat),
        );
        for (key, rate) in [
            ("brokerage_cap", self.brokerage_cap),
            ("stt_buy", self.stt_buy),
            ("stt_sell", self.stt_sell),
            ("stamp_buy", self.stamp_buy),
        ] {
            check_fraction(rate, &join(path, key), problems);
        }
    }
}

/// The whole charge schedule for Indian equity.
///
/// The defaults are the rates published by NSE, BSE, SEBI and the stamp and GST statutes that were
/// in force on 2024-10-01 (`rates_as_of`), with Upstox's published brokerage. Exchanges and
/// governments revise these: operators must re-check every rate against the current published
/// schedule and their broker's tariff before trading real money, and update `rates_as_of` with it.
///
/// When a `[charges]` table is written, every key must be given: a schedule is checked as a whole,
/// so a half-edited one never silently mixes new rates with stale defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChargesConfig {
    /// The date the schedule took effect; documents which published tariff the rates copy.
    pub rates_as_of: Date,
    pub intraday: ProductRates,
    pub delivery: ProductRates,
    /// NSE transaction charge on turnover (0.00297 %).
    pub exchange_nse: Rate,
    /// BSE transaction charge on turnover (0.00375 %).
    pub exchange_bse: Rate,
    /// SEBI turnover fee (₹10 per crore).
    pub sebi: Rate,
    /// GST on brokerage, exchange charges and the SEBI fee (18 %).
    pub gst: Rate,
}

impl Default for ChargesConfig {
    fn default() -> ChargesConfig {
        ChargesConfig {
            rates_as_of: Date::new(2024, 10, 1).expect("2024-10-01 exists"),
            intraday: ProductRates::intraday_2024_10(),
            delivery: ProductRates::delivery_2024_10(),
            exchange_nse: Rate::from_nanos(29_700),
            exchange_bse: Rate::from_nanos(37_500),
            sebi: Rate::from_nanos(1_000),
            gst: Rate::from_nanos(180_000_000),
        }
    }
}

impl ChargesConfig {
    /// Records every out-of-range value under `path` (e.g. `charges.intraday.stt_sell`).
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        self.intraday.validate(&join(path, "intraday"), problems);
        self.delivery.validate(&join(path, "delivery"), problems);
        for (key, rate) in [
            ("exchange_nse", self.exchange_nse),
            ("exchange_bse", self.exchange_bse),
            ("sebi", self.sebi),
            ("gst", self.gst),
        ] {
            check_fraction(rate, &join(path, key), problems);
        }
    }
}

/// Every charge rate is a fraction of turnover (or of other charges): 0 to 1 inclusive.
fn check_fraction(rate: Rate, path: &str, problems: &mut Problems) {
    problems.require(
        (Rate::ZERO..=Rate::ONE).contains(&rate),
        path,
        format!("must be a fraction between 0 and 1, got {rate}"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(text: &str) -> Rate {
        text.parse().unwrap()
    }

    #[test]
    fn defaults_are_the_published_schedule() {
        let c = ChargesConfig::default();
        assert_eq!(c.rates_as_of.to_string(), "2024-10-01");
        assert_eq!(c.exchange_nse, rate("0.0000297"));
        assert_eq!(c.exchange_bse, rate("0.0000375"));
        assert_eq!(c.sebi, rate("0.000001"));
        assert_eq!(c.gst, rate("0.18"));
        assert_eq!(c.intraday.brokerage_flat.to_string(), "20.00");
        assert_eq!(c.intraday.brokerage_cap, rate("0.0005"));
        assert_eq!(c.intraday.stt_buy, Rate::ZERO);
        assert_eq!(c.intraday.stt_sell, rate("0.00025"));
        assert_eq!(c.intraday.stamp_buy, rate("0.00003"));
        assert_eq!(c.delivery.brokerage_flat.to_string(), "20.00");
        assert_eq!(c.delivery.brokerage_cap, rate("0.025"));
        assert_eq!(c.delivery.stt_buy, rate("0.001"));
        assert_eq!(c.delivery.stt_sell, rate("0.001"));
        assert_eq!(c.delivery.stamp_buy, rate("0.00015"));
        let mut problems = Problems::new();
        c.validate("charges", &mut problems);
        assert!(problems.is_empty(), "{problems}");
    }

    const FULL: &str = r#"
        rates_as_of = "2024-10-01"
        exchange_nse = "0.0000297"
        exchange_bse = "0.0000375"
        sebi = "0.000001"
        gst = "0.18"
        [intraday]
        brokerage_flat = "20"
        brokerage_cap = "0.0005"
        stt_buy = "0"
        stt_sell = "0.00025"
        stamp_buy = "0.00003"
        [delivery]
        brokerage_flat = 20
        brokerage_cap = 0.025
        stt_buy = 0.001
        stt_sell = 0.001
        stamp_buy = 0.00015
    "#;

    #[test]
    fn parses_a_full_schedule() {
        let c: ChargesConfig = toml::from_str(FULL).unwrap();
        assert_eq!(c, ChargesConfig::default());
    }

    #[test]
    fn refuses_unknown_and_missing_keys() {
        let unknown = FULL.replace("gst = ", "cess = \"0.01\"\n        gst = ");
        let err = toml::from_str::<ChargesConfig>(&unknown).unwrap_err().to_string();
        assert!(err.contains("cess"), "{err}");
        let nested = FULL.replace("stamp_buy = 0.00015", "stamp_buy = 0.00015\nstamp_sell = 0");
        let err = toml::from_str::<ChargesConfig>(&nested).unwrap_err().to_string();
        assert!(err.contains("stamp_sell"), "{err}");
        let missing = FULL.replace("sebi = \"0.000001\"", "");
        let err = toml::from_str::<ChargesConfig>(&missing).unwrap_err().to_string();
        assert!(err.contains("sebi"), "{err}");
    }

    #[test]
    fn validate_reports_every_problem_with_its_path() {
        let mut c = ChargesConfig { gst: rate("1.000000001"), sebi: rate("-0.000001"), ..ChargesConfig::default() };
        c.intraday.brokerage_flat = "-0.01".parse().unwrap();
        c.delivery.stt_sell = rate("2");
        c.delivery.stamp_buy = Rate::ONE; // 1 is allowed: the range is inclusive
        let mut problems = Problems::new();
        c.validate("charges", &mut problems);
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            ["charges.intraday.brokerage_flat", "charges.delivery.stt_sell", "charges.sebi", "charges.gst"]
        );
        let text = problems.to_string();
        assert!(text.contains("charges.gst: must be a fraction between 0 and 1, got 1.000000001"), "{text}");
        assert!(text.contains("charges.intraday.brokerage_flat: must not be negative, got -0.01"), "{text}");
    }
}
