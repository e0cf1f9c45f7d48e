//! Strategy configuration: which strategy runs, on what, with which parameters.
//!
//! In TOML, one `[[strategies]]` table per instance; `kind` picks the strategy and the
//! `[strategies.params]` table holds exactly that kind's parameters (any other key is refused):
//!
//! ```toml
//! [[strategies]]
//! id = "sma_reliance"
//! kind = "sma_cross"                      # or "donchian" (params: entry, exit, sizing)
//! instruments = ["NSE_EQ|INE002A01018"]
//! enabled = true                          # optional, default true
//! [strategies.params]
//! fast = 10
//! slow = 20
//! sizing = { all_in = { commission = "0.002" } }   # or { fixed = { quantity = 10 } }
//! ```

use serde::{Deserialize, Serialize};

use super::indicators::MAX_WINDOW;
use super::sizing::{commission_problem, quantity_problem};
use super::{Donchian, Sizing, SmaCross, Strategy};
use crate::bars::BarInterval;
use crate::config::{join, Problems};
use crate::model::{InstrumentKey, StrategyId};
use crate::num::Rate;

/// One configured strategy instance.
///
/// serde cannot combine `flatten` with `deny_unknown_fields`, so the shape goes through
/// `SpecRepr`: an enum internally tagged by `kind` whose variants refuse unknown keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "SpecRepr", into = "SpecRepr")]
pub struct StrategySpec {
    pub id: StrategyId,
    pub instruments: Vec<InstrumentKey>,
    /// A disabled strategy is configured (and validated) but not started.
    pub enabled: bool,
    /// The bars the runtime feeds the strategy (default `1m`).
    pub bar_interval: BarInterval,
    pub params: StrategyParams,
}

/// The kind of strategy and its parameters. Serialised on its own (e.g. in API responses) as
/// `{"kind": "sma_cross", "params": {...}}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "params", rename_all = "snake_case", deny_unknown_fields)]
pub enum StrategyParams {
    SmaCross(SmaCrossParams),
    Donchian(DonchianParams),
}

/// Parameters of [`SmaCross`]: window lengths in bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmaCrossParams {
    pub fast: usize,
    pub slow: usize,
    pub sizing: Sizing,
}

/// Parameters of [`Donchian`]: lookbacks in bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DonchianParams {
    /// Enter above the highest high of this many previous bars.
    pub entry: usize,
    /// Exit below the lowest low of this many previous bars.
    pub exit: usize,
    pub sizing: Sizing,
}

impl StrategySpec {
    /// Records every problem, each under `path` (e.g. `strategies[0]`).
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        let instruments = join(path, "instruments");
        problems.require(!self.instruments.is_empty(), &instruments, "must list at least one instrument");
        for (i, key) in self.instruments.iter().enumerate() {
            problems.require(
                !self.instruments[..i].contains(key),
                format!("{instruments}[{i}]"),
                format!("`{key}` is listed more than once"),
            );
        }
        self.params.validate(&join(path, "params"), problems);
    }
}

