//! Parsing and checking the redirect back to the app (`?code=..&state=..` or `?error=..`).

use std::fmt;
use std::str::FromStr;

use oauth2::{AuthorizationCode, CsrfToken};
use subtle::ConstantTimeEq;
use url::Url;

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
                "code" | "state" | "error" | "error_description"
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

    /// Checks the callback against the expected state and returns the code.
    ///
    /// In order: an `error` parameter becomes [`AuthError::AccessDenied`],
    /// [`AuthError::BeneficiaryNotFound`] or [`AuthError::AuthorizationFailed`] (so an error
    /// callback can never reach the token endpoint); then a missing state, a state that
    /// differs (compared in constant time) and a missing code are errors.
    pub fn verify(&self, expected_state: &CsrfToken) -> Result<&AuthorizationCode, AuthError> {
        if let Some(error) = &self.error {
            let description = self.error_description.clone();
            return Err(match error.as_str() {
                "access_denied" => AuthError::AccessDenied { description },
                "not_found" => AuthError::BeneficiaryNotFound { description },
                _ => AuthError::AuthorizationFailed {
                    error: error.clone(),
                    description,
                },
            });
        }
        let state = self.state.as_ref().ok_or(AuthError::MissingState)?;
        let same: bool = state
            .secret()
            .as_bytes()
            .ct_eq(expected_state.secret().as_bytes())
            .into();
        if !same {
            return Err(AuthError::StateMismatch);
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
    fn errors_are_typed_and_checked_first() {
        let q = CallbackQuery::parse("error=access_denied&state=zzz").unwrap();
        assert!(matches!(
            q.verify(&state("other")),
            Err(AuthError::AccessDenied { description: None })
        ));
        let q = CallbackQuery::parse("error=not_found").unwrap();
        assert!(matches!(
            q.verify(&state("s")),
            Err(AuthError::BeneficiaryNotFound { .. })
        ));
        let q = CallbackQuery::parse("error=server_error&error_description=oops+now").unwrap();
        match q.verify(&state("s")) {
            Err(AuthError::AuthorizationFailed { error, description }) => {
                assert_eq!(error, "server_error");
                assert_eq!(description.as_deref(), Some("oops now"));
            }
            other => panic!("{other:?}"),
        }
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
    fn from_url_and_debug_redaction() {
        let url = Url::parse("https://app.example/cb?code=SECRETCODE&state=SECRETSTATE").unwrap();
        let q = CallbackQuery::from_url(&url).unwrap();
        let dbg = format!("{q:?}");
        assert!(!dbg.contains("SECRETCODE") && !dbg.contains("SECRETSTATE"));
    }
}
