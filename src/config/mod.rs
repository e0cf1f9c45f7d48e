//! Typed configuration: unknown keys are refused, and `validate()` reports every error at once
//! with its key path.

mod instrument_spec;
mod problems;
mod trader_config;

pub use instrument_spec::InstrumentSpec;
pub use problems::{join, Problem, Problems};
pub use trader_config::TraderConfig;
