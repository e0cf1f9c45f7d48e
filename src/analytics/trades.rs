//! Statistics over closed round-trip trades.

use serde::Serialize;

use crate::num::Money;

/// Win rate, profit factor and average trade over closed trades' net P&L.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TradeStats {
    pub trades: usize,
    /// Winning trades / all trades, as a fraction; `None` without trades.
    pub win_rate: Option<f64>,
    /// Gross profit / |gross loss|; `None` without a losing trade.
    pub profit_factor: Option<f64>,
    /// Mean net P&L per trade, exact to the micro-rupee (rounded half away from zero).
    pub average_trade: Option<Money>,
}

/// Computes trade statistics from each closed trade's net P&L (after charges).
pub fn trade_stats(pnls: &[Money]) -> TradeStats {
    let wins = pnls.iter().filter(|p| p.micros() > 0).count();
    let gross_profit: i128 = pnls.iter().map(|p| i128::from(p.micros().max(0))).sum();
    let gross_loss: i128 = pnls.iter().map(|p| i128::from(p.micros().min(0))).sum();
    let total: i128 = pnls.iter().map(|p| i128::from(p.micros())).sum();
    TradeStats {
        trades: pnls.len(),
        win_rate: (!pnls.is_empty()).then(|| wins as f64 / pnls.len() as f64),
        profit_factor: (gross_loss < 0).then(|| gross_profit as f64 / (-gross_loss) as f64),
        average_trade: (!pnls.is_empty()).then(|| {
            let avg = crate::num::decimal::div_round_half_away(total, pnls.len() as i128);
            Money::from_micros(avg as i64)
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_trade_stats() {
        let m = |s: &str| s.parse::<Money>().unwrap();
        let stats = trade_stats(&[m("100"), m("-50"), m("30"), m("-25"), m("0")]);
        assert_eq!(stats.trades, 5);
        assert_eq!(stats.win_rate, Some(0.4)); // 2 of 5 (a zero trade is not a win)
        assert_eq!(stats.profit_factor, Some(130.0 / 75.0));
        assert_eq!(stats.average_trade, Some(m("11"))); // 55 / 5
        let none = trade_stats(&[]);
        assert_eq!((none.win_rate, none.profit_factor, none.average_trade), (None, None, None));
        assert_eq!(trade_stats(&[m("5")]).profit_factor, None);
    }
}
