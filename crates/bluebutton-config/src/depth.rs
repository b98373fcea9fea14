//! A cheap, linear pre-scan of a config file's nesting depth, run before any parser sees the
//! text: deeply nested YAML costs the parser quadratic time (depth 100,000 in a 200 KB file
//! does not finish), so a document nested deeper than [`MAX_CONFIG_DEPTH`] is refused first.

/// The deepest nesting a config file may have (a real one needs 3: `retry_settings` holds a
/// list).
pub const MAX_CONFIG_DEPTH: usize = 64;

/// Where a document first nests deeper than the limit: its 1-based line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TooDeep {
    pub(crate) line: usize,
}

/// Checks a JSON document: `[` and `{` outside strings open a level. Exact for valid JSON.
pub(crate) fn check_json(text: &str, limit: usize) -> Result<(), TooDeep> {
    let mut depth = 0usize;
    let mut line = 1;
    let mut in_string = false;
    let mut escaped = false;
    for byte in text.bytes() {
        if byte == b'\n' {
            line += 1;
        }
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return Err(TooDeep { line });
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Checks a YAML document with an upper bound of its nesting: per line, the number of
/// enclosing block indentation levels, plus compact block entries on the line (`- - - x`,
/// `? `), plus one for a mapping key, plus the open flow collections (`[`, `{` at the start of
/// a token, outside quotes and comments). Block scalar text (`|`, `>`) and comments are
/// skipped. It may count a level too many, never one too few for what the parser nests.
pub(crate) fn check_yaml(text: &str, limit: usize) -> Result<(), TooDeep> {
    let mut scan = YamlScan::default();
    for (index, raw_line) in text.split('\n').enumerate() {
        let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
        if scan.line(line) > limit {
            return Err(TooDeep { line: index + 1 });
        }
    }
    Ok(())
}

/// A block node open at a column.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Block {
    Sequence,
    Mapping,
}

#[derive(Default)]
struct YamlScan {
    /// The enclosing block nodes and their columns, outermost first.
    open: Vec<(usize, Block)>,
    /// Open flow collections (`[`, `{`), across lines.
    flow: usize,
    /// Inside a quoted scalar that spans lines: its quote.
    quote: Option<char>,
    /// Inside a block scalar: the indentation of the line that started it.
    block_scalar: Option<usize>,
}

impl YamlScan {
    /// Scans one line; returns the deepest nesting seen on it.
    fn line(&mut self, line: &str) -> usize {
        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
        let content = &line[indent..];
        if let Some(parent) = self.block_scalar {
            if content.is_empty() || indent > parent {
                return 0;
            }
            self.block_scalar = None;
        }
        let mut rest = content;
        if self.flow == 0 && self.quote.is_none() {
            if content.is_empty() || content.starts_with('#') {
                return 0;
            }
            if content.starts_with("---") || content.starts_with("...") {
                self.open.clear();
                return 0;
            }
            let entry = strip_indicator(content).is_some();
            // A block sequence may sit at its parent key's column (`key:` then `- item`).
            while let Some(&(column, kind)) = self.open.last() {
                let nested_sequence = column == indent && entry && kind == Block::Mapping;
                if column < indent || nested_sequence {
                    break;
                }
                self.open.pop();
            }
            // Compact block entries (`- - - x`, `? key`) each open a sequence.
            let mut column = indent;
            while let Some(after) = strip_indicator(rest) {
                self.open.push((column, Block::Sequence));
                column += rest.len() - after.len();
                rest = after;
            }
            if has_mapping_key(rest) {
                self.open.push((column, Block::Mapping));
            }
            if starts_block_scalar(rest) {
                self.block_scalar = Some(indent);
                return self.open.len();
            }
        }
        self.open.len() + self.scan_flow(rest)
    }

    /// Follows quotes, comments and flow brackets through `text`; returns the deepest flow
    /// nesting reached.
    fn scan_flow(&mut self, text: &str) -> usize {
        let mut deepest = self.flow;
        // A plain scalar has begun in block context.
        let mut in_plain = false;
        let mut previous: Option<char> = None;
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match self.quote {
                Some('"') => match c {
                    '\\' => {
                        chars.next();
                    }
                    '"' => self.quote = None,
                    _ => {}
                },
                Some(_) => {
                    if c == '\'' {
                        if chars.peek() == Some(&'\'') {
                            chars.next();
                        } else {
                            self.quote = None;
                        }
                    }
                }
                None if self.flow == 0 && in_plain => {
                    // Inside a block-context plain scalar (`a {`, `it's`), brackets and quotes
                    // are text; only a comment ends it.
                    if c == '#' && previous.is_none_or(char::is_whitespace) {
                        break;
                    }
                    // `key: value`: the key's scalar ends, a value begins.
                    if c == ':' && chars.peek().is_none_or(|n| n.is_whitespace()) {
                        in_plain = false;
                    }
                }
                None => {
                    if self.flow == 0
                        && !c.is_whitespace()
                        && !matches!(c, '[' | '{' | '"' | '\'' | '#')
                    {
                        in_plain = true;
                    }
                    // In block context a token starts after white space; in flow context also
                    // after an indicator.
                    let token_start = previous.is_none_or(|p| {
                        p.is_whitespace() || (self.flow > 0 && matches!(p, '[' | '{' | ',' | ':'))
                    });
                    match c {
                        '#' if previous.is_none_or(char::is_whitespace) => break,
                        '"' | '\'' if token_start => self.quote = Some(c),
                        '[' | '{' if token_start || self.flow > 0 => {
                            self.flow += 1;
                            deepest = deepest.max(self.flow);
                        }
                        ']' | '}' if self.flow > 0 => self.flow -= 1,
                        _ => {}
                    }
                }
            }
            previous = Some(c);
        }
        deepest
    }
}

