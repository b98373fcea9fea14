//! The one sanitiser of server text: what a server (or a browser redirect) sends is cleaned
//! here before it becomes part of an error message or a log line, so it cannot drive the
//! terminal (ANSI/OSC escape sequences, C1 CSI), forge log lines (CR, LF) or flood the output.

/// Longest server text kept in an error or log line, in characters (longer text is cut and
/// ends with `…`).
pub const MAX_SERVER_TEXT_CHARS: usize = 300;

/// `text` made safe to print: every C0 and C1 control character (U+0000 to U+001F, U+007F to
/// U+009F) except tab is removed, line breaks (CR, LF, VT, FF, NEL, U+2028, U+2029) become a
/// space, bidirectional overrides and isolates (U+202A to U+202E, U+2066 to U+2069) are
/// removed, and the result is cut to `max_chars` characters (ending with `…` when cut).
///
/// Every error and log line of the SDK that carries text from a server goes through this
/// function (directly or through [`crate::ErrorBody`]'s `Display`).
///
/// ```
/// use bluebutton_transport::sanitize_server_text;
///
/// assert_eq!(sanitize_server_text("bad\x1b[2J\r\nforged: ok", 300), "bad[2J  forged: ok");
/// assert_eq!(sanitize_server_text("abcdef", 3), "abc…");
/// ```
pub fn sanitize_server_text(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(
        text.len()
            .min(max_chars.saturating_mul(4).saturating_add(3)),
    );
    let mut count = 0;
    for c in text.chars() {
        let kept = match c {
            '\t' => '\t',
            '\n' | '\r' | '\u{0b}' | '\u{0c}' | '\u{85}' | '\u{2028}' | '\u{2029}' => ' ',
            c if c.is_control() || is_bidi_control(c) => continue,
            c => c,
        };
        if count == max_chars {
            out.push('…');
            return out;
        }
        out.push(kept);
        count += 1;
    }
    out
}

/// [`sanitize_server_text`] on an optional text, with the default cap
/// ([`MAX_SERVER_TEXT_CHARS`]).
pub fn sanitize_server_text_opt(text: Option<String>) -> Option<String> {
    text.map(|t| sanitize_server_text(&t, MAX_SERVER_TEXT_CHARS))
}

/// Whether any character of `text` would be removed or replaced by [`sanitize_server_text`]
/// (length aside).
pub fn has_unsafe_characters(text: &str) -> bool {
    text.chars()
        .any(|c| c != '\t' && (c.is_control() || is_bidi_control(c) || is_line_break(c)))
}

fn is_line_break(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}')
}

/// The Unicode bidirectional embedding, override and isolate controls ("Trojan Source").
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Sanitised (as [`sanitize_server_text`]), then whitespace runs collapsed to one space: the
/// one-line form used in error summaries.
pub(crate) fn one_line(text: &str, max_chars: usize) -> String {
    // Sanitising first never lengthens the text; collapsing afterwards can only shorten it.
    let clean = sanitize_server_text(text, usize::MAX);
    let mut out = String::with_capacity(
        clean
            .len()
            .min(max_chars.saturating_mul(4).saturating_add(3)),
    );
    let mut count = 0;
    for word in clean.split_whitespace() {
        if count > 0 {
            if count >= max_chars {
                out.push('…');
                return out;
            }
            out.push(' ');
            count += 1;
        }
        for c in word.chars() {
            if count >= max_chars {
                out.push('…');
                return out;
            }
            out.push(c);
            count += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every C0 and C1 control character, DEL included.
    fn all_controls() -> String {
        (0u32..0x20)
            .chain(0x7f..0xa0)
            .filter_map(char::from_u32)
            .collect()
    }

    #[test]
    fn removes_every_control_but_tab() {
        let payload = format!("a{}b", all_controls());
        let clean = sanitize_server_text(&payload, 1000);
        assert!(clean.starts_with('a') && clean.ends_with('b'));
        assert!(
            clean.chars().all(|c| !c.is_control() || c == '\t'),
            "{clean:?}"
        );
        assert!(clean.contains('\t'));
        assert!(!has_unsafe_characters(&clean));
        assert!(has_unsafe_characters(&payload));
    }

    #[test]
    fn terminal_sequences_and_forged_lines_lose_their_power() {
        let cases = [
            ("clear\x1b[2Jscreen", "clear[2Jscreen"),
            ("\x1b]0;pwned\x07title", "]0;pwnedtitle"),
            ("c1\u{9b}31mcsi", "c131mcsi"),
            ("ok\r\nWARN forged", "ok  WARN forged"),
            ("rtl\u{202e}txt", "rtltxt"),
            ("tab\tkept", "tab\tkept"),
        ];
        for (input, expected) in cases {
            assert_eq!(sanitize_server_text(input, 100), expected, "{input:?}");
        }
    }

    #[test]
    fn length_is_capped_on_characters() {
        assert_eq!(sanitize_server_text("ééééé", 2), "éé…");
        assert_eq!(sanitize_server_text("ab", 2), "ab");
        assert_eq!(
            sanitize_server_text(&"x".repeat(10_000), MAX_SERVER_TEXT_CHARS)
                .chars()
                .count(),
            MAX_SERVER_TEXT_CHARS + 1
        );
        assert_eq!(sanitize_server_text_opt(None), None);
    }

    #[test]
    fn one_line_collapses_whitespace() {
        assert_eq!(one_line("a\r\n\tb  c\x1b", 100), "a b c");
        assert_eq!(one_line("abc def", 5), "abc d…");
        assert_eq!(one_line("abc def", 3), "abc…");
    }
}
