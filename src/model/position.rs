//! Positions: filled by the positions work.
