//! strategy: being built.
