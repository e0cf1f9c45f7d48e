//! The instrument a CSV file's bars are traded as: its key from the command line, its tick size
//! inferred from the prices themselves.

use crate::model::{Bar, Exchange, Instrument, InstrumentKey};
use crate::num::{Price, PRICE_DECIMALS};

/// The key a backtest uses when none is given: an NSE cash-equity key (so the Indian charges
/// apply NSE's exchange fee) whose identifier says what it is.
pub const DEFAULT_BACKTEST_KEY: &str = "NSE_EQ|BACKTEST";

/// The largest power of ten, from 10⁻⁶ up to 1, that divides every price of every bar: EURUSD's
/// five-decimal quotes give 0.00001, NSE prices in paise 0.01, whole-rupee prices 1. Capped at 1
/// so a file of round prices does not get a tick of 100. An empty slice gives 1.
pub fn infer_tick_size(bars: &[Bar]) -> Price {
    // Micros per candidate tick, largest first; each step divides the previous one.
    let mut tick: i64 = 10i64.pow(PRICE_DECIMALS);
    for bar in bars {
        for price in [bar.open, bar.high, bar.low, bar.close] {
            while tick > 1 && price.micros() % tick != 0 {
                tick /= 10;
            }
        }
        if tick == 1 {
            break;
        }
    }
    Price::from_micros(tick)
}

/// Decimal places needed to show every multiple of `tick` (0.00001 → 5), at least 2.
fn display_decimals(tick: Price) -> u32 {
    let mut decimals = PRICE_DECIMALS;
    let mut micros = tick.micros();
    while decimals > 2 && micros > 0 && micros % 10 == 0 {
        micros /= 10;
        decimals -= 1;
    }
    decimals
}

/// A tradable instrument for `key` with the tick size inferred from `bars`, lot size 1, no freeze
/// quantity, the exchange its segment belongs to, and enough display decimals for its tick.
pub fn backtest_instrument(key: InstrumentKey, bars: &[Bar]) -> Instrument {
    let tick_size = infer_tick_size(bars);
    let segment = key.segment();
    Instrument {
        trading_symbol: key.identifier().to_owned(),
        exchange: Exchange::of_segment(segment),
        segment,
        tick_size,
        lot_size: 1,
        freeze_quantity: None,
        precision: display_decimals(tick_size),
        tradable: true,
        key,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Timestamp;

    fn bar(prices: [&str; 4]) -> Bar {
        let p = |s: &str| s.parse::<Price>().unwrap();
        Bar {
            ts: Timestamp::from_nanos(0),
            open: p(prices[0]),
            high: p(prices[1]),
            low: p(prices[2]),
            close: p(prices[3]),
            volume: 0,
        }
    }

    #[test]
    fn tick_is_the_largest_power_of_ten_dividing_every_price() {
        let eurusd = [bar(["1.0716", "1.0722", "1.07083", "1.07219"]), bar(["1.0721", "1.0730", "1.0721", "1.0726"])];
        assert_eq!(infer_tick_size(&eurusd).to_string(), "0.00001");
        let nse = [bar(["2450.05", "2451.10", "2449.00", "2450.00"])];
        assert_eq!(infer_tick_size(&nse).to_string(), "0.01");
        let rupees = [bar(["100", "200", "100", "100"])];
        assert_eq!(infer_tick_size(&rupees).to_string(), "1.00", "capped at 1");
        let noisy = [bar(["150.289993", "151", "150", "150.5"])];
        assert_eq!(infer_tick_size(&noisy).to_string(), "0.000001");
        assert_eq!(infer_tick_size(&[]).to_string(), "1.00");
    }

    #[test]
    fn builds_a_tradable_instrument_from_the_key() {
        let key = InstrumentKey::new(DEFAULT_BACKTEST_KEY).unwrap();
        let fx = backtest_instrument(key.clone(), &[bar(["1.0716", "1.0722", "1.07083", "1.07219"])]);
        assert_eq!(fx.tick_size.to_string(), "0.00001");
        assert_eq!((fx.precision, fx.lot_size, fx.exchange, fx.tradable), (5, 1, Exchange::Nse, true));
        assert_eq!(fx.trading_symbol, "BACKTEST");
        let bse =
            backtest_instrument(InstrumentKey::new("BSE_EQ|INE002A01018").unwrap(), &[bar(["1", "2", "1", "1.5"])]);
        assert_eq!((bse.exchange, bse.precision), (Exchange::Bse, 2));
    }
}
