//! Portfolio: filled by the portfolio work.
