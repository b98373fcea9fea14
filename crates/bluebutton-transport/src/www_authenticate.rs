//! Parsing of the `WWW-Authenticate` challenge that comes with a 401 (RFC 6750 section 3).

use std::fmt;

/// The first challenge of a `WWW-Authenticate` header.
///
/// Blue Button sends `Bearer realm="api"` when no token was given, and
/// `Bearer realm="api",error="invalid_token",error_description="The access token has expired."`
/// when the token is expired, revoked or unknown.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WwwAuthenticate {
    /// The authentication scheme, as sent (e.g. `Bearer`).
    pub scheme: String,
    /// The `error` parameter (e.g. `invalid_token`, `insufficient_scope`).
    pub error: Option<String>,
    /// The `error_description` parameter.
    pub error_description: Option<String>,
    /// The `realm` parameter (e.g. `api`).
    pub realm: Option<String>,
}

impl WwwAuthenticate {
    /// Parses the first challenge of a header value; `None` when there is no scheme.
    ///
    /// ```
    /// use bluebutton_transport::WwwAuthenticate;
    /// let header = r#"Bearer realm="api",error="invalid_token",error_description="The access token has expired.""#;
    /// let challenge = WwwAuthenticate::parse(header).unwrap();
    /// assert!(challenge.is_invalid_token());
    /// assert_eq!(challenge.error_description.as_deref(), Some("The access token has expired."));
    /// ```
    pub fn parse(header: &str) -> Option<WwwAuthenticate> {
        let mut parser = Parser {
            rest: header.trim_start(),
        };
        let scheme = parser.token()?;
        let mut challenge = WwwAuthenticate {
            scheme: scheme.to_owned(),
            error: None,
            error_description: None,
            realm: None,
        };
        while let Some((name, value)) = parser.param() {
            let slot = match name.to_ascii_lowercase().as_str() {
                "error" => &mut challenge.error,
                "error_description" => &mut challenge.error_description,
                "realm" => &mut challenge.realm,
                _ => continue,
            };
            slot.get_or_insert(value);
        }
        Some(challenge)
    }

    /// True for an `invalid_token` challenge whose description says the token has expired
    /// (the server's "The access token has expired."), as opposed to revoked or unknown.
    pub fn says_expired(&self) -> bool {
        self.is_invalid_token()
            && self
                .error_description
                .as_deref()
                .is_some_and(|d| d.to_ascii_lowercase().contains("expired"))
    }

    /// True for a `Bearer` challenge with `error="invalid_token"`: the token is expired, revoked
    /// or unknown, so refreshing (or re-authorizing) may help, unlike a 403.
    pub fn is_invalid_token(&self) -> bool {
        self.scheme.eq_ignore_ascii_case("bearer") && self.error.as_deref() == Some("invalid_token")
    }
}

impl fmt::Display for WwwAuthenticate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Every part is server text: sanitised before it is shown.
        let clean = |text: &str| crate::sanitize_server_text(text, crate::MAX_SERVER_TEXT_CHARS);
        f.write_str(&clean(&self.scheme))?;
        match (&self.error, &self.error_description) {
            (Some(error), Some(description)) => {
                write!(f, " {} ({})", clean(error), clean(description))
            }
            (Some(error), None) => write!(f, " {}", clean(error)),
            (None, _) => Ok(()),
        }
    }
}

/// A cursor over `auth-param *( OWS "," OWS auth-param )`.
struct Parser<'a> {
    rest: &'a str,
}

impl<'a> Parser<'a> {
    fn token(&mut self) -> Option<&'a str> {
        let end = self
            .rest
            .find(|c: char| !is_token_char(c))
            .unwrap_or(self.rest.len());
        if end == 0 {
            return None;
        }
        let (token, rest) = self.rest.split_at(end);
        self.rest = rest;
        Some(token)
    }

    fn skip(&mut self, chars: &[char]) {
        self.rest = self.rest.trim_start_matches(|c: char| chars.contains(&c));
    }

    /// The next `name=value` parameter of this challenge, or `None` at the end of it.
    fn param(&mut self) -> Option<(&'a str, String)> {
        self.skip(&[' ', '\t', ',']);
        let saved = self.rest;
        let name = self.token()?;
        self.skip(&[' ', '\t']);
        let Some(rest) = self.rest.strip_prefix('=') else {
            // A bare token starts the next challenge.
            self.rest = saved;
            return None;
        };
        self.rest = rest.trim_start_matches([' ', '\t']);
        let value = if let Some(quoted) = self.rest.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = quoted.char_indices();
            let mut end = quoted.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, escaped)) = chars.next() {
                            value.push(escaped);
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    c => value.push(c),
                }
            }
            self.rest = &quoted[end..];
            value
        } else {
            self.token().unwrap_or_default().to_owned()
        };
        Some((name, value))
    }
}

/// `tchar` of RFC 9110, plus `/` for token68 values.
fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~/".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_blue_button_challenges() {
        let none = WwwAuthenticate::parse(r#"Bearer realm="api""#).unwrap();
        assert_eq!(none.scheme, "Bearer");
        assert_eq!(none.realm.as_deref(), Some("api"));
        assert_eq!(none.error, None);
        assert!(!none.is_invalid_token());

        let expired = WwwAuthenticate::parse(
            r#"Bearer realm="api",error="invalid_token",error_description="The access token has expired.""#,
        )
        .unwrap();
        assert!(expired.is_invalid_token());
        assert_eq!(
            expired.error_description.as_deref(),
            Some("The access token has expired.")
        );
        assert_eq!(
            expired.to_string(),
            "Bearer invalid_token (The access token has expired.)"
        );
    }

    #[test]
    fn handles_spacing_escapes_tokens_and_second_challenge() {
        let c = WwwAuthenticate::parse(
            r#"bearer  error = invalid_token , error_description="say \"hi\", ok", Basic realm="x""#,
        )
        .unwrap();
        assert!(c.is_invalid_token());
        assert_eq!(c.error_description.as_deref(), Some(r#"say "hi", ok"#));
        assert_eq!(c.realm, None);
        let basic = WwwAuthenticate::parse(r#"Basic realm="x""#).unwrap();
        assert!(!basic.is_invalid_token());
        assert_eq!(WwwAuthenticate::parse("   "), None);
        let unterminated = WwwAuthenticate::parse(r#"Bearer error="invalid_token"#).unwrap();
        assert_eq!(unterminated.error.as_deref(), Some("invalid_token"));
    }
}