impl StrategyParams {
    /// The configured `kind`: `sma_cross` or `donchian`.
    pub fn kind(&self) -> &'static str {
        match self {
            StrategyParams::SmaCross(_) => SmaCross::KIND,
            StrategyParams::Donchian(_) => Donchian::KIND,
        }
    }

    /// Every configurable `kind`, in the order error messages list them.
    pub const KINDS: [&'static str; 2] = [SmaCross::KIND, Donchian::KIND];

    /// `kind` as its static name, or why it is not one: `unknown strategy kind ...` naming the
    /// known ones (the echoed text is cut to 40 characters since it comes from outside).
    pub fn known_kind(kind: &str) -> Result<&'static str, String> {
        Self::KINDS.into_iter().find(|known| *known == kind).ok_or_else(|| unknown_kind(kind))
    }

    /// The names of `kind`'s two window parameters, in [`StrategyParams::from_windows`] order:
    /// `fast`, `slow` (sma_cross) or `entry`, `exit` (donchian); for an unknown kind,
    /// [`StrategyParams::known_kind`]'s reason.
    pub fn window_names(kind: &str) -> Result<[&'static str; 2], String> {
        match kind {
            SmaCross::KIND => Ok(["fast", "slow"]),
            Donchian::KIND => Ok(["entry", "exit"]),
            _ => Err(unknown_kind(kind)),
        }
    }

    /// `kind`'s parameters from its two windows (named by [`StrategyParams::window_names`]) and
    /// a sizing, not validated; for an unknown kind, [`StrategyParams::known_kind`]'s reason.
    pub fn from_windows(kind: &str, [first, second]: [usize; 2], sizing: Sizing) -> Result<StrategyParams, String> {
        match kind {
            SmaCross::KIND => Ok(StrategyParams::SmaCross(SmaCrossParams { fast: first, slow: second, sizing })),
            Donchian::KIND => Ok(StrategyParams::Donchian(DonchianParams { entry: first, exit: second, sizing })),
            _ => Err(unknown_kind(kind)),
        }
    }

    pub fn sizing(&self) -> &Sizing {
        match self {
            StrategyParams::SmaCross(p) => &p.sizing,
            StrategyParams::Donchian(p) => &p.sizing,
        }
    }

    /// Records every problem, each under `path` (the params table's path).
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        self.validate_windows(path, problems);
        self.sizing().validate(&join(path, "sizing"), problems);
    }

    fn validate_windows(&self, path: &str, problems: &mut Problems) {
        match *self {
            StrategyParams::SmaCross(SmaCrossParams { fast, slow, .. }) => {
                check_window(fast, join(path, "fast"), problems);
                if check_window(slow, join(path, "slow"), problems) {
                    problems.require(
                        slow > fast,
                        join(path, "slow"),
                        format!("must be greater than fast ({fast}), got {slow}"),
                    );
                }
            }
            StrategyParams::Donchian(DonchianParams { entry, exit, .. }) => {
                check_window(entry, join(path, "entry"), problems);
                check_window(exit, join(path, "exit"), problems);
            }
        }
    }

    /// Parameters from the command line's `--param key=value` pairs. Keys: `fast` and `slow`
    /// (sma_cross) or `entry` and `exit` (donchian), all required; then either `quantity` (fixed
    /// sizing) or `commission` (all-in sizing); with neither, all-in with no commission. Reports
    /// every problem at once, each under the key as typed (`kind` for an unknown kind).
    pub fn from_pairs(kind: &str, pairs: &[(String, String)]) -> Result<StrategyParams, Problems> {
        let mut problems = Problems::new();
        let windows = match Self::window_names(kind) {
            Ok(windows) => windows,
            Err(reason) => {
                problems.push("kind", reason);
                return Err(problems);
            }
        };
        let mut window_values: [Option<usize>; 2] = [None, None];
        let mut quantity: Option<u64> = None;
        let mut commission: Option<Rate> = None;
        for (i, (key, value)) in pairs.iter().enumerate() {
            // Keys and values come from a command line: keep what is echoed back short.
            let shown_key: String = key.chars().take(40).collect();
            let shown_value: String = value.chars().take(40).collect();
            if pairs[..i].iter().any(|(earlier, _)| earlier == key) {
                problems.push(shown_key, "given more than once");
                continue;
            }
            let not_whole = || format!("`{shown_value}` is not a whole number");
            if let Some(slot) = windows.iter().position(|w| w == key) {
                match parse_whole(value) {
                    // Past usize is past MAX_WINDOW too; validation below says so.
                    Some(bars) => window_values[slot] = Some(usize::try_from(bars).unwrap_or(usize::MAX)),
                    None => problems.push(shown_key, not_whole()),
                }
            } else if key == "quantity" {
                match parse_whole(value) {
                    Some(units) => match quantity_problem(units) {
                        None => quantity = Some(units),
                        Some(reason) => problems.push(shown_key, reason),
                    },
                    None => problems.push(shown_key, not_whole()),
                }
            } else if key == "commission" {
                match value.parse::<Rate>() {
                    Ok(rate) => match commission_problem(rate) {
                        None => commission = Some(rate),
                        Some(reason) => problems.push(shown_key, reason),
                    },
                    Err(e) => problems.push(shown_key, e.to_string()),
                }
            } else {
                let known = format!("{}, {}, quantity, commission", windows[0], windows[1]);
                problems.push(shown_key, format!("unknown parameter for {kind} (known: {known})"));
            }
        }
        for (name, value) in windows.iter().zip(window_values) {
            if value.is_none() && !pairs.iter().any(|(key, _)| key == name) {
                problems.push(*name, "is required");
            }
        }
        if quantity.is_some() && commission.is_some() {
            problems
                .push("quantity", "give either `quantity` (fixed sizing) or `commission` (all-in sizing), not both");
        }
        let (Some(first), Some(second)) = (window_values[0], window_values[1]) else {
            return Err(problems);
        };
        let sizing = match quantity {
            Some(quantity) => Sizing::Fixed { quantity },
            None => Sizing::AllIn { commission: commission.unwrap_or(Rate::ZERO) },
        };
        let params = match Self::from_windows(kind, [first, second], sizing) {
            Ok(params) => params,
            Err(reason) => {
                problems.push("kind", reason);
                return Err(problems);
            }
        };
        // With an empty parent path, window problems land under the bare key (`fast`, `exit`).
        params.validate_windows("", &mut problems);
        problems.into_result().map(|()| params)
    }

    /// The strategy these parameters describe.
    ///
    /// # Panics
    /// When the parameters fail [`StrategyParams::validate`] in their window lengths (0 or above
    /// `MAX_WINDOW`). Configuration is validated before anything is built; use
    /// [`StrategyParams::try_build`] for parameters that were not.
    pub fn build(&self) -> Box<dyn Strategy> {
        match *self {
            StrategyParams::SmaCross(params) => Box::new(SmaCross::new(params)),
            StrategyParams::Donchian(params) => Box::new(Donchian::new(params)),
        }
    }

    /// Validates, then builds.
    pub fn try_build(&self) -> Result<Box<dyn Strategy>, Problems> {
        let mut problems = Problems::new();
        self.validate("", &mut problems);
        problems.into_result().map(|()| self.build())
    }
}

