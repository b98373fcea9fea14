//! The secrets one request carried, and scrubbing them out of server replies before they become
//! error text (a server that echoes a credential must not leak it into messages or logs), even
//! when the echo is cut, re-cased or JSON-escaped.

use std::collections::HashSet;
use std::fmt;

use base64::Engine as _;
use zeroize::Zeroizing;

/// What replaces each secret.
pub const REDACTED: &str = "[redacted]";

/// The shortest run of a secret's characters that is scrubbed on its own: any
/// `MIN_SCRUBBED_RUN` or more consecutive characters of a secret (compared ignoring ASCII
/// case) are replaced, so an echo cut at either end still reveals at most
/// `MIN_SCRUBBED_RUN - 1` characters. Shorter secrets are scrubbed as exact copies.
pub const MIN_SCRUBBED_RUN: usize = 12;

/// The secrets one request carried (client secret, Basic credentials, tokens, code, verifier),
/// kept so that replies echoing them can be scrubbed. Values are wiped from memory on drop and
/// never shown by `Debug`.
///
/// The transport fills one per [`Request`](crate::Request) and scrubs every error body with it;
/// callers that parse raw replies themselves (the OAuth client) use it the same way:
///
/// ```
/// use bluebutton_transport::Secrets;
///
/// let mut secrets = Secrets::new();
/// secrets.push("refresh-token-1");
/// assert_eq!(secrets.scrub("unknown token refresh-token-1"), "unknown token [redacted]");
/// assert!(!format!("{secrets:?}").contains("refresh-token-1"));
/// ```
#[derive(Default)]
pub struct Secrets(Vec<Zeroizing<String>>);

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secrets({} redacted)", self.0.len())
    }
}

impl Secrets {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one secret, and its form-urlencoded form if that differs (a server echoing the
    /// raw request body); empty values are ignored (they would match everywhere).
    pub fn push(&mut self, secret: &str) {
        let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        for value in [secret, &encoded] {
            if !value.is_empty() && !self.0.iter().any(|s| s.as_str() == value) {
                self.0.push(Zeroizing::new(value.to_owned()));
            }
        }
    }

    /// Adds the password and the encoded `Authorization: Basic` credentials, encoded as
    /// RFC 6749 section 2.3.1 and the transport do (form-urlencoded, then base64).
    pub fn push_basic(&mut self, user: &str, password: &str) {
        let encode =
            |s: &str| -> String { url::form_urlencoded::byte_serialize(s.as_bytes()).collect() };
        self.push(password);
        let pair = Zeroizing::new(format!("{}:{}", encode(user), encode(password)));
        self.push(&Zeroizing::new(
            base64::engine::general_purpose::STANDARD.encode(pair.as_bytes()),
        ));
    }

    /// Adds every secret of `other`.
    pub fn absorb(&mut self, other: Secrets) {
        for secret in &other.0 {
            self.push(secret);
        }
    }

    /// Whether no secret was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Replaces every secret in `text` in place (no allocation when none occurs).
    pub fn scrub_in_place(&self, text: &mut String) {
        if self.occurs_in(text) {
            *text = self.scrub(text);
        }
    }

    /// Like [`Secrets::scrub_in_place`] for a raw server body: JSON escapes (`\u0041`, `\/`,
    /// ...) are decoded first, so a secret echoed escaped is found too. When a secret occurs
    /// only in the decoded form, `text` becomes the decoded text, scrubbed.
    pub fn scrub_body_in_place(&self, text: &mut String) {
        if self.is_empty() {
            return;
        }
        if text.contains('\\') {
            let decoded = decode_json_escapes(text);
            if self.occurs_in(&decoded) {
                *text = self.scrub(&decoded);
                return;
            }
        }
        self.scrub_in_place(text);
    }

    /// [`Secrets::scrub_body_in_place`] returning a new string.
    pub fn scrub_body(&self, text: &str) -> String {
        let mut out = text.to_owned();
        self.scrub_body_in_place(&mut out);
        out
    }

    /// Whether any secret, or a run of [`MIN_SCRUBBED_RUN`] or more of its characters, occurs
    /// in `text`.
    fn occurs_in(&self, text: &str) -> bool {
        if self.0.iter().any(|secret| text.contains(secret.as_str())) {
            return true;
        }
        let windows = self.windows();
        !windows.is_empty() && !covered(text, &windows).is_empty()
    }

    /// Every run of [`MIN_SCRUBBED_RUN`] characters of every secret that long, lower-cased.
    fn windows(&self) -> HashSet<Window> {
        let mut set = HashSet::new();
        for secret in &self.0 {
            let chars: Vec<char> = secret.chars().map(|c| c.to_ascii_lowercase()).collect();
            if chars.len() < MIN_SCRUBBED_RUN {
                continue;
            }
            for window in chars.windows(MIN_SCRUBBED_RUN) {
                set.insert(Window(Zeroizing::new(window.iter().collect::<String>())));
            }
        }
        set
    }

    /// Adds the credential part of an `Authorization` header value (`Basic x`, `Bearer x`).
    pub fn push_authorization(&mut self, value: &str) {
        let credential = value.split_once(' ').map_or(value, |(_, rest)| rest).trim();
        self.push(credential);
    }

    /// `text` with every occurrence of every secret replaced by `[redacted]`, longest
    /// secrets first (so a secret containing another is removed whole); then every remaining
    /// run of [`MIN_SCRUBBED_RUN`] or more characters of a secret (ignoring ASCII case: an
    /// echo cut at both ends or upper-cased) is replaced too.
    pub fn scrub(&self, text: &str) -> String {
        let mut secrets: Vec<&str> = self.0.iter().map(|s| s.as_str()).collect();
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        let mut out = text.to_owned();
        for secret in secrets {
            if out.contains(secret) {
                out = out.replace(secret, REDACTED);
            }
        }
        let windows = self.windows();
        if windows.is_empty() {
            return out;
        }
        let spans = covered(&out, &windows);
        if spans.is_empty() {
            return out;
        }
        let mut scrubbed = String::with_capacity(out.len());
        let mut last = 0;
        for (start, end) in spans {
            scrubbed.push_str(&out[last..start]);
            scrubbed.push_str(REDACTED);
            last = end;
        }
        scrubbed.push_str(&out[last..]);
        scrubbed
    }

    /// [`Secrets::scrub`] on an optional text.
    pub fn scrub_opt(&self, text: Option<String>) -> Option<String> {
        text.map(|t| self.scrub(&t))
    }
}

/// A run of a secret's characters, wiped from memory on drop.
#[derive(PartialEq, Eq)]
struct Window(Zeroizing<String>);

impl std::hash::Hash for Window {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.as_str().hash(state);
    }
}

