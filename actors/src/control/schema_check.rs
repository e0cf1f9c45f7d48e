//! Tests only: checks a JSON value against a schema of the OpenAPI document, so tests can prove
//! that what the server writes is what the document says.
//!
//! It covers the JSON Schema keywords utoipa emits (`$ref` to components, `type` including type
//! lists, `properties`, `required`, `additionalProperties`, `items`, `enum`, `const`, `oneOf`,
//! `anyOf`, `allOf`, `minimum`, `maximum`, `maxLength`) and is stricter than JSON Schema in one
//! way: an object may carry only keys some schema describes (as if every object schema said
//! `unevaluatedProperties: false`), so a field the server writes but the document forgot fails.

use std::collections::BTreeSet;

use serde_json::Value;

/// Checks `value` against `schema`; the errors name the JSON path and what is wrong.
pub fn check(doc: &Value, schema: &Value, value: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    closed(doc, schema, value, "$", &mut errors);
    errors
}

/// The component schema `name`.
pub fn component<'a>(doc: &'a Value, name: &str) -> &'a Value {
    &doc["components"]["schemas"][name]
}

/// Validates and then refuses keys no part of `schema` evaluated.
fn closed(doc: &Value, schema: &Value, value: &Value, path: &str, errors: &mut Vec<String>) {
    match open(doc, schema, value, path) {
        Ok(evaluated) => {
            if let Value::Object(map) = value {
                for key in map.keys().filter(|k| !evaluated.contains(*k)) {
                    errors.push(format!("{path}.{key}: not in the schema"));
                }
            }
        }
        Err(mut found) => errors.append(&mut found),
    }
}

/// Validates without the closed-object rule; returns the object keys the schema evaluated.
fn open(doc: &Value, schema: &Value, value: &Value, path: &str) -> Result<BTreeSet<String>, Vec<String>> {
    let mut errors = Vec::new();
    let mut evaluated = BTreeSet::new();
    let Some(schema) = schema.as_object() else {
        // `true`/`false` schemas: utoipa does not emit them except as additionalProperties.
        return if schema == &Value::Bool(false) {
            Err(vec![format!("{path}: no value allowed")])
        } else {
            Ok(evaluated)
        };
    };

    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        match reference.strip_prefix("#/components/schemas/") {
            Some(name) if component(doc, name).is_object() => match open(doc, component(doc, name), value, path) {
                Ok(keys) => evaluated.extend(keys),
                Err(mut found) => errors.append(&mut found),
            },
            _ => errors.push(format!("{path}: unresolvable $ref {reference}")),
        }
    }

    if let Some(types) = schema.get("type") {
        let allowed: Vec<&str> = match types {
            Value::String(t) => vec![t.as_str()],
            Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !allowed.iter().any(|t| type_matches(t, value)) {
            errors.push(format!("{path}: {} is not of type {}", short(value), allowed.join(" or ")));
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        if !values.contains(value) {
            errors.push(format!("{path}: {} is not one of {}", short(value), Value::Array(values.clone())));
        }
    }
    if let Some(expected) = schema.get("const") {
        if expected != value {
            errors.push(format!("{path}: {} is not {expected}", short(value)));
        }
    }
    if let (Some(minimum), Some(n)) = (schema.get("minimum").and_then(Value::as_f64), value.as_f64()) {
        if n < minimum {
            errors.push(format!("{path}: {n} is below the minimum {minimum}"));
        }
    }
    if let (Some(maximum), Some(n)) = (schema.get("maximum").and_then(Value::as_f64), value.as_f64()) {
        if n > maximum {
            errors.push(format!("{path}: {n} is above the maximum {maximum}"));
        }
    }
    if let (Some(max), Some(text)) = (schema.get("maxLength").and_then(Value::as_u64), value.as_str()) {
        if text.chars().count() as u64 > max {
            errors.push(format!("{path}: longer than {max} characters"));
        }
    }

    if let Value::Object(map) = value {
        if let Some(required) = schema.get("required").and_then(Value::as_array) {
            for key in required.iter().filter_map(Value::as_str) {
                if !map.contains_key(key) {
                    errors.push(format!("{path}: required field `{key}` is missing"));
                }
            }
        }
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            for (key, property) in properties {
                if let Some(field) = map.get(key) {
                    closed(doc, property, field, &format!("{path}.{key}"), &mut errors);
                    evaluated.insert(key.clone());
                }
            }
        }
        match schema.get("additionalProperties") {
            Some(Value::Bool(true)) => evaluated.extend(map.keys().cloned()),
            Some(extra @ Value::Object(_)) => {
                let described = schema.get("properties").and_then(Value::as_object);
                for (key, field) in map.iter().filter(|(k, _)| !described.is_some_and(|d| d.contains_key(*k))) {
                    closed(doc, extra, field, &format!("{path}.{key}"), &mut errors);
                    evaluated.insert(key.clone());
                }
            }
            // An object schema with neither properties nor additionalProperties is a free-form object.
            None if schema.get("type") == Some(&Value::from("object")) && !schema.contains_key("properties") => {
                evaluated.extend(map.keys().cloned())
            }
            _ => {}
        }
    }

    if let (Some(items), Value::Array(list)) = (schema.get("items"), value) {
        for (i, item) in list.iter().enumerate() {
            closed(doc, items, item, &format!("{path}[{i}]"), &mut errors);
        }
    }

    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        for part in parts {
            match open(doc, part, value, path) {
                Ok(keys) => evaluated.extend(keys),
                Err(mut found) => errors.append(&mut found),
            }
        }
    }
    for (keyword, exactly_one) in [("oneOf", true), ("anyOf", false)] {
        if let Some(variants) = schema.get(keyword).and_then(Value::as_array) {
            let mut matched = Vec::new();
            let mut reasons = Vec::new();
            for (i, variant) in variants.iter().enumerate() {
                match open(doc, variant, value, path) {
                    Ok(keys) => matched.push(keys),
                    Err(found) => reasons.push(format!("variant {i}: {}", found.join("; "))),
                }
            }
            match matched.len() {
                0 => errors.push(format!("{path}: matches no {keyword} variant ({})", reasons.join(" | "))),
                n if n > 1 && exactly_one => errors.push(format!("{path}: matches {n} oneOf variants")),
                _ => matched.into_iter().for_each(|keys| evaluated.extend(keys)),
            }
        }
    }

    if errors.is_empty() {
        Ok(evaluated)
    } else {
        Err(errors)
    }
}

