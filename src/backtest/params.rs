//! Strategy parameters from `--param key=value` pairs, with the command line's commission.

use crate::config::Problems;
use crate::num::Rate;
use crate::strategy::StrategyParams;

/// Builds `kind`'s parameters from `pairs` (see `StrategyParams::from_pairs`). When the costs
/// are a commission of `commission` and the pairs choose no sizing (neither `quantity` nor
/// `commission`), all-in sizing reserves that same commission, so an entry never costs more
/// than the cash: `floor(cash / (price × (1 + R)))` units.
pub fn strategy_params(
    kind: &str,
    pairs: &[(String, String)],
    commission: Option<Rate>,
) -> Result<StrategyParams, Problems> {
    let chooses_sizing = pairs.iter().any(|(key, _)| key == "quantity" || key == "commission");
    match commission {
        Some(rate) if !chooses_sizing => {
            let mut with_commission = pairs.to_vec();
            with_commission.push(("commission".to_owned(), rate.to_string()));
            StrategyParams::from_pairs(kind, &with_commission)
        }
        _ => StrategyParams::from_pairs(kind, pairs),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::{Sizing, SmaCrossParams};

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn the_commission_sizes_all_in_entries_unless_sizing_is_chosen() {
        let rate: Rate = "0.002".parse().unwrap();
        let sma = |sizing| StrategyParams::SmaCross(SmaCrossParams { fast: 10, slow: 20, sizing });
        let plain = pairs(&[("fast", "10"), ("slow", "20")]);
        assert_eq!(strategy_params("sma_cross", &plain, Some(rate)), Ok(sma(Sizing::AllIn { commission: rate })));
        assert_eq!(strategy_params("sma_cross", &plain, None), Ok(sma(Sizing::ALL_IN)));
        let fixed = pairs(&[("fast", "10"), ("slow", "20"), ("quantity", "5")]);
        assert_eq!(strategy_params("sma_cross", &fixed, Some(rate)), Ok(sma(Sizing::Fixed { quantity: 5 })));
        let own = pairs(&[("fast", "10"), ("slow", "20"), ("commission", "0.001")]);
        let own_rate = "0.001".parse().unwrap();
        assert_eq!(strategy_params("sma_cross", &own, Some(rate)), Ok(sma(Sizing::AllIn { commission: own_rate })));
    }

    #[test]
    fn every_problem_is_listed() {
        let bad = pairs(&[("fast", "x"), ("slwo", "3")]);
        let problems = strategy_params("sma_cross", &bad, None).unwrap_err();
        let listed: Vec<String> = problems.iter().map(|p| p.path.clone()).collect();
        assert_eq!(listed, ["fast", "slwo", "slow"]);
    }
}
