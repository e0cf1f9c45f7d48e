//! Typed configuration: unknown keys are refused, and `validate()` reports every error at once
//! with its key path.

mod problems;

pub use problems::{join, Problem, Problems};
