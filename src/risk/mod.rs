//! risk: being built.
