//! `Summary`: the statistics of one run, each defined as empyrical / quantstats / backtesting.py
//! define it (the README's "Backtests" section spells every one out).

use serde::Serialize;

use super::time_text::format_timestamp;
use super::{BacktestConfig, BacktestRun, FillConvention};
use crate::analytics::{percent, total_return_pct, trade_stats, CurveStats};
use crate::charges::CostModel;
use crate::model::{Bar, Product};
use crate::num::Money;
use crate::strategy::StrategyParams;
use crate::time::Timestamp;

/// The statistics of one backtest. Percentages are the empyrical fraction × 100; ratios are
/// plain; `None` (JSON `null`, shown `n/a`) where the statistic is undefined.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The instrument key the bars were traded as.
    pub instrument: String,
    /// The strategy and its parameters.
    pub strategy: StrategyParams,
    pub fill: FillConvention,
    /// How fills were charged, in words.
    pub costs: String,
    /// First and last bar, at the report's UTC offset.
    pub start: String,
    pub end: String,
    pub bars: usize,
    /// Bars per year observed in the data: (bars − 1) / years elapsed (365.25-day years). The
    /// annualisation factor of every annualised statistic; pass it to empyrical as `annualization`.
    pub periods_per_year: Option<f64>,
    pub initial_cash: Money,
    /// Cash plus the position marked at the last close.
    pub final_equity: Money,
    /// (final equity / initial cash − 1) × 100.
    pub total_return_pct: f64,
    /// empyrical `cagr` of the bar returns × 100.
    pub cagr_pct: Option<f64>,
    /// empyrical `annual_volatility` of the bar returns × 100.
    pub annual_volatility_pct: Option<f64>,
    /// empyrical `sharpe_ratio`, risk-free rate 0.
    pub sharpe: Option<f64>,
    /// empyrical `sortino_ratio`, required return 0.
    pub sortino: Option<f64>,
    /// empyrical `max_drawdown` of the equity curve × 100 (0 or negative).
    pub max_drawdown_pct: f64,
    /// The longest time under water, in bars: from a peak to the last bar before equity regained
    /// it (or to the last bar).
    pub max_drawdown_duration_bars: usize,
    /// The same stretch in calendar days, from the peak bar's time to its last bar under water.
    pub max_drawdown_duration_days: f64,
    /// empyrical `calmar_ratio`: CAGR / |max drawdown|.
    pub calmar: Option<f64>,
    pub fills: usize,
    pub closed_trades: usize,
    /// Closed trades with a positive net P&L / closed trades × 100.
    pub win_rate_pct: Option<f64>,
    /// Σ winning trades' net P&L / |Σ losing trades' net P&L|.
    pub profit_factor: Option<f64>,
    /// Mean net P&L per closed trade.
    pub average_trade: Option<Money>,
    /// Bars at whose close a position was held / bars × 100.
    pub exposure_pct: f64,
    /// Every charge every fill paid.
    pub total_charges: Money,
    /// Units still held after the last bar (marked at the last close, not counted as a trade).
    pub open_position: i64,
    /// Orders the risk gate refused.
    pub orders_refused: usize,
    /// Orders the paper matcher rejected.
    pub orders_rejected: usize,
}

