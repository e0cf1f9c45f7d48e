//! Parameter grids: `--param fast=5..30:5` (an inclusive range with a step), `--param
//! slow=20,40,80` (a list) or `--param slow=20` (one value), combined as a Cartesian product.

use crate::config::Problems;

/// The most combinations one sweep may hold: far more than anyone means to run, small enough that
/// a typo (`slow=1..1000000`) is refused instead of running for hours.
pub const MAX_COMBINATIONS: usize = 100_000;

/// One parameter and the values it takes, in the order they were written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamAxis {
    pub key: String,
    pub values: Vec<String>,
}

impl ParamAxis {
    /// Parses a value spec: `a..b:step` or `a..b` (whole numbers, `a` to `b` inclusive, step 1 by
    /// default), `v1,v2,…`, or a single value.
    pub fn parse(key: &str, spec: &str) -> Result<ParamAxis, String> {
        let shown: String = spec.chars().take(40).collect();
        let values = if let Some((start, rest)) = spec.split_once("..") {
            let (end, step) = match rest.split_once(':') {
                Some((end, step)) => (end, step),
                None => (rest, "1"),
            };
            let whole = |text: &str| -> Result<u64, String> {
                if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(format!(
                        "range `{shown}`: `{text}` is not a whole number (ranges are start..end:step)"
                    ));
                }
                text.parse().map_err(|_| format!("range `{shown}`: `{text}` is too large"))
            };
            let (start, end, step) = (whole(start)?, whole(end)?, whole(step)?);
            if step == 0 {
                return Err(format!("range `{shown}`: the step must be positive"));
            }
            if end < start {
                return Err(format!("range `{shown}`: the end must not be below the start"));
            }
            let count = (end - start) / step + 1;
            if count > MAX_COMBINATIONS as u64 {
                return Err(format!("range `{shown}` has {count} values, more than {MAX_COMBINATIONS}"));
            }
            (0..count).map(|i| (start + i * step).to_string()).collect()
        } else {
            let values: Vec<String> = spec.split(',').map(|v| v.trim().to_owned()).collect();
            if values.iter().any(String::is_empty) {
                return Err(format!("`{shown}` has an empty value"));
            }
            values
        };
        Ok(ParamAxis { key: key.to_owned(), values })
    }
}

/// Parses every `--param key=spec` pair into an axis, listing every problem under its key.
pub fn parse_axes(pairs: &[(String, String)]) -> Result<Vec<ParamAxis>, Problems> {
    let mut problems = Problems::new();
    let mut axes = Vec::with_capacity(pairs.len());
    for (key, spec) in pairs {
        let shown: String = key.chars().take(40).collect();
        match ParamAxis::parse(key, spec) {
            Ok(axis) => axes.push(axis),
            Err(reason) => problems.push(shown, reason),
        }
    }
    let combinations = axes.iter().try_fold(1usize, |n, axis| n.checked_mul(axis.values.len()));
    match combinations {
        Some(n) if n <= MAX_COMBINATIONS => {}
        _ => problems.push("param", format!("the grid has more than {MAX_COMBINATIONS} combinations")),
    }
    problems.into_result().map(|()| axes)
}

/// Whether the axes describe more than one run.
pub fn is_sweep(axes: &[ParamAxis]) -> bool {
    axes.iter().any(|axis| axis.values.len() > 1)
}

/// Every combination as `key=value` pairs, in grid order: the first axis varies slowest.
pub fn combinations(axes: &[ParamAxis]) -> Vec<Vec<(String, String)>> {
    let mut grid: Vec<Vec<(String, String)>> = vec![Vec::with_capacity(axes.len())];
    for axis in axes {
        grid = grid
            .into_iter()
            .flat_map(|prefix| {
                axis.values.iter().map(move |value| {
                    let mut pairs = prefix.clone();
                    pairs.push((axis.key.clone(), value.clone()));
                    pairs
                })
            })
            .collect();
    }
    grid
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn ranges_are_inclusive_with_a_step() {
        assert_eq!(ParamAxis::parse("fast", "5..30:5").unwrap().values, ["5", "10", "15", "20", "25", "30"]);
        assert_eq!(ParamAxis::parse("fast", "5..17:5").unwrap().values, ["5", "10", "15"]);
        assert_eq!(ParamAxis::parse("fast", "3..5").unwrap().values, ["3", "4", "5"]);
        assert_eq!(ParamAxis::parse("fast", "7..7:3").unwrap().values, ["7"]);
        assert_eq!(ParamAxis::parse("commission", "0.001, 0.002").unwrap().values, ["0.001", "0.002"]);
        assert_eq!(ParamAxis::parse("slow", "20").unwrap().values, ["20"]);
    }

    #[test]
    fn bad_specs_say_why() {
        for (spec, why) in [
            ("5..x:5", "`x` is not a whole number"),
            ("5..30:0", "step must be positive"),
            ("30..5", "end must not be below the start"),
            ("-5..5", "`-5` is not a whole number"),
            ("1..1000000", "more than 100000"),
            ("5,,6", "empty value"),
        ] {
            let err = ParamAxis::parse("fast", spec).unwrap_err();
            assert!(err.contains(why), "{spec}: {err}");
        }
        let problems = parse_axes(&pairs(&[("fast", "a..b"), ("slow", "1..0")])).unwrap_err();
        let keys: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(keys, ["fast", "slow"]);
        let huge = parse_axes(&pairs(&[("fast", "1..1000"), ("slow", "1..1000")])).unwrap_err();
        assert!(huge.to_string().contains("more than 100000 combinations"), "{huge}");
    }

    #[test]
    fn the_grid_is_the_cartesian_product_in_parameter_order() {
        let axes = parse_axes(&pairs(&[("fast", "5..10:5"), ("slow", "20,30"), ("quantity", "1")])).unwrap();
        assert!(is_sweep(&axes));
        let grid: Vec<String> = combinations(&axes)
            .iter()
            .map(|combo| combo.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" "))
            .collect();
        assert_eq!(
            grid,
            [
                "fast=5 slow=20 quantity=1",
                "fast=5 slow=30 quantity=1",
                "fast=10 slow=20 quantity=1",
                "fast=10 slow=30 quantity=1",
            ]
        );
        assert!(!is_sweep(&parse_axes(&pairs(&[("fast", "5"), ("slow", "9")])).unwrap()));
        assert_eq!(combinations(&[]), [Vec::<(String, String)>::new()]);
    }
}
