//! Parsing and checking the redirect back to the app (`?code=..&state=..` or `?error=..`).

use std::fmt;
use std::str::FromStr;

use oauth2::{AuthorizationCode, CsrfToken};
use subtle::ConstantTimeEq;
use url::Url;

use bluebutton_transport::{MAX_SERVER_TEXT_CHARS, sanitize_server_text, sanitize_server_text_opt};

use crate::error::AuthError;

/// Longest accepted callback query string, in bytes.
pub const MAX_CALLBACK_QUERY_BYTES: usize = 8 * 1024;
/// Longest accepted decoded value of one callback parameter, in bytes.
pub const MAX_CALLBACK_VALUE_BYTES: usize = 2 * 1024;

/// The parameters of the callback request. Unknown parameters are ignored; a known one
/// given twice, a query over [`MAX_CALLBACK_QUERY_BYTES`] or a value over
/// [`MAX_CALLBACK_VALUE_BYTES`] is an error. `Debug` redacts `code` and `state`.
#[derive(Default)]
pub struct CallbackQuery {
    code: Option<AuthorizationCode>,
    state: Option<CsrfToken>,
    error: Option<String>,
    error_description: Option<String>,
    iss: Option<String>,
}

impl CallbackQuery {
    /// Parses a query string, with or without the leading `?`.
    pub fn parse(query: &str) -> Result<Self, AuthError> {
        let query = query.strip_prefix('?').unwrap_or(query);
        if query.len() > MAX_CALLBACK_QUERY_BYTES {
            return Err(AuthError::CallbackTooLarge {
                len: query.len(),
                limit: MAX_CALLBACK_QUERY_BYTES,
            });
        }
        let mut out = Self::default();
        for (name, value) in form_urlencoded_pairs(query) {
            if !matches!(
                name.as_str(),
                "code" | "state" | "error" | "error_description" | "iss"
            ) {
                continue;
            }
            if value.len() > MAX_CALLBACK_VALUE_BYTES {
                return Err(AuthError::CallbackParameterTooLong {
                    name,
                    len: value.len(),
                    limit: MAX_CALLBACK_VALUE_BYTES,
                });
            }
            let duplicate = match name.as_str() {
                "code" => out.code.replace(AuthorizationCode::new(value)).is_some(),
                "state" => out.state.replace(CsrfToken::new(value)).is_some(),
                "error" => out.error.replace(value).is_some(),
                "iss" => out.iss.replace(value).is_some(),
                _ => out.error_description.replace(value).is_some(),
            };
            if duplicate {
                return Err(AuthError::DuplicateParameter { name });
            }
        }
        Ok(out)
    }

    /// Parses the query of a full callback URL.
    pub fn from_url(url: &Url) -> Result<Self, AuthError> {
        Self::parse(url.query().unwrap_or(""))
    }

    /// The authorization code, if any (secret).
    pub fn code(&self) -> Option<&AuthorizationCode> {
        self.code.as_ref()
    }

    /// The returned state, if any (secret).
    pub fn state(&self) -> Option<&CsrfToken> {
        self.state.as_ref()
    }

    /// The `error` parameter, if any.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// The `error_description` parameter, if any.
    pub fn error_description(&self) -> Option<&str> {
        self.error_description.as_deref()
    }

    /// The RFC 9207 `iss` parameter (the issuer that sent this response), if any. Blue
    /// Button never sends one.
    pub fn iss(&self) -> Option<&str> {
        self.iss.as_deref()
    }

    /// Checks the callback against the expected state and returns the code.
    ///
    /// Without a known expected issuer, a callback that carries an RFC 9207 `iss` is
    /// refused ([`AuthError::IssuerMismatch`]): it cannot be matched, so it fails closed. Use
    /// [`verify_with_issuer`](Self::verify_with_issuer) (as
    /// [`crate::AuthClient::exchange_code`] does) to accept the right issuer. Otherwise as
    /// `verify_with_issuer`.
    pub fn verify(&self, expected_state: &CsrfToken) -> Result<&AuthorizationCode, AuthError> {
        self.check(expected_state, None)
    }

    /// Checks the callback against the expected state and issuer and returns the code.
    ///
    /// In order: the state first, for every callback, error callbacks included (RFC 6749
    /// section 10.12, RFC 9700 section 4.7): a missing state is [`AuthError::MissingState`], a
    /// different one (compared in constant time) [`AuthError::StateMismatch`], so a request
    /// that is not the answer to this authorization request can never end it, not even with
    /// `error=access_denied`. Then an `iss` parameter (RFC 9207 mix-up defence) that differs
    /// from `expected_issuer` is [`AuthError::IssuerMismatch`] (compared as strings, ignoring
    /// one trailing `/` on each side, so the configured base URL `https://host/` matches the
    /// server's issuer `https://host`); an absent `iss` is accepted (Blue Button never sends
    /// one). Then an `error` parameter becomes [`AuthError::AccessDenied`],
    /// [`AuthError::BeneficiaryNotFound`] or [`AuthError::AuthorizationFailed`] (so an error
    /// callback can never reach the token endpoint; its texts sanitised), then a missing code
    /// is an error.
    pub fn verify_with_issuer(
        &self,
        expected_state: &CsrfToken,
        expected_issuer: &Url,
    ) -> Result<&AuthorizationCode, AuthError> {
        self.check(expected_state, Some(expected_issuer))
    }

