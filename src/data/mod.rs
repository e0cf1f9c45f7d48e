//! Market data files: bar and tick CSV, and the datetime text they contain. Parsing works on text
//! the caller has read, so the core stays free of I/O; it never panics on any input.

mod bar_csv;
mod csv_error;
mod csv_fields;
pub mod datetime_text;
mod fast_fields;
mod tick_csv;

pub use bar_csv::parse_bar_csv;
pub use csv_error::CsvError;
pub use datetime_text::{parse_datetime, DateTimeError};
pub use tick_csv::{parse_tick_csv, TradeTick};
