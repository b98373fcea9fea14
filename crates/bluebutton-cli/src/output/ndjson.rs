//! NDJSON: one JSON document per line, written from the exact bytes received with only the
//! insignificant whitespace (between tokens) removed: nothing reordered, re-escaped or
//! re-formatted, so each line is the server's text of that resource.

use std::io::{self, Write};

/// Writes `json` (one JSON value's exact text) on one line, without the whitespace between
/// its tokens (strings are copied untouched).
pub(crate) fn write_line(out: &mut impl Write, json: &str) -> io::Result<()> {
    write_minified(out, json.as_bytes())?;
    out.write_all(b"\n")
}

/// Writes valid JSON text without the whitespace outside its strings. Strings, where nearly
/// all of a FHIR resource's bytes are, are found with `memchr` and copied in one piece.
fn write_minified(out: &mut impl Write, json: &[u8]) -> io::Result<()> {
    let mut rest = json;
    while !rest.is_empty() {
        // Outside a string: copy up to the next quote, skipping whitespace.
        let Some(quote) = memchr::memchr(b'"', rest) else {
            return write_tokens(out, rest);
        };
        write_tokens(out, &rest[..quote])?;
        // Inside the string: find its closing quote (one not escaped by a backslash).
        let mut end = quote + 1;
        loop {
            match memchr::memchr2(b'"', b'\\', &rest[end..]) {
                Some(at) if rest[end + at] == b'\\' => end += at + 2,
                Some(at) => {
                    end += at + 1;
                    break;
                }
                // Unterminated (not valid JSON): copy the rest as it is.
                None => return out.write_all(&rest[quote..]),
            }
            if end >= rest.len() {
                return out.write_all(&rest[quote..]);
            }
        }
        out.write_all(&rest[quote..end])?;
        rest = &rest[end..];
    }
    Ok(())
}

/// Writes the bytes between strings (punctuation, numbers, literals) without whitespace.
fn write_tokens(out: &mut impl Write, tokens: &[u8]) -> io::Result<()> {
    let mut start = 0;
    for (at, byte) in tokens.iter().enumerate() {
        if matches!(byte, b' ' | b'\t' | b'\n' | b'\r') {
            if start < at {
                out.write_all(&tokens[start..at])?;
            }
            start = at + 1;
        }
    }
    if start < tokens.len() {
        out.write_all(&tokens[start..])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(json: &str) -> String {
        let mut out = Vec::new();
        write_line(&mut out, json).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn compact_json_is_written_verbatim() {
        assert_eq!(line(r#"{"a":10.50,"b":"x y"}"#), "{\"a\":10.50,\"b\":\"x y\"}\n");
    }

    #[test]
    fn whitespace_between_tokens_goes_and_strings_numbers_and_order_stay() {
        // Spaces after separators (as Python's json.dumps writes) and pretty-printing.
        assert_eq!(
            line(r#"{"z": 10.50, "a": "x y", "e": [1e2, true, null]}"#),
            "{\"z\":10.50,\"a\":\"x y\",\"e\":[1e2,true,null]}\n"
        );
        let pretty =
            "{\n  \"a\" : 10.50,\n  \"b\" : \"x \\\" \\\\ y\",\n  \"c\" : [ 1e2, true ]\n}";
        assert_eq!(
            line(pretty),
            "{\"a\":10.50,\"b\":\"x \\\" \\\\ y\",\"c\":[1e2,true]}\n"
        );
    }

    #[test]
    fn escapes_at_the_end_of_strings_and_unicode_are_kept() {
        let json = "{ \"a\\\\\" : \"\\\\\" , \"\u{e9} \\u00e9\" :\t\"\\\"\" }";
        assert_eq!(line(json), "{\"a\\\\\":\"\\\\\",\"\u{e9} \\u00e9\":\"\\\"\"}\n");
        let parsed: serde_json::Value = serde_json::from_str(line(json).trim_end()).unwrap();
        assert_eq!(parsed, serde_json::from_str::<serde_json::Value>(json).unwrap());
    }
}
