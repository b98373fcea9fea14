//! NDJSON: one JSON document per line, written from the exact bytes received.

use std::io::{self, Write};

/// Writes `json` (one JSON value's exact text) on one line: as is when it has no line break
/// (the usual case: servers send compact JSON), else with the whitespace between tokens removed
/// (strings are untouched).
pub(crate) fn write_line(out: &mut impl Write, json: &str) -> io::Result<()> {
    let text = json.as_bytes();
    if text.contains(&b'\n') || text.contains(&b'\r') {
        out.write_all(&minify(text))?;
    } else {
        out.write_all(text)?;
    }
    out.write_all(b"\n")
}

/// Removes the whitespace outside strings of valid JSON text.
pub(crate) fn minify(json: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(json.len());
    let mut in_string = false;
    let mut escaped = false;
    for &byte in json {
        if in_string {
            out.push(byte);
            if escaped {
                escaped = false;
            } else if byte == b'\\' {
                escaped = true;
            } else if byte == b'"' {
                in_string = false;
            }
        } else if byte == b'"' {
            in_string = true;
            out.push(byte);
        } else if !matches!(byte, b' ' | b'\t' | b'\n' | b'\r') {
            out.push(byte);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_json_is_written_verbatim() {
        let mut out = Vec::new();
        write_line(&mut out, r#"{"a": 10.50, "b":"x y"}"#).unwrap();
        assert_eq!(out, b"{\"a\": 10.50, \"b\":\"x y\"}\n");
    }

    #[test]
    fn pretty_json_becomes_one_line_keeping_strings_and_numbers() {
        let mut out = Vec::new();
        let pretty =
            "{\n  \"a\" : 10.50,\n  \"b\" : \"x \\\" \\\\ y\",\n  \"c\" : [ 1e2, true ]\n}";
        write_line(&mut out, pretty).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"a\":10.50,\"b\":\"x \\\" \\\\ y\",\"c\":[1e2,true]}\n"
        );
    }
}
