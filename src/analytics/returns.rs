//! Return-based statistics, defined as empyrical defines them (risk-free rate 0), so users can
//! check our numbers against theirs. `periods_per_year` annualises; see `periods_per_year()`.

/// Simple period returns `equity[t] / equity[t−1] − 1`.
pub fn simple_returns(equity: &[f64]) -> Vec<f64> {
    equity.windows(2).map(|w| if w[0] != 0.0 { w[1] / w[0] - 1.0 } else { 0.0 }).collect()
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Sample standard deviation (ddof = 1), as empyrical's `annual_volatility` and `sharpe_ratio`.
fn sample_std(values: &[f64]) -> Option<f64> {
    let m = mean(values)?;
    (values.len() > 1).then(|| (values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (values.len() - 1) as f64).sqrt())
}

/// empyrical `annual_volatility`: std(returns, ddof=1) × √periods_per_year.
pub fn annual_volatility(returns: &[f64], periods_per_year: f64) -> Option<f64> {
    Some(sample_std(returns)? * periods_per_year.sqrt())
}

/// empyrical `sharpe_ratio` with rf = 0: mean / std(ddof=1) × √periods_per_year; undefined when the
/// returns never vary.
pub fn sharpe_ratio(returns: &[f64], periods_per_year: f64) -> Option<f64> {
    let std = sample_std(returns)?;
    (std > 0.0).then(|| mean(returns).unwrap_or(0.0) / std * periods_per_year.sqrt())
}

/// empyrical `sortino_ratio` with required return 0: mean × periods_per_year divided by the
/// annualised downside deviation √(mean(min(r, 0)²)) × √periods_per_year.
pub fn sortino_ratio(returns: &[f64], periods_per_year: f64) -> Option<f64> {
    let m = mean(returns)?;
    let downside = (returns.iter().map(|r| r.min(0.0).powi(2)).sum::<f64>() / returns.len() as f64).sqrt();
    (downside > 0.0).then(|| m * periods_per_year / (downside * periods_per_year.sqrt()))
}

/// empyrical `cagr` / `annual_return`: (end / start)^(periods_per_year / periods) − 1, where periods
/// is the number of returns.
pub fn cagr(start: f64, end: f64, periods: usize, periods_per_year: f64) -> Option<f64> {
    (start > 0.0 && end >= 0.0 && periods > 0).then(|| (end / start).powf(periods_per_year / periods as f64) - 1.0)
}

/// Periods per year observed in the data: (bars − 1) per elapsed calendar year of 365.25 days.
/// Daily exchange data gives ≈ 252, hourly FX ≈ 6,200, NSE minute bars ≈ 94,000 — the number of
/// periods that really occur in a year of this market, rather than a guess from the interval.
pub fn periods_per_year(first_nanos: i64, last_nanos: i64, bars: usize) -> Option<f64> {
    let years = (last_nanos - first_nanos) as f64 / (365.25 * 86_400.0 * 1e9);
    (bars > 1 && years > 0.0).then(|| (bars - 1) as f64 / years)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn hand_computed_statistics() {
        let equity = [100.0, 110.0, 99.0, 108.9];
        let r = simple_returns(&equity);
        // 110/100 − 1 = 0.1; 99/110 − 1 = −0.1; 108.9/99 − 1 = 0.1
        assert!(close(r[0], 0.1) && close(r[1], -0.1) && close(r[2], 0.1));
        // mean = 0.1/3; deviations 0.2/3, −0.4/3, 0.2/3; squares sum = 0.24/9; /2 → std = √(0.12/9)
        let std = (0.12f64 / 9.0).sqrt();
        assert!(close(annual_volatility(&r, 4.0).unwrap(), std * 2.0));
        assert!(close(sharpe_ratio(&r, 4.0).unwrap(), (0.1 / 3.0) / std * 2.0));
        // downside: mean(min(r,0)²) = 0.01/3 → √ = 0.057735; sortino = (0.1/3 × 4) / (0.057735 × 2)
        let downside = (0.01f64 / 3.0).sqrt();
        assert!(close(sortino_ratio(&r, 4.0).unwrap(), (0.1 / 3.0 * 4.0) / (downside * 2.0)));
        // three periods at four per year → 0.75 years: 1.089^(4/3) − 1
        assert!(close(cagr(100.0, 108.9, 3, 4.0).unwrap(), 1.089f64.powf(4.0 / 3.0) - 1.0));
    }

    #[test]
    fn undefined_cases_are_none() {
        assert_eq!(sharpe_ratio(&[0.01, 0.01], 252.0), None);
        assert_eq!(sortino_ratio(&[0.01, 0.02], 252.0), None);
        assert_eq!(annual_volatility(&[0.01], 252.0), None);
        assert_eq!(cagr(0.0, 1.0, 1, 252.0), None);
    }

    #[test]
    fn periods_per_year_from_daily_spacing() {
        let day = 86_400_000_000_000i64;
        // 366 daily bars across 365 days (weekends included) → 365 / (365/365.25) = 365.25
        assert!(close(periods_per_year(0, 365 * day, 366).unwrap(), 365.25));
        assert_eq!(periods_per_year(0, 0, 1), None);
    }
}
