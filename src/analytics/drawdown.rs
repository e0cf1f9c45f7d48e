//! Drawdowns of an equity curve.

/// The deepest drawdown and the longest time under water.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Drawdown {
    /// The most negative `equity / running peak − 1` (e.g. −0.25 for a 25 % fall), as empyrical's
    /// `max_drawdown` defines it; 0 when equity never fell.
    pub max: f64,
    /// The longest stretch, in periods, from a peak until equity regained it (or the curve ended).
    pub longest_periods: usize,
    /// Index of the peak that started the longest stretch.
    pub longest_start: usize,
}

/// Computes the drawdown statistics of `equity` (one value per period).
pub fn drawdown(equity: &[f64]) -> Drawdown {
    let mut result = Drawdown { max: 0.0, longest_periods: 0, longest_start: 0 };
    let Some(&first) = equity.first() else {
        return result;
    };
    let (mut peak, mut peak_index) = (first, 0);
    for (i, &value) in equity.iter().enumerate() {
        if value >= peak {
            peak = value;
            peak_index = i;
        } else if peak > 0.0 {
            result.max = result.max.min(value / peak - 1.0);
        }
        let under_water = i - peak_index;
        if under_water > result.longest_periods {
            result.longest_periods = under_water;
            result.longest_start = peak_index;
        }
    }
    result
}

/// `equity / running peak − 1` for each period, for drawdown charts.
pub fn drawdown_series(equity: &[f64]) -> Vec<f64> {
    let mut peak = f64::MIN;
    equity
        .iter()
        .map(|&value| {
            peak = peak.max(value);
            if peak > 0.0 {
                value / peak - 1.0
            } else {
                0.0
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_drawdown() {
        // Peak 120 at index 1, trough 90 at index 3 → 90/120 − 1 = −0.25; back above 120 at index 5,
        // so under water at indices 2, 3 and 4: three periods.
        let equity = [100.0, 120.0, 110.0, 90.0, 115.0, 125.0, 124.0];
        let dd = drawdown(&equity);
        assert!((dd.max - -0.25).abs() < 1e-12);
        assert_eq!(dd.longest_periods, 3);
        assert_eq!(dd.longest_start, 1);
        let series = drawdown_series(&equity);
        assert!((series[3] - -0.25).abs() < 1e-12);
        assert!((series[6] - (124.0 / 125.0 - 1.0)).abs() < 1e-12);
    }

    #[test]
    fn unrecovered_drawdown_runs_to_the_end() {
        let dd = drawdown(&[100.0, 90.0, 95.0, 99.0]);
        assert_eq!(dd.longest_periods, 3);
        assert!((dd.max - -0.1).abs() < 1e-12);
        assert_eq!(drawdown(&[]).max, 0.0);
        assert_eq!(drawdown(&[1.0, 2.0, 3.0]).longest_periods, 0);
    }
}
