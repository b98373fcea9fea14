//! [`JsonLayout`]: the whitespace of the FHIR bodies the sandbox serves, so clients can be
//! tested against compact, Python-spaced and pretty-printed servers with the same data.

/// How FHIR response bodies are spaced. The tokens, their order and every string are the same
/// in each layout; only the insignificant whitespace between tokens differs.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum JsonLayout {
    /// No whitespace between tokens (what the real server sends; the default).
    #[default]
    Compact,
    /// `", "` and `": "` separators, as Python's `json.dumps` writes by default.
    Spaced,
    /// One member or item per line, indented by two spaces.
    Pretty,
}

impl JsonLayout {
    /// `compact` (valid JSON without whitespace between tokens) in this layout.
    pub(crate) fn apply(self, compact: String) -> String {
        match self {
            JsonLayout::Compact => compact,
            JsonLayout::Spaced | JsonLayout::Pretty => self.respace(&compact),
        }
    }

    fn respace(self, compact: &str) -> String {
        let pretty = self == JsonLayout::Pretty;
        let mut out = String::with_capacity(compact.len() * 2);
        let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
        let newline = |out: &mut String, depth: usize| {
            out.push('\n');
            out.extend(std::iter::repeat_n("  ", depth));
        };
        let mut chars = compact.chars().peekable();
        while let Some(c) = chars.next() {
            if in_string {
                out.push(c);
                match (escaped, c) {
                    (true, _) => escaped = false,
                    (false, '\\') => escaped = true,
                    (false, '"') => in_string = false,
                    _ => {}
                }
                continue;
            }
            match c {
                '"' => {
                    in_string = true;
                    out.push(c);
                }
                '{' | '[' => {
                    out.push(c);
                    depth += 1;
                    let empty = matches!(chars.peek(), Some('}' | ']'));
                    if pretty && !empty {
                        newline(&mut out, depth);
                    }
                }
                '}' | ']' => {
                    depth = depth.saturating_sub(1);
                    if pretty && !out.ends_with(['{', '[']) {
                        newline(&mut out, depth);
                    }
                    out.push(c);
                }
                ',' => {
                    out.push(',');
                    if pretty {
                        newline(&mut out, depth);
                    } else {
                        out.push(' ');
                    }
                }
                ':' => out.push_str(": "),
                _ => out.push(c),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMPACT: &str = r#"{"resourceType":"Bundle","entry":[{"resource":{"id":"a, b: {c}","x":[1.50,{}],"e":"\"q\\"}}],"link":[]}"#;

    #[test]
    fn every_layout_has_the_same_tokens_in_the_same_order() {
        assert_eq!(JsonLayout::Compact.apply(COMPACT.to_owned()), COMPACT);
        let spaced = JsonLayout::Spaced.apply(COMPACT.to_owned());
        assert_eq!(
            spaced,
            r#"{"resourceType": "Bundle", "entry": [{"resource": {"id": "a, b: {c}", "x": [1.50, {}], "e": "\"q\\"}}], "link": []}"#
        );
        let pretty = JsonLayout::Pretty.apply(COMPACT.to_owned());
        assert!(
            pretty.starts_with("{\n  \"resourceType\": \"Bundle\",\n  \"entry\": [\n    {\n"),
            "{pretty}"
        );
        for text in [&spaced, &pretty] {
            let value: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(
                value,
                serde_json::from_str::<serde_json::Value>(COMPACT).unwrap()
            );
            // Removing the whitespace outside strings gives the compact text back.
            let mut back = String::new();
            let (mut in_string, mut escaped) = (false, false);
            for c in text.chars() {
                if in_string {
                    back.push(c);
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        in_string = false;
                    }
                } else if !c.is_ascii_whitespace() {
                    in_string = c == '"';
                    back.push(c);
                }
            }
            assert_eq!(back, COMPACT);
        }
    }
}