impl Summary {
    /// Computes the statistics of `run`, whose bars were `bars`, under `config`.
    pub fn compute(config: &BacktestConfig, bars: &[Bar], run: &BacktestRun) -> Summary {
        let offset = config.utc_offset_seconds;
        let (first, last) = match (bars.first(), bars.last()) {
            (Some(first), Some(last)) => (first.ts, last.ts),
            _ => Default::default(),
        };
        let times: Vec<Timestamp> = bars.iter().map(|b| b.ts).collect();
        let curve = CurveStats::of(&times, &run.equity);
        let final_equity = run.final_equity();
        let pnls: Vec<Money> = run.trades.iter().map(|t| t.pnl).collect();
        let stats = trade_stats(&pnls);
        Summary {
            instrument: config.instrument.key.to_string(),
            strategy: config.strategy,
            fill: config.fill,
            costs: describe_costs(&config.costs, config.product),
            start: format_timestamp(first, offset),
            end: format_timestamp(last, offset),
            bars: bars.len(),
            periods_per_year: curve.periods_per_year,
            initial_cash: run.initial_cash,
            final_equity,
            total_return_pct: total_return_pct(run.initial_cash, final_equity),
            cagr_pct: curve.cagr_pct,
            annual_volatility_pct: curve.annual_volatility_pct,
            sharpe: curve.sharpe,
            sortino: curve.sortino,
            max_drawdown_pct: curve.max_drawdown_pct,
            max_drawdown_duration_bars: curve.max_drawdown_duration_samples,
            max_drawdown_duration_days: curve.max_drawdown_duration_days,
            calmar: curve.calmar,
            fills: run.fills.len(),
            closed_trades: stats.trades,
            win_rate_pct: stats.win_rate.map(percent),
            profit_factor: stats.profit_factor,
            average_trade: stats.average_trade,
            exposure_pct: if bars.is_empty() { 0.0 } else { run.exposed_bars as f64 / bars.len() as f64 * 100.0 },
            total_charges: run.portfolio.charges_paid,
            open_position: run.final_position,
            orders_refused: run.refused.len(),
            orders_rejected: run.rejected.len(),
        }
    }
}