fn type_matches(t: &str, value: &Value) -> bool {
    match t {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => false,
    }
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn doc() -> Value {
        json!({"components": {"schemas": {
            "Price": {"type": "string"},
            "Tagged": {"oneOf": [
                {"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string", "enum": ["a"]}}},
                {"type": "object", "required": ["kind", "n"],
                    "properties": {"kind": {"type": "string", "enum": ["b"]}, "n": {"type": "integer", "minimum": 0}}},
            ]},
            "WithId": {"allOf": [{"$ref": "#/components/schemas/Tagged"},
                {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}]},
        }}})
    }

    fn errors(schema: Value, value: Value) -> Vec<String> {
        check(&doc(), &schema, &value)
    }

    #[test]
    fn accepts_what_the_schema_describes() {
        let object = json!({"type": "object", "required": ["p"], "properties": {
            "p": {"$ref": "#/components/schemas/Price"},
            "q": {"oneOf": [{"$ref": "#/components/schemas/Price"}, {"type": "null"}]},
            "list": {"type": "array", "items": {"type": ["integer", "null"]}},
            "map": {"type": "object", "additionalProperties": {"type": "number"}},
        }});
        assert_eq!(
            errors(object.clone(), json!({"p": "1.5", "q": null, "list": [1, null], "map": {"x": 1.5}})),
            Vec::<String>::new()
        );
        assert!(
            errors(json!({"$ref": "#/components/schemas/WithId"}), json!({"kind": "b", "n": 2, "id": 7})).is_empty()
        );
        assert!(errors(json!({"$ref": "#/components/schemas/Tagged"}), json!({"kind": "a"})).is_empty());
    }

    #[test]
    fn names_each_mismatch() {
        let object = json!({"type": "object", "required": ["p"], "properties": {"p": {"type": "string"}}});
        assert_eq!(errors(object.clone(), json!({})), ["$: required field `p` is missing"]);
        assert_eq!(errors(object.clone(), json!({"p": 1})), ["$.p: 1 is not of type string"]);
        assert_eq!(errors(object, json!({"p": "x", "extra": 1})), ["$.extra: not in the schema"]);
        assert_eq!(
            errors(json!({"$ref": "#/components/schemas/WithId"}), json!({"kind": "b", "n": 1, "id": 1, "more": 0})),
            ["$.more: not in the schema"]
        );
        assert!(errors(json!({"$ref": "#/components/schemas/Tagged"}), json!({"kind": "c"}))[0]
            .contains("matches no oneOf"));
        assert_eq!(errors(json!({"$ref": "#/components/schemas/Tagged"}), json!({"kind": "b", "n": -1})).len(), 1);
        assert_eq!(
            errors(json!({"$ref": "#/components/schemas/Nope"}), json!(1)),
            ["$: unresolvable $ref #/components/schemas/Nope"]
        );
    }
}
