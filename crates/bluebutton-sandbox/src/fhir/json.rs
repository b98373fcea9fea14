//! Serializes FHIR JSON with `resourceType`, `id` and `meta` first (as FHIR servers do), whatever
//! the key order of `serde_json::Map`.

use serde_json::Value;

/// Compact JSON text of `value`, FHIR key order first.
pub(crate) fn to_fhir_string(value: &Value) -> String {
    let mut out = String::with_capacity(4096);
    write(&mut out, value);
    out
}

const FIRST: [&str; 3] = ["resourceType", "id", "meta"];

fn write(out: &mut String, value: &Value) {
    match value {
        Value::Object(map) => {
            out.push('{');
            let mut first = true;
            let front = FIRST.iter().filter_map(|k| map.get_key_value(*k));
            let rest = map.iter().filter(|(k, _)| !FIRST.contains(&k.as_str()));
            for (key, item) in front.chain(rest) {
                if !first {
                    out.push(',');
                }
                first = false;
                write_str(out, key);
                out.push(':');
                write(out, item);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(out, item);
            }
            out.push(']');
        }
        Value::String(s) => write_str(out, s),
        other => out.push_str(&other.to_string()),
    }
}

fn write_str(out: &mut String, s: &str) {
    if !s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        out.push('"');
        out.push_str(s);
        out.push('"');
        return;
    }
    match serde_json::to_string(s) {
        Ok(quoted) => out.push_str(&quoted),
        Err(_) => out.push_str("\"\""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_type_comes_first_and_json_stays_equal() {
        let value = serde_json::json!({"a": [1, 2.5, "x\"y"], "id": "7", "resourceType": "Patient", "meta": {}});
        let text = to_fhir_string(&value);
        assert!(
            text.starts_with(r#"{"resourceType":"Patient","id":"7","meta":{}"#),
            "{text}"
        );
        let back: Value = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(back, value);
    }
}
