//! The secrets one request carried, and scrubbing them out of server replies before they become
//! error text (a server that echoes a credential must not leak it into messages or logs).

use std::fmt;

use base64::Engine as _;
use zeroize::Zeroizing;

/// What replaces each secret.
pub const REDACTED: &str = "[redacted]";

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
        if self.0.iter().any(|secret| text.contains(secret.as_str())) {
            *text = self.scrub(text);
        }
    }

    /// Adds the credential part of an `Authorization` header value (`Basic x`, `Bearer x`).
    pub fn push_authorization(&mut self, value: &str) {
        let credential = value.split_once(' ').map_or(value, |(_, rest)| rest).trim();
        self.push(credential);
    }

    /// `text` with every occurrence of every secret replaced by `[redacted]`, longest
    /// secrets first (so a secret containing another is removed whole).
    pub fn scrub(&self, text: &str) -> String {
        let mut secrets: Vec<&str> = self.0.iter().map(|s| s.as_str()).collect();
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        let mut out = text.to_owned();
        for secret in secrets {
            if out.contains(secret) {
                out = out.replace(secret, REDACTED);
            }
        }
        out
    }

    /// [`Secrets::scrub`] on an optional text.
    pub fn scrub_opt(&self, text: Option<String>) -> Option<String> {
        text.map(|t| self.scrub(&t))
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
}
