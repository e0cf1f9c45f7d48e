//! Reading request bodies into typed values, collecting every bad field.

use std::collections::BTreeMap;

use axum::body::Bytes;
use serde_json::{Map, Value};

use super::error::ApiError;

/// A JSON object being read field by field; problems accumulate instead of stopping at the first.
pub struct Fields {
    object: Map<String, Value>,
    pub errors: BTreeMap<String, String>,
    known: Vec<&'static str>,
}

impl Fields {
    /// Parses `body` as a JSON object.
    pub fn parse(body: &Bytes) -> Result<Fields, ApiError> {
        let value: Value = serde_json::from_slice(body).map_err(|e| {
            let mut fields = BTreeMap::new();
            fields.insert("body".to_owned(), format!("not valid JSON: {e}"));
            ApiError::invalid(fields)
        })?;
        match value {
            Value::Object(object) => Ok(Fields { object, errors: BTreeMap::new(), known: Vec::new() }),
            _ => {
                let mut fields = BTreeMap::new();
                fields.insert("body".to_owned(), "must be a JSON object".to_owned());
                Err(ApiError::invalid(fields))
            }
        }
    }

    pub fn error(&mut self, field: &str, reason: impl Into<String>) {
        self.errors.entry(field.to_owned()).or_insert_with(|| reason.into());
    }

    /// The raw value of `field`, if present and not null.
    pub fn raw(&mut self, field: &'static str) -> Option<&Value> {
        self.known.push(field);
        self.object.get(field).filter(|v| !v.is_null())
    }

    /// A required field, parsed from a string by `parse`.
    pub fn required<T>(&mut self, field: &'static str, parse: impl FnOnce(&str) -> Result<T, String>) -> Option<T> {
        match self.raw(field).cloned() {
            None => {
                self.error(field, "is required");
                None
            }
            Some(value) => self.text_value(field, &value, parse),
        }
    }

    /// An optional field, parsed from a string by `parse`.
    pub fn optional<T>(&mut self, field: &'static str, parse: impl FnOnce(&str) -> Result<T, String>) -> Option<T> {
        let value = self.raw(field).cloned()?;
        self.text_value(field, &value, parse)
    }

    /// Strings are parsed; numbers are accepted as their JSON text (so `2450.05` is exact).
    fn text_value<T>(
        &mut self,
        field: &str,
        value: &Value,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => {
                self.error(field, "must be a string or a number");
                return None;
            }
        };
        match parse(&text) {
            Ok(v) => Some(v),
            Err(reason) => {
                self.error(field, reason);
                None
            }
        }
    }

    /// Ends reading: unknown fields are errors, and any error makes the whole body a 400.
    pub fn finish(mut self) -> Result<(), ApiError> {
        let unknown: Vec<String> = self.object.keys().filter(|k| !self.known.contains(&k.as_str())).cloned().collect();
        for key in unknown {
            self.error(&key, "is not a known field");
        }
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::invalid(self.errors))
        }
    }
}
