//! `RiskApproved<T>`: proof, in the type system, that the risk gate accepted a value.

use std::ops::Deref;

use serde::Serialize;

/// A value the risk gate approved. Only code inside `crate::risk` can build one (the field and
/// the constructor are private to the module), so a function that takes
/// `RiskApproved<OrderRequest>` cannot be handed an order that skipped the checks.
///
/// Deliberately neither `Clone` nor `Deserialize`: a copy would let one approval send the same
/// order twice past the rate limits, and deserialising would forge an approval from bytes.
/// It serialises as the bare inner value (for the journal and the event stream).
#[derive(Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct RiskApproved<T>(T);

impl<T> RiskApproved<T> {
    /// Wraps `value` as approved. Visible to the risk module only.
    pub(super) fn new(value: T) -> RiskApproved<T> {
        RiskApproved(value)
    }

    /// The approved value.
    pub fn inner(&self) -> &T {
        &self.0
    }

    /// The approved value, giving up the proof of approval.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for RiskApproved<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_serialize<S: Serialize>(_: &S) {}

    #[test]
    fn exposes_the_value_it_wraps() {
        let approved = RiskApproved::new(String::from("order"));
        assert_eq!(approved.inner(), "order");
        assert_eq!(approved.len(), 5, "Deref reaches the inner value's methods");
        assert_serialize(&approved);
        assert_eq!(approved.into_inner(), "order");
    }
}
