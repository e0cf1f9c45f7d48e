//! Path parameters read with their id type's own validator.
//!
//! A path segment that cannot be an id of its kind is a 400 naming the parameter, so a 404 always
//! means "a well-formed id, but nothing has it" — a client can tell a typo in its code from an id
//! that is gone.

use std::collections::BTreeMap;
use std::fmt::Display;

use super::error::ApiError;

/// `text` (the path parameter `param`) read by `parse`, or a 400 naming `param` with `parse`'s
/// reason.
pub fn parse<T, E: Display>(param: &str, text: &str, parse: impl FnOnce(&str) -> Result<T, E>) -> Result<T, ApiError> {
    parse(text).map_err(|reason| {
        let mut fields = BTreeMap::new();
        fields.insert(param.to_owned(), reason.to_string());
        ApiError::invalid(fields)
    })
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;

    use super::*;

    #[test]
    fn a_refused_parameter_is_a_400_naming_it_with_the_reason() {
        let error = parse("id", "x y", |s| s.parse::<u64>().map_err(|_| "must be a whole number")).unwrap_err();
        assert_eq!(error.status, StatusCode::BAD_REQUEST);
        assert_eq!(error.code, "invalid_request");
        assert_eq!(error.fields.len(), 1);
        assert_eq!(error.fields["id"], "must be a whole number");
        assert_eq!(parse("id", "42", |s| s.parse::<u64>().map_err(|_| "must be a whole number")).unwrap(), 42);
    }
}