/// `text` after a leading block indicator (`- ` or `? `, or one alone), if it has one.
fn strip_indicator(text: &str) -> Option<&str> {
    let rest = text.strip_prefix('-').or_else(|| text.strip_prefix('?'))?;
    if rest.is_empty() {
        return Some(rest);
    }
    rest.starts_with([' ', '\t'])
        .then(|| rest.trim_start_matches([' ', '\t']))
}

/// Whether a line's content holds a block mapping key (`key:` then a space or the end).
fn has_mapping_key(text: &str) -> bool {
    let text = text.split(" #").next().unwrap_or(text);
    text.ends_with(':') || text.contains(": ") || text.contains(":\t")
}

/// Whether the line's value starts a block scalar (`key: |`, `- >-`, `|2`).
fn starts_block_scalar(text: &str) -> bool {
    let text = text.split(" #").next().unwrap_or(text).trim_end();
    let value = match text.rfind(": ") {
        Some(at) => text[at + 1..].trim_start(),
        None => text,
    };
    let mut chars = value.chars();
    matches!(chars.next(), Some('|' | '>'))
        && chars.all(|c| matches!(c, '-' | '+') || c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml_depth_ok(text: &str, limit: usize) -> bool {
        check_yaml(text, limit).is_ok()
    }

    #[test]
    fn json_depth_is_exact_and_strings_do_not_count() {
        let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(check_json(&nested(64), 64).is_ok());
        assert_eq!(check_json(&nested(65), 64), Err(TooDeep { line: 1 }));
        assert!(check_json(r#"{"a": "[[[[[[[[[[\"[[[[[["}"#, 2).is_ok());
        assert_eq!(
            check_json("{\n\"a\": {\n\"b\": [\n]}}", 2),
            Err(TooDeep { line: 3 })
        );
    }

    #[test]
    fn real_configs_are_shallow() {
        let config = "client_id: x\nclient_secret: 'it''s [a] secret'\n\
            callback_url: http://localhost/cb # a comment with [ and {\nretry_settings:\n  \
            total: 3\n  status_forcelist: [500, 502]\n  notes: |\n    text [[[[[[\n        \
            more {{{{\nversion: 2\n";
        assert!(yaml_depth_ok(config, 4), "{config}");
    }

    #[test]
    fn a_plain_scalar_with_a_bracket_does_not_hide_deeper_nesting() {
        let text = format!("client_id: a {{\nextra:\n{}x\n", "- ".repeat(70));
        assert!(!yaml_depth_ok(&text, 64));
        assert!(yaml_depth_ok("client_id: a { b [ c\nother: 'x'\n", 64));
    }

    #[test]
    fn every_way_to_nest_yaml_deeply_is_caught() {
        let flow = format!("a: {}{}", "[".repeat(70), "]".repeat(70));
        assert!(!yaml_depth_ok(&flow, 64));
        let compact = format!("{}x", "- ".repeat(70));
        assert!(!yaml_depth_ok(&compact, 64));
        let block: String = (0..70)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect();
        assert!(!yaml_depth_ok(&block, 64));
        let mixed: String = (0..35)
            .map(|i| format!("{}- k:\n", " ".repeat(i * 2)))
            .collect();
        assert!(!yaml_depth_ok(&mixed, 64));
        // Brackets in a plain scalar do not open flow collections, quotes inside words do not
        // hide the brackets that follow.
        assert!(yaml_depth_ok(&format!("a: x{}", "[".repeat(70)), 64));
        let hidden = format!("a: it's\nb: {}", "[".repeat(70));
        assert!(!yaml_depth_ok(&hidden, 64));
        let multi = format!("a: {}\n{}", "[".repeat(40), "[".repeat(40));
        assert!(!yaml_depth_ok(&multi, 64));
    }
}
