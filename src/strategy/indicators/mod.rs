//! Incremental indicators: each bar costs O(1) (amortised for rolling extremes), state is exact
//! integers, and nothing allocates after construction (ARCHITECTURE §5).

mod cross;
mod rolling_extreme;
mod sma;

pub use cross::{compare_averages, Cross, CrossDetector};
pub use rolling_extreme::{Extreme, RollingExtreme};
pub use sma::Sma;

/// The longest lookback any indicator accepts, in bars. Far above any sensible strategy (200 days of
/// one-minute NSE bars is 75,000), and small enough that every sum and cross product provably fits
/// in an `i128` (see `compare_averages`) and a typo such as `slow = 2000000000` cannot allocate
/// gigabytes.
pub const MAX_WINDOW: usize = 100_000;
