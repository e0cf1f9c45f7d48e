//! The error every CSV loader returns: which line, which column, and why.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvError {
    /// 1-based line number in the file, when the problem is in a row.
    pub line: Option<usize>,
    pub column: Option<String>,
    pub reason: String,
}

impl CsvError {
    pub(crate) fn file(reason: &str) -> CsvError {
        CsvError { line: None, column: None, reason: reason.to_owned() }
    }

    pub(crate) fn header(reason: &str) -> CsvError {
        CsvError { line: Some(1), column: None, reason: reason.to_owned() }
    }

    pub(crate) fn header_missing(name: &str) -> CsvError {
        CsvError { line: Some(1), column: None, reason: format!("no `{name}` column (names are matched in any case)") }
    }

    pub(crate) fn row(line: usize, column: &str, reason: &str) -> CsvError {
        CsvError { line: Some(line), column: Some(column.to_owned()), reason: reason.to_owned() }
    }
}

impl fmt::Display for CsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.line, &self.column) {
            (Some(line), Some(column)) => write!(f, "line {line}, column `{column}`: {}", self.reason),
            (Some(line), None) => write!(f, "line {line}: {}", self.reason),
            _ => f.write_str(&self.reason),
        }
    }
}

impl std::error::Error for CsvError {}