    /// Whether the callback's `state` is `expected_state` (compared in constant time), or
    /// why not ([`AuthError::MissingState`], [`AuthError::StateMismatch`]).
    pub fn check_state(&self, expected_state: &CsrfToken) -> Result<(), AuthError> {
        let state = self.state.as_ref().ok_or(AuthError::MissingState)?;
        let same: bool = state
            .secret()
            .as_bytes()
            .ct_eq(expected_state.secret().as_bytes())
            .into();
        if same {
            Ok(())
        } else {
            Err(AuthError::StateMismatch)
        }
    }

    fn check(
        &self,
        expected_state: &CsrfToken,
        expected_issuer: Option<&Url>,
    ) -> Result<&AuthorizationCode, AuthError> {
        self.check_state(expected_state)?;
        if let Some(found) = &self.iss {
            let trim = |s: &str| s.strip_suffix('/').unwrap_or(s).to_owned();
            let expected = expected_issuer.map(|url| trim(url.as_str()));
            if expected.as_deref() != Some(trim(found).as_str()) {
                return Err(AuthError::IssuerMismatch {
                    expected,
                    found: sanitize_server_text(found, MAX_SERVER_TEXT_CHARS),
                });
            }
        }
        if let Some(error) = &self.error {
            // Text from the browser's redirect: sanitised before it reaches any message.
            let description = sanitize_server_text_opt(self.error_description.clone());
            return Err(match error.as_str() {
                "access_denied" => AuthError::AccessDenied { description },
                "not_found" => AuthError::BeneficiaryNotFound { description },
                _ => AuthError::AuthorizationFailed {
                    error: sanitize_server_text(error, MAX_SERVER_TEXT_CHARS),
                    description,
                },
            });
        }
        match &self.code {
            Some(code) if !code.secret().is_empty() => Ok(code),
            _ => Err(AuthError::MissingCode),
        }
    }
}

impl FromStr for CallbackQuery {
    type Err = AuthError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Debug for CallbackQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |present: bool| if present { "[redacted]" } else { "None" };
        f.debug_struct("CallbackQuery")
            .field("code", &redacted(self.code.is_some()))
            .field("state", &redacted(self.state.is_some()))
            .field("error", &self.error)
            .field("error_description", &self.error_description)
            .field("iss", &self.iss)
            .finish()
    }
}