/// The byte spans of `text` covered by a run of [`MIN_SCRUBBED_RUN`] characters found in
/// `windows` (lower-cased), overlapping runs merged, in order.
fn covered(text: &str, windows: &HashSet<Window>) -> Vec<(usize, usize)> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    if chars.len() < MIN_SCRUBBED_RUN {
        return spans;
    }
    let mut window = Window(Zeroizing::new(String::with_capacity(MIN_SCRUBBED_RUN * 4)));
    for start in 0..=chars.len() - MIN_SCRUBBED_RUN {
        window.0.clear();
        window.0.extend(
            chars[start..start + MIN_SCRUBBED_RUN]
                .iter()
                .map(|(_, c)| c.to_ascii_lowercase()),
        );
        if !windows.contains(&window) {
            continue;
        }
        let begin = chars[start].0;
        let end = chars
            .get(start + MIN_SCRUBBED_RUN)
            .map_or(text.len(), |(i, _)| *i);
        match spans.last_mut() {
            Some(last) if last.1 >= begin => last.1 = end,
            _ => spans.push((begin, end)),
        }
    }
    spans
}

/// `text` with the JSON string escapes decoded (`\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`,
/// `\t`, `\uXXXX` with surrogate pairs); anything else is kept as it is.
fn decode_json_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let (decoded, used) = decode_one(tail);
        match decoded {
            Some(c) => out.push(c),
            None => out.push_str(&tail[..used]),
        }
        rest = &tail[used..];
    }
    out.push_str(rest);
    out
}

