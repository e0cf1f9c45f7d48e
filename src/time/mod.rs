//! Time: instants, calendar dates, and the clock abstraction that keeps the core off the wall clock.

mod clock;
mod date;
mod timestamp;

pub use clock::{Clock, LiveClock, SimulatedClock};
pub use date::{Date, DateError, Weekday};
pub use timestamp::{Nanos, Timestamp, IST_OFFSET_SECONDS};
