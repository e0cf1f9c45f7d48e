//! paper: being built.