/// Decodes the escape at the start of `tail` (which starts with a backslash): the character
/// and the bytes used, or `None` and the bytes to keep as they are.
fn decode_one(tail: &str) -> (Option<char>, usize) {
    let hex = |s: &str| -> Option<u32> {
        let digits = s.get(..4)?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(digits, 16).ok()
    };
    let Some(kind) = tail[1..].chars().next() else {
        return (None, 1);
    };
    let simple = match kind {
        '"' => Some('"'),
        '\\' => Some('\\'),
        '/' => Some('/'),
        'b' => Some('\u{8}'),
        'f' => Some('\u{c}'),
        'n' => Some('\n'),
        'r' => Some('\r'),
        't' => Some('\t'),
        _ => None,
    };
    if let Some(c) = simple {
        return (Some(c), 2);
    }
    if kind != 'u' {
        return (None, 1);
    }
    let Some(high) = hex(&tail[2..]) else {
        return (None, 1);
    };
    if (0xd800..0xdc00).contains(&high) {
        if let Some(low) = tail[6..].strip_prefix("\\u").and_then(hex)
            && (0xdc00..0xe000).contains(&low)
        {
            let code = 0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00);
            return (char::from_u32(code), 12);
        }
        return (None, 6);
    }
    match char::from_u32(high) {
        Some(c) => (Some(c), 6),
        None => (None, 6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_secret_is_replaced() {
        let mut secrets = Secrets::new();
        secrets.push("");
        secrets.push("tok");
        secrets.push("tok-longer");
        secrets.push_basic("id", "s e/c");
        let text = "a tok-longer b tok c s e/c d s+e%2Fc e aWQ6cytlJTJGYw==";
        assert_eq!(
            secrets.scrub(text),
            "a [redacted] b [redacted] c [redacted] d [redacted] e [redacted]"
        );
    }

    #[test]
    fn authorization_values_lose_their_scheme() {
        let mut secrets = Secrets::new();
        secrets.push_authorization("Bearer abc");
        assert_eq!(secrets.scrub("got abc"), "got [redacted]");
    }

    const TOKEN: &str = "AbCdEfGhIjKlMnOpQrStUvWxYz0123";

    fn token_secrets() -> Secrets {
        let mut secrets = Secrets::new();
        secrets.push(TOKEN);
        secrets
    }

    #[test]
    fn echoes_cut_at_both_ends_are_scrubbed() {
        let secrets = token_secrets();
        let cut = &TOKEN[3..27]; // 24 of its 30 characters
        let scrubbed = secrets.scrub(&format!("unknown token \"{cut}\" here"));
        assert_eq!(scrubbed, "unknown token \"[redacted]\" here");
        // A run of 12 is scrubbed, a run of 11 is not.
        assert_eq!(secrets.scrub(&TOKEN[5..17]), "[redacted]");
        assert_eq!(secrets.scrub(&TOKEN[5..16]), &TOKEN[5..16]);
        let mut text = format!("x{}y", &TOKEN[..20]);
        secrets.scrub_in_place(&mut text);
        assert_eq!(text, "x[redacted]y");
    }

    #[test]
    fn upper_cased_and_split_echoes_are_scrubbed() {
        let secrets = token_secrets();
        let upper = TOKEN.to_ascii_uppercase();
        assert_eq!(secrets.scrub(&format!("<{upper}>")), "<[redacted]>");
        let two = format!("{} and {}", &TOKEN[..14], &TOKEN[16..]);
        assert_eq!(secrets.scrub(&two), "[redacted] and [redacted]");
        assert_eq!(
            secrets.scrub("nothing here at all, ok"),
            "nothing here at all, ok"
        );
    }

    #[test]
    fn json_escaped_echoes_are_decoded_then_scrubbed() {
        let secrets = token_secrets();
        let escaped: String = TOKEN
            .chars()
            .map(|c| format!("\\u{:04x}", c as u32))
            .collect();
        let body = format!("{{\"error\":\"bad token {escaped}\"}}");
        let scrubbed = secrets.scrub_body(&body);
        assert!(!scrubbed.contains(&TOKEN[..12]), "{scrubbed}");
        assert!(scrubbed.contains("[redacted]"), "{scrubbed}");
        // One escaped character in the middle hides no part of it.
        let partly = format!(
            "{}\\u{:04x}{}",
            &TOKEN[..10],
            TOKEN.as_bytes()[10],
            &TOKEN[11..]
        );
        assert_eq!(secrets.scrub_body(&partly), "[redacted]");
        // Bodies without a secret are left exactly as they were, escapes included.
        assert_eq!(secrets.scrub_body("a \\u0041 \\q \\"), "a \\u0041 \\q \\");
    }

    #[test]
    fn json_escapes_decode_like_json() {
        assert_eq!(
            decode_json_escapes(r#"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00\ud800x\u12"#),
            "\"\\/\u{8}\u{c}\n\r\té\u{1f600}\\ud800x\\u12"
        );
    }
}
