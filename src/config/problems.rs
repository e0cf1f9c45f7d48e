//! Collecting every configuration error at once, each with its key path.

use std::fmt;

/// One thing wrong with a configuration: where (a dotted key path) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.reason)
    }
}

/// Accumulates problems while validation walks the whole config, so the operator sees every
/// error in one run instead of fixing them one restart at a time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems {
    list: Vec<Problem>,
}

impl Problems {
    pub fn new() -> Problems {
        Problems::default()
    }

    pub fn push(&mut self, path: impl Into<String>, reason: impl Into<String>) {
        self.list.push(Problem { path: path.into(), reason: reason.into() });
    }

    /// Records a problem when `ok` is false.
    pub fn require(&mut self, ok: bool, path: impl Into<String>, reason: impl Into<String>) {
        if !ok {
            self.push(path, reason);
        }
    }

    /// Adds every problem of `other`.
    pub fn extend(&mut self, other: Problems) {
        self.list.extend(other.list);
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Problem> {
        self.list.iter()
    }

    /// `Ok(())` when nothing was recorded.
    pub fn into_result(self) -> Result<(), Problems> {
        if self.list.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.list.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

/// Joins a parent key path and a child key: `join("risk", "max_order_quantity")`.
pub fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_everything_with_paths() {
        let mut problems = Problems::new();
        problems.require(true, "a", "fine");
        problems.require(false, join("risk", "max_order_quantity"), "must be positive");
        problems.push(join("", "strategies[0].fast"), "must be below slow");
        assert_eq!(problems.len(), 2);
        assert_eq!(
            problems.to_string(),
            "risk.max_order_quantity: must be positive\nstrategies[0].fast: must be below slow"
        );
        assert!(problems.into_result().is_err());
    }
}
