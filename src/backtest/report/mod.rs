//! Output text built from a run: the summary table, `fills.csv`, `equity.csv`, `report.html`, and
//! a sweep's table and CSV. Pure string builders; writing files is the caller's business. The
//! same run always gives byte-identical text (no wall clock, no hash-map order, fixed formats).

mod csv;
mod html;
mod svg;
mod table;

pub use csv::{equity_csv, fills_csv, sweep_csv};
pub use html::{escape, html_report};
pub use svg::line_chart;
pub use table::{describe_strategy, summary_rows, summary_table, sweep_table};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backtest::{
        backtest_instrument, parse_market_csv, run_backtest, strategy_params, BacktestConfig, FillConvention, Summary,
        DEFAULT_BACKTEST_KEY,
    };
    use crate::charges::CostModel;
    use crate::model::{Bar, InstrumentKey, Product};
    use crate::paper::PaperConfig;

    fn eurusd() -> Vec<Bar> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/eurusd-h1.csv");
        let Ok(text) = std::fs::read_to_string(path) else {
            panic!("the shared EURUSD data should be beside the project at {path}");
        };
        parse_market_csv(&text, 0).unwrap()
    }

    /// Every output of one run over the shared EURUSD file.
    fn outputs(bars: &[Bar]) -> [String; 4] {
        let rate = "0.0001".parse().unwrap();
        let pairs = [("fast".to_owned(), "10".to_owned()), ("slow".to_owned(), "20".to_owned())];
        let config = BacktestConfig {
            instrument: backtest_instrument(InstrumentKey::new(DEFAULT_BACKTEST_KEY).unwrap(), bars),
            strategy: strategy_params("sma_cross", &pairs, Some(rate)).unwrap(),
            cash: "10000".parse().unwrap(),
            costs: CostModel::Commission(rate),
            product: Product::Intraday,
            fill: FillConvention::NextOpen,
            paper: PaperConfig::default(),
            utc_offset_seconds: 0,
        };
        let run = run_backtest(&config, bars).unwrap();
        let summary = Summary::compute(&config, bars, &run);
        [
            summary_table(&summary),
            fills_csv(&run, &config.instrument, 0),
            equity_csv(bars, &run, 0),
            html_report(&summary, bars, &run, &config.instrument, "eurusd-h1.csv", 0),
        ]
    }

    #[test]
    fn the_shared_eurusd_file_backtests_to_byte_identical_outputs() {
        let bars = eurusd();
        assert_eq!(bars.len(), 5000);
        let [table, fills, equity, html] = outputs(&bars);
        assert_eq!(outputs(&bars), [table.clone(), fills.clone(), equity.clone(), html.clone()]);

        assert!(table.contains("Bars                       5000\n"), "{table}");
        assert!(table.contains("Start                      2017-04-19T09:00:00Z\n"), "{table}");
        assert_eq!(equity.lines().count(), 5001);
        assert_eq!(equity.lines().nth(1), Some("2017-04-19T09:00:00Z,10000.00"));
        // Prices show the five decimals the data has (tick 0.00001).
        let first_fill = fills.lines().nth(1).unwrap();
        let price = first_fill.split(',').nth(4).unwrap();
        assert_eq!(price.split('.').nth(1).map(str::len), Some(5), "{first_fill}");
        assert!(fills.lines().count() > 10);
        assert!(html.starts_with("<!DOCTYPE html>") && html.ends_with("</body></html>\n"));
        assert_eq!(html.matches("<svg").count(), 2);
        assert!(!html.contains("<script") && !html.contains("https://"));
    }
}