/// Why `kind` is not a strategy kind, naming the known ones.
fn unknown_kind(kind: &str) -> String {
    let shown: String = kind.chars().take(40).collect();
    format!("unknown strategy kind `{shown}` (known: {})", StrategyParams::KINDS.join(", "))
}

/// Records a problem unless `bars` is a usable window length; returns whether it is.
fn check_window(bars: usize, path: String, problems: &mut Problems) -> bool {
    let ok = (1..=MAX_WINDOW).contains(&bars);
    problems.require(ok, path, format!("must be 1 to {MAX_WINDOW} bars, got {bars}"));
    ok
}

/// Digits only (no sign, no spaces), as a `u64`.
fn parse_whole(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn enabled_by_default() -> bool {
    true
}

/// The configured shape of a [`StrategySpec`]: `kind` picks the variant; every other key belongs
/// to [`SpecBody`], which refuses unknown ones.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum SpecRepr {
    SmaCross(SpecBody<SmaCrossParams>),
    Donchian(SpecBody<DonchianParams>),
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpecBody<P> {
    id: StrategyId,
    instruments: Vec<InstrumentKey>,
    #[serde(default = "enabled_by_default")]
    enabled: bool,
    #[serde(default = "default_bar_interval")]
    bar_interval: BarInterval,
    params: P,
}

fn default_bar_interval() -> BarInterval {
    BarInterval::M1
}

impl From<SpecRepr> for StrategySpec {
    fn from(repr: SpecRepr) -> StrategySpec {
        match repr {
            SpecRepr::SmaCross(body) => body.into_spec(StrategyParams::SmaCross),
            SpecRepr::Donchian(body) => body.into_spec(StrategyParams::Donchian),
        }
    }
}

impl<P> SpecBody<P> {
    fn into_spec(self, params: fn(P) -> StrategyParams) -> StrategySpec {
        StrategySpec {
            id: self.id,
            instruments: self.instruments,
            enabled: self.enabled,
            bar_interval: self.bar_interval,
            params: params(self.params),
        }
    }
}

impl From<StrategySpec> for SpecRepr {
    fn from(spec: StrategySpec) -> SpecRepr {
        let StrategySpec { id, instruments, enabled, bar_interval, params } = spec;
        match params {
            StrategyParams::SmaCross(params) => {
                SpecRepr::SmaCross(SpecBody { id, instruments, enabled, bar_interval, params })
            }
            StrategyParams::Donchian(params) => {
                SpecRepr::Donchian(SpecBody { id, instruments, enabled, bar_interval, params })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Config {
        strategies: Vec<StrategySpec>,
    }

    fn parse(text: &str) -> Result<Vec<StrategySpec>, String> {
        toml::from_str::<Config>(text).map(|c| c.strategies).map_err(|e| e.to_string())
    }

    fn problems_of(spec: &StrategySpec) -> Vec<String> {
        let mut problems = Problems::new();
        spec.validate("strategies[0]", &mut problems);
        problems.iter().map(|p| p.to_string()).collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn cli_problems(kind: &str, list: &[(&str, &str)]) -> Vec<String> {
        StrategyParams::from_pairs(kind, &pairs(list)).unwrap_err().iter().map(|p| p.to_string()).collect()
    }

    const SMA: &str = r#"
        [[strategies]]
        id = "sma_reliance"
        kind = "sma_cross"
        instruments = ["NSE_EQ|INE002A01018"]
        [strategies.params]
        fast = 10
        slow = 20
        sizing = { all_in = { commission = "0.002" } }

        [[strategies]]
        id = "donchian_infy"
        kind = "donchian"
        instruments = ["NSE_EQ|INE009A01021", "BSE_EQ|INE009A01021"]
        enabled = false
        [strategies.params]
        entry = 20
        exit = 10
        sizing = { fixed = { quantity = 5 } }
    "#;

    #[test]
    fn parses_both_kinds() {
        let specs = parse(SMA).unwrap();
        assert_eq!(specs.len(), 2);
        assert_eq!(specs[0].id.as_str(), "sma_reliance");
        assert!(specs[0].enabled, "enabled defaults to true");
        assert_eq!(
            specs[0].params,
            StrategyParams::SmaCross(SmaCrossParams {
                fast: 10,
                slow: 20,
                sizing: Sizing::AllIn { commission: Rate::from_nanos(2_000_000) },
            })
        );
        assert!(!specs[1].enabled);
        assert_eq!(specs[1].instruments.len(), 2);
        assert_eq!(
            specs[1].params,
            StrategyParams::Donchian(DonchianParams { entry: 20, exit: 10, sizing: Sizing::Fixed { quantity: 5 } })
        );
        assert_eq!((specs[0].params.kind(), specs[1].params.kind()), ("sma_cross", "donchian"));
        assert!(problems_of(&specs[0]).is_empty() && problems_of(&specs[1]).is_empty());
    }

    #[test]
    fn unknown_keys_are_refused_at_every_level() {
        let cases = [
            // at the spec level
            ("kind = \"sma_cross\"\n", "kind = \"sma_cross\"\ncolour = \"red\"\n", "unknown field `colour`"),
            // in the params table
            ("slow = 20\n", "slow = 20\nslwo = 30\n", "unknown field `slwo`"),
            // another kind's parameter
            ("slow = 20\n", "slow = 20\nentry = 30\n", "unknown field `entry`"),
            // in the sizing table
            ("commission = \"0.002\"", "commission = \"0.002\", slippage = \"0.001\"", "unknown field `slippage`"),
        ];
        for (from, to, want) in cases {
            let text = SMA.replacen(from, to, 1);
            assert_ne!(text, SMA, "{from:?} must occur in the fixture");
            let err = parse(&text).unwrap_err();
            assert!(err.contains(want), "{to:?}: {err}");
        }
        let err = parse(&SMA.replacen("\"sma_cross\"", "\"macd\"", 1)).unwrap_err();
        assert!(err.contains("unknown variant `macd`"), "{err}");
        let err = parse(&SMA.replacen("kind = \"sma_cross\"\n", "", 1)).unwrap_err();
        assert!(err.contains("kind"), "{err}");
        assert!(parse(&SMA.replacen("fast = 10", "fast = -10", 1)).is_err());
        assert!(parse(&SMA.replacen("NSE_EQ|INE002A01018", "NSE_XX|INE002A01018", 1)).is_err());
    }

    #[test]
    fn serialises_back_to_the_same_shape() {
        let specs = parse(SMA).unwrap();
        for spec in specs {
            let value = toml::Value::try_from(spec.clone()).unwrap();
            let table = value.as_table().unwrap();
            assert_eq!(table["kind"].as_str(), Some(spec.params.kind()));
            assert!(table["params"].as_table().unwrap().contains_key("sizing"));
            let back: StrategySpec = value.try_into().unwrap();
            assert_eq!(back, spec);
        }
    }

    #[test]
    fn params_alone_travel_as_kind_and_params() {
        let text = "kind = \"donchian\"\nparams = { entry = 20, exit = 10, sizing = { fixed = { quantity = 5 } } }\n";
        let params: StrategyParams = toml::from_str(text).unwrap();
        assert_eq!(
            params,
            StrategyParams::Donchian(DonchianParams { entry: 20, exit: 10, sizing: Sizing::Fixed { quantity: 5 } })
        );
        let back: StrategyParams = toml::Value::try_from(params).unwrap().try_into().unwrap();
        assert_eq!(back, params);
        let err = toml::from_str::<StrategyParams>(&format!("{text}extra = 1\n")).unwrap_err().to_string();
        assert!(err.contains("\"extra\", expected \"kind\" or \"params\""), "{err}");
    }

    #[test]
    fn validation_reports_every_problem_with_its_path() {
        let mut spec = parse(SMA).unwrap().remove(0);
        spec.instruments.clear();
        spec.params = StrategyParams::SmaCross(SmaCrossParams {
            fast: 0,
            slow: 0,
            sizing: Sizing::AllIn { commission: Rate::ONE },
        });
        assert_eq!(
            problems_of(&spec),
            [
                "strategies[0].instruments: must list at least one instrument",
                "strategies[0].params.fast: must be 1 to 100000 bars, got 0",
                "strategies[0].params.slow: must be 1 to 100000 bars, got 0",
                "strategies[0].params.sizing.all_in.commission: must be at least 0 and below 1, got 1.0",
            ]
        );
    }

    #[test]
    fn slow_must_exceed_fast_and_windows_are_bounded() {
        let mut spec = parse(SMA).unwrap().remove(0);
        let sizing = Sizing::Fixed { quantity: 0 };
        spec.params = StrategyParams::SmaCross(SmaCrossParams { fast: 20, slow: 20, sizing });
        assert_eq!(
            problems_of(&spec),
            [
                "strategies[0].params.slow: must be greater than fast (20), got 20",
                "strategies[0].params.sizing.fixed.quantity: must be 1 to 9223372036854775807, got 0",
            ]
        );
        spec.params = StrategyParams::SmaCross(SmaCrossParams { fast: 1, slow: 100_001, sizing: Sizing::ALL_IN });
        assert_eq!(problems_of(&spec), ["strategies[0].params.slow: must be 1 to 100000 bars, got 100001"]);
        spec.params = StrategyParams::SmaCross(SmaCrossParams { fast: 1, slow: 100_000, sizing: Sizing::ALL_IN });
        assert!(problems_of(&spec).is_empty());
    }

    #[test]
    fn donchian_lookbacks_and_duplicate_instruments() {
        let mut spec = parse(SMA).unwrap().remove(1);
        spec.instruments.push(spec.instruments[0].clone());
        spec.params = StrategyParams::Donchian(DonchianParams { entry: 0, exit: 0, sizing: Sizing::ALL_IN });
        assert_eq!(
            problems_of(&spec),
            [
                "strategies[0].instruments[2]: `NSE_EQ|INE009A01021` is listed more than once",
                "strategies[0].params.entry: must be 1 to 100000 bars, got 0",
                "strategies[0].params.exit: must be 1 to 100000 bars, got 0",
            ]
        );
    }

    #[test]
    fn from_pairs_builds_each_sizing() {
        let sma = StrategyParams::from_pairs("sma_cross", &pairs(&[("fast", "10"), ("slow", "20")])).unwrap();
        assert_eq!(sma, StrategyParams::SmaCross(SmaCrossParams { fast: 10, slow: 20, sizing: Sizing::ALL_IN }));
        let fixed =
            StrategyParams::from_pairs("donchian", &pairs(&[("exit", "10"), ("entry", "20"), ("quantity", "75")]))
                .unwrap();
        assert_eq!(
            fixed,
            StrategyParams::Donchian(DonchianParams { entry: 20, exit: 10, sizing: Sizing::Fixed { quantity: 75 } })
        );
        let commission =
            StrategyParams::from_pairs("sma_cross", &pairs(&[("fast", "2"), ("slow", "3"), ("commission", "0.002")]))
                .unwrap();
        assert_eq!(*commission.sizing(), Sizing::AllIn { commission: Rate::from_nanos(2_000_000) });
    }

    #[test]
    fn from_pairs_problems_name_the_key() {
        assert_eq!(
            cli_problems(
                "sma_cross",
                &[("fast", "ten"), ("slow", "-5"), ("entry", "3"), ("commission", "2%"), ("fast", "10")]
            ),
            [
                "fast: `ten` is not a whole number",
                "slow: `-5` is not a whole number",
                "entry: unknown parameter for sma_cross (known: fast, slow, quantity, commission)",
                "commission: `2%` is not a decimal number (digits, one optional `.`, optional leading sign)",
                "fast: given more than once",
            ]
        );
        assert_eq!(
            cli_problems("donchian", &[("quantity", "0"), ("commission", "1.5")]),
            [
                "quantity: must be 1 to 9223372036854775807, got 0",
                "commission: must be at least 0 and below 1, got 1.5",
                "entry: is required",
                "exit: is required",
            ]
        );
        assert_eq!(
            cli_problems("sma_cross", &[("fast", "20"), ("slow", "0"), ("quantity", "5"), ("commission", "0.001")]),
            [
                "quantity: give either `quantity` (fixed sizing) or `commission` (all-in sizing), not both",
                "slow: must be 1 to 100000 bars, got 0",
            ]
        );
        assert_eq!(
            cli_problems("sma_cross", &[("fast", "20"), ("slow", "10")]),
            ["slow: must be greater than fast (20), got 10"]
        );
        assert_eq!(
            cli_problems("rsi", &[("fast", "1")]),
            ["kind: unknown strategy kind `rsi` (known: sma_cross, donchian)"]
        );
    }

    #[test]
    fn build_makes_the_configured_kind() {
        for spec in parse(SMA).unwrap() {
            assert_eq!(spec.params.build().kind(), spec.params.kind());
        }
        let bad = StrategyParams::SmaCross(SmaCrossParams { fast: 0, slow: 3, sizing: Sizing::ALL_IN });
        let problems = bad.try_build().err().unwrap();
        assert_eq!(problems.to_string(), "fast: must be 1 to 100000 bars, got 0");
    }

    #[test]
    fn kinds_name_their_windows_and_build_from_them() {
        assert_eq!(StrategyParams::known_kind("donchian"), Ok("donchian"));
        assert_eq!(
            StrategyParams::known_kind("sma"),
            Err("unknown strategy kind `sma` (known: sma_cross, donchian)".to_owned())
        );
        assert_eq!(StrategyParams::window_names("sma_cross"), Ok(["fast", "slow"]));
        assert_eq!(StrategyParams::window_names("donchian"), Ok(["entry", "exit"]));
        assert!(StrategyParams::window_names("rsi").is_err());
        let fixed = Sizing::Fixed { quantity: 3 };
        assert_eq!(
            StrategyParams::from_windows("sma_cross", [5, 12], fixed),
            Ok(StrategyParams::SmaCross(SmaCrossParams { fast: 5, slow: 12, sizing: fixed }))
        );
        assert_eq!(
            StrategyParams::from_windows("donchian", [20, 10], fixed),
            Ok(StrategyParams::Donchian(DonchianParams { entry: 20, exit: 10, sizing: fixed }))
        );
        assert!(StrategyParams::from_windows("rsi", [1, 2], fixed).is_err());
    }
}
