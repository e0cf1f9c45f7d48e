//! The Calmar ratio: annual return per unit of worst drawdown.

/// empyrical `calmar_ratio`: annual return (CAGR, as a fraction) divided by the absolute maximum
/// drawdown (as a fraction, e.g. −0.25). Undefined (`None`) when equity never fell below a
/// previous peak, as empyrical returns NaN then.
pub fn calmar_ratio(annual_return: f64, max_drawdown: f64) -> Option<f64> {
    (max_drawdown < 0.0 && annual_return.is_finite()).then(|| annual_return / max_drawdown.abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_calmar() {
        // 12 % a year with a worst fall of 25 %: 0.12 / 0.25 = 0.48.
        assert!((calmar_ratio(0.12, -0.25).unwrap() - 0.48).abs() < 1e-12);
        // A losing year keeps its sign: −0.10 / 0.20 = −0.5.
        assert!((calmar_ratio(-0.10, -0.20).unwrap() - -0.5).abs() < 1e-12);
        assert_eq!(calmar_ratio(0.12, 0.0), None, "no drawdown: undefined, as empyrical's NaN");
        assert_eq!(calmar_ratio(f64::NAN, -0.1), None);
    }
}