/// The cost model in words, as summaries show it.
pub fn describe_costs(costs: &CostModel, product: Product) -> String {
    let product = match product {
        Product::Intraday => "intraday",
        Product::Delivery => "delivery",
    };
    match costs {
        CostModel::Free => "none".to_owned(),
        CostModel::Commission(rate) => format!("commission {rate} of traded value"),
        CostModel::India(schedule) => format!("india {product} (rates as of {})", schedule.rates_as_of),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charges::ChargesConfig;
    use crate::num::Rate;

    #[test]
    fn costs_in_words() {
        assert_eq!(describe_costs(&CostModel::Free, Product::Intraday), "none");
        assert_eq!(
            describe_costs(&CostModel::Commission(Rate::from_bps(20)), Product::Intraday),
            "commission 0.002 of traded value"
        );
        assert_eq!(
            describe_costs(&CostModel::India(ChargesConfig::default()), Product::Delivery),
            "india delivery (rates as of 2024-10-01)"
        );
    }
}

#[cfg(test)]
mod statistics {
    use super::*;
    use crate::backtest::{ClosedTrade, FillConvention};
    use crate::model::{Instrument, Portfolio, Side};
    use crate::num::Price;
    use crate::paper::PaperConfig;
    use crate::strategy::{Sizing, SmaCrossParams};
    use crate::time::Timestamp;

    fn m(text: &str) -> Money {
        text.parse().unwrap()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    /// A quarter of a 365.25-day year, in nanoseconds: four bars a year.
    const QUARTER: i64 = 7_889_400 * 1_000_000_000;

    fn trade(pnl: &str) -> ClosedTrade {
        ClosedTrade {
            direction: Side::Buy,
            entry_bar: 0,
            entry_ts: Timestamp::from_nanos(0),
            entry_price: Price::from_units(1).unwrap(),
            exit_bar: 1,
            exit_ts: Timestamp::from_nanos(1),
            exit_price: Price::from_units(1).unwrap(),
            max_units: 1,
            pnl: m(pnl),
        }
    }

    /// Equity 100, 110, 99, 108.9 a quarter apart; three closed trades of +100, −50, +30; a
    /// position held at two of the four closes; 1.50 paid in charges.
    fn example() -> Summary {
        let config = BacktestConfig {
            instrument: Instrument::nse_equity("INE002A01018", "RELIANCE").unwrap(),
            strategy: StrategyParams::SmaCross(SmaCrossParams { fast: 2, slow: 3, sizing: Sizing::ALL_IN }),
            cash: m("100"),
            costs: CostModel::Free,
            product: Product::Intraday,
            fill: FillConvention::NextOpen,
            paper: PaperConfig::default(),
            utc_offset_seconds: 0,
        };
        let price = Price::from_units(1).unwrap();
        let bars: Vec<Bar> = (0..4)
            .map(|i| Bar {
                ts: Timestamp::from_nanos(i * QUARTER),
                open: price,
                high: price,
                low: price,
                close: price,
                volume: 0,
            })
            .collect();
        let mut portfolio = Portfolio::new(m("100"));
        portfolio.charges_paid = m("1.50");
        let run = BacktestRun {
            initial_cash: m("100"),
            equity: vec![m("100"), m("110"), m("99"), m("108.9")],
            fills: Vec::new(),
            trades: vec![trade("100"), trade("-50"), trade("30")],
            refused: Vec::new(),
            rejected: Vec::new(),
            exposed_bars: 2,
            portfolio,
            final_position: 0,
        };
        Summary::compute(&config, &bars, &run)
    }

    #[test]
    fn every_statistic_by_hand() {
        let s = example();
        assert_eq!((s.bars, s.start.as_str(), s.end.as_str()), (4, "1970-01-01T00:00:00Z", "1970-10-01T22:30:00Z"));
        // 3 × 91.3125 days = 273.9375 days after the epoch: 1 October, 22:30. 3 returns over 0.75 years.
        assert!(close(s.periods_per_year.unwrap(), 4.0));
        assert_eq!(s.final_equity, m("108.9"));
        // 108.9 / 100 − 1 = 8.9 %.
        assert!(close(s.total_return_pct, 8.9));
        // Returns 0.1, −0.1, 0.1: mean 0.1/3, sample std √(0.12/9), downside √(0.01/3).
        let std = (0.12f64 / 9.0).sqrt();
        let cagr = 1.089f64.powf(4.0 / 3.0) - 1.0;
        assert!(close(s.cagr_pct.unwrap(), cagr * 100.0));
        assert!(close(s.annual_volatility_pct.unwrap(), std * 2.0 * 100.0));
        assert!(close(s.sharpe.unwrap(), (0.1 / 3.0) / std * 2.0));
        assert!(close(s.sortino.unwrap(), (0.1 / 3.0 * 4.0) / ((0.01f64 / 3.0).sqrt() * 2.0)));
        // Peak 110 → 99: −10 %; under water at bars 2 and 3 (108.9 < 110): 2 bars, half a year.
        assert!(close(s.max_drawdown_pct, -10.0));
        assert_eq!(s.max_drawdown_duration_bars, 2);
        assert!(close(s.max_drawdown_duration_days, 182.625));
        assert!(close(s.calmar.unwrap(), cagr / 0.1));
        // Trades +100, −50, +30: 2 of 3 win; 130 / 50 = 2.6; 80 / 3 = 26.666667 (rounded half away).
        assert_eq!(s.closed_trades, 3);
        assert!(close(s.win_rate_pct.unwrap(), 200.0 / 3.0));
        assert!(close(s.profit_factor.unwrap(), 2.6));
        assert_eq!(s.average_trade, Some(m("26.666667")));
        assert!(close(s.exposure_pct, 50.0));
        assert_eq!(s.total_charges, m("1.50"));
        assert_eq!((s.fills, s.open_position, s.orders_refused, s.orders_rejected), (0, 0, 0, 0));
    }

    #[test]
    fn a_single_bar_leaves_the_annualised_statistics_undefined() {
        let mut s = example();
        assert!(s.sharpe.is_some());
        let config = BacktestConfig {
            instrument: Instrument::nse_equity("INE002A01018", "RELIANCE").unwrap(),
            strategy: s.strategy,
            cash: m("100"),
            costs: CostModel::Free,
            product: Product::Intraday,
            fill: FillConvention::Close,
            paper: PaperConfig::default(),
            utc_offset_seconds: 19_800,
        };
        let price = Price::from_units(1).unwrap();
        let bar = Bar { ts: Timestamp::from_nanos(0), open: price, high: price, low: price, close: price, volume: 0 };
        let run = BacktestRun {
            initial_cash: m("100"),
            equity: vec![m("100")],
            fills: Vec::new(),
            trades: Vec::new(),
            refused: Vec::new(),
            rejected: Vec::new(),
            exposed_bars: 0,
            portfolio: Portfolio::new(m("100")),
            final_position: 0,
        };
        s = Summary::compute(&config, &[bar], &run);
        assert_eq!((s.periods_per_year, s.cagr_pct, s.sharpe, s.sortino, s.calmar), (None, None, None, None, None));
        assert_eq!((s.win_rate_pct, s.profit_factor, s.average_trade), (None, None, None));
        assert_eq!((s.total_return_pct, s.max_drawdown_pct), (0.0, 0.0));
        assert_eq!(s.start, "1970-01-01T05:30:00+05:30");
    }
}