fn form_urlencoded_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    url::form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(s: &str) -> CsrfToken {
        CsrfToken::new(s.to_owned())
    }

    #[test]
    fn good_callback_yields_code() {
        let q = CallbackQuery::parse("?code=abc&state=s1234567890123456&x=1").unwrap();
        let code = q.verify(&state("s1234567890123456")).unwrap();
        assert_eq!(code.secret(), "abc");
    }

    #[test]
    fn errors_are_typed_once_the_state_matches() {
        let q = CallbackQuery::parse("error=access_denied&state=zzz").unwrap();
        assert!(matches!(
            q.verify(&state("zzz")),
            Err(AuthError::AccessDenied { description: None })
        ));
        let q = CallbackQuery::parse("error=not_found&state=s").unwrap();
        assert!(matches!(
            q.verify(&state("s")),
            Err(AuthError::BeneficiaryNotFound { .. })
        ));
        let q =
            CallbackQuery::parse("error=server_error&error_description=oops+now&state=s").unwrap();
        match q.verify(&state("s")) {
            Err(AuthError::AuthorizationFailed { error, description }) => {
                assert_eq!(error, "server_error");
                assert_eq!(description.as_deref(), Some("oops now"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_error_callback_without_the_right_state_is_not_believed() {
        // RFC 6749 section 10.12: the state is checked before `error` is read.
        let s = state("s1234567890123456");
        for (query, missing) in [
            ("error=access_denied", true),
            ("error=access_denied&state=other", false),
            ("error=not_found&error_description=x", true),
            ("error=server_error&state=", false),
        ] {
            let err = CallbackQuery::parse(query).unwrap().verify(&s).unwrap_err();
            if missing {
                assert!(matches!(err, AuthError::MissingState), "{query}: {err:?}");
            } else {
                assert!(matches!(err, AuthError::StateMismatch), "{query}: {err:?}");
            }
        }
    }

    #[test]
    fn error_texts_from_the_redirect_are_sanitised() {
        let q = CallbackQuery::parse(
            "error=x%1b%5b2J&error_description=a%1b%5d0%3Bt%07%0d%0aforged%c2%9b&state=s",
        )
        .unwrap();
        let shown = q.verify(&state("s")).unwrap_err().to_string();
        assert!(!shown.chars().any(char::is_control), "{shown:?}");
        assert!(shown.contains("forged"), "{shown}");
    }

    #[test]
    fn missing_and_mismatched() {
        let s = state("s1234567890123456");
        assert!(matches!(
            CallbackQuery::parse("code=a").unwrap().verify(&s),
            Err(AuthError::MissingState)
        ));
        assert!(matches!(
            CallbackQuery::parse("state=s1234567890123456")
                .unwrap()
                .verify(&s),
            Err(AuthError::MissingCode)
        ));
        assert!(matches!(
            CallbackQuery::parse("code=a&state=s1234567890123457")
                .unwrap()
                .verify(&s),
            Err(AuthError::StateMismatch)
        ));
        assert!(matches!(
            CallbackQuery::parse("code=a&state=s12345678901234567")
                .unwrap()
                .verify(&s),
            Err(AuthError::StateMismatch)
        ));
    }

    #[test]
    fn duplicates_and_sizes() {
        assert!(matches!(
            CallbackQuery::parse("code=a&code=b&state=x"),
            Err(AuthError::DuplicateParameter { name }) if name == "code"
        ));
        assert!(matches!(
            CallbackQuery::parse("state=a&state=a"),
            Err(AuthError::DuplicateParameter { name }) if name == "state"
        ));
        let long = format!("code={}", "a".repeat(MAX_CALLBACK_VALUE_BYTES + 1));
        assert!(matches!(
            CallbackQuery::parse(&long),
            Err(AuthError::CallbackParameterTooLong { .. })
        ));
        let huge = format!("junk={}", "a".repeat(MAX_CALLBACK_QUERY_BYTES));
        assert!(matches!(
            CallbackQuery::parse(&huge),
            Err(AuthError::CallbackTooLarge { .. })
        ));
    }

    #[test]
    fn iss_must_be_the_expected_issuer_when_present() {
        let s = state("s1234567890123456");
        let issuer = Url::parse("https://sandbox.bluebutton.cms.gov/").unwrap();
        let with = |iss: &str| {
            CallbackQuery::parse(&format!("code=a&state=s1234567890123456&iss={iss}")).unwrap()
        };
        // Absent: accepted (Blue Button never sends one).
        let absent = CallbackQuery::parse("code=a&state=s1234567890123456").unwrap();
        assert!(absent.verify_with_issuer(&s, &issuer).is_ok());
        assert!(absent.verify(&s).is_ok());
        // The server's issuer has no trailing slash; one trailing slash is ignored.
        for good in [
            "https%3A%2F%2Fsandbox.bluebutton.cms.gov",
            "https%3A%2F%2Fsandbox.bluebutton.cms.gov%2F",
        ] {
            let q = with(good);
            assert_eq!(q.iss().map(|i| i.starts_with("https://")), Some(true));
            assert_eq!(q.verify_with_issuer(&s, &issuer).unwrap().secret(), "a");
        }
        for bad in [
            "https%3A%2F%2Fevil.example",
            "https%3A%2F%2Fsandbox.bluebutton.cms.gov%2F%2F",
            "http%3A%2F%2Fsandbox.bluebutton.cms.gov",
            "",
        ] {
            match with(bad).verify_with_issuer(&s, &issuer) {
                Err(AuthError::IssuerMismatch { expected, .. }) => assert_eq!(
                    expected.as_deref(),
                    Some("https://sandbox.bluebutton.cms.gov")
                ),
                other => panic!("{bad}: {other:?}"),
            }
        }
        // Checked before `error`, and without a known issuer any `iss` fails closed.
        let err = CallbackQuery::parse(
            "error=access_denied&state=s1234567890123456&iss=https%3A%2F%2Fevil.example",
        )
        .unwrap()
        .verify_with_issuer(&s, &issuer)
        .unwrap_err();
        assert!(matches!(err, AuthError::IssuerMismatch { .. }));
        let err = with("https%3A%2F%2Fsandbox.bluebutton.cms.gov")
            .verify(&s)
            .unwrap_err();
        assert!(matches!(
            err,
            AuthError::IssuerMismatch { expected: None, .. }
        ));
        assert!(matches!(
            CallbackQuery::parse("iss=a&iss=a"),
            Err(AuthError::DuplicateParameter { name }) if name == "iss"
        ));
    }

    #[test]
    fn from_url_and_debug_redaction() {
        let url = Url::parse("https://app.example/cb?code=SECRETCODE&state=SECRETSTATE").unwrap();
        let q = CallbackQuery::from_url(&url).unwrap();
        let dbg = format!("{q:?}");
        assert!(!dbg.contains("SECRETCODE") && !dbg.contains("SECRETSTATE"));
    }
}
