//! Screening the requests a loopback redirect listener (RFC 8252 section 7.3) receives: only
//! the one request that carries the `state` of the pending authorization request is the
//! callback; everything else (another path, another method, an unreadable query, a missing or
//! different `state`, `error=` included) is a stray request to answer and ignore, so no web
//! page can end a login with `<img src="http://127.0.0.1:8765/callback">` (RFC 6749 section
//! 10.12, RFC 9700 section 4.7).

use std::fmt;

use oauth2::CsrfToken;

use crate::callback::CallbackQuery;
use crate::error::AuthError;

/// Longest request target (path and query) screened, in bytes; longer ones are stray.
pub const MAX_CALLBACK_TARGET_BYTES: usize = crate::callback::MAX_CALLBACK_QUERY_BYTES + 1024;

/// What a loopback listener should do with one request.
#[derive(Debug)]
pub enum ScreenedRequest {
    /// The callback of the pending authorization request (its `state` matched): exchange it
    /// (or report its `error=`). It is the only request to act on.
    Callback(CallbackQuery),
    /// Not the callback: answer with [`StrayRequest::status`] and a page that says
    /// [`StrayRequest`]'s `Display`, and keep waiting.
    Stray(StrayRequest),
}

/// Why a request to the loopback listener is not the callback. `Display` is a sentence for the
/// browser page and the debug log; it never shows a query value.
#[non_exhaustive]
#[derive(Debug)]
pub enum StrayRequest {
    /// The path is not the callback URL's path (e.g. `/favicon.ico`).
    OtherPath,
    /// The method is not `GET`.
    NotGet,
    /// The request target is longer than [`MAX_CALLBACK_TARGET_BYTES`].
    TooLong,
    /// The query cannot be read (a repeated parameter, an over-long value, ...).
    Unreadable(AuthError),
    /// No `state` parameter: not the answer to this login's authorization request.
    MissingState,
    /// Another `state`: the answer to some other authorization request, or forged.
    WrongState,
}

impl StrayRequest {
    /// The HTTP status to answer with: 404, 405 or 400.
    pub fn status(&self) -> u16 {
        match self {
            StrayRequest::OtherPath => 404,
            StrayRequest::NotGet => 405,
            _ => 400,
        }
    }
}

impl fmt::Display for StrayRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StrayRequest::OtherPath => f.write_str("this path is not the login callback"),
            StrayRequest::NotGet => f.write_str("the login callback only accepts GET"),
            StrayRequest::TooLong => f.write_str("the request is too long to be the callback"),
            StrayRequest::Unreadable(error) => write!(f, "the request is not a callback: {error}"),
            StrayRequest::MissingState => {
                f.write_str("the request has no `state`, so it is not the answer to this login")
            }
            StrayRequest::WrongState => f.write_str(
                "the request's `state` is not this login's, so it is not the answer to it",
            ),
        }
    }
}

/// Screens one request to a loopback listener: `method`, the request `target` (origin form,
/// `/path?query`), the callback URL's path, and the `state` of the pending authorization
/// request. Pure and total: any input gives an answer, none panics.
///
/// ```
/// use bluebutton_auth::{CsrfToken, ScreenedRequest, screen_callback_request};
///
/// let state = CsrfToken::new("s1234567890".to_owned());
/// let stray = screen_callback_request("GET", "/callback?error=access_denied", "/callback", &state);
/// assert!(matches!(stray, ScreenedRequest::Stray(_)));
/// let real = screen_callback_request("GET", "/callback?code=c&state=s1234567890", "/callback", &state);
/// assert!(matches!(real, ScreenedRequest::Callback(_)));
/// ```
pub fn screen_callback_request(
    method: &str,
    target: &str,
    callback_path: &str,
    expected_state: &CsrfToken,
) -> ScreenedRequest {
    let stray = ScreenedRequest::Stray;
    if target.len() > MAX_CALLBACK_TARGET_BYTES {
        return stray(StrayRequest::TooLong);
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path != callback_path {
        return stray(StrayRequest::OtherPath);
    }
    if method != "GET" {
        return stray(StrayRequest::NotGet);
    }
    let parsed = match CallbackQuery::parse(query) {
        Ok(parsed) => parsed,
        Err(error) => return stray(StrayRequest::Unreadable(error)),
    };
    match parsed.check_state(expected_state) {
        Ok(()) => ScreenedRequest::Callback(parsed),
        Err(AuthError::MissingState) => stray(StrayRequest::MissingState),
        Err(_) => stray(StrayRequest::WrongState),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATE: &str = "s1234567890123456";

    fn screen(method: &str, target: &str) -> ScreenedRequest {
        screen_callback_request(
            method,
            target,
            "/callback",
            &CsrfToken::new(STATE.to_owned()),
        )
    }

    fn stray(method: &str, target: &str) -> StrayRequest {
        match screen(method, target) {
            ScreenedRequest::Stray(why) => why,
            ScreenedRequest::Callback(_) => panic!("{method} {target} was taken as the callback"),
        }
    }

    #[test]
    fn only_the_request_with_this_state_is_the_callback() {
        let ScreenedRequest::Callback(query) =
            screen("GET", &format!("/callback?code=c&state={STATE}"))
        else {
            panic!("the real callback is the callback");
        };
        assert_eq!(query.code().unwrap().secret(), "c");
        // An error callback with the right state is the callback too (a real denial).
        assert!(matches!(
            screen(
                "GET",
                &format!("/callback?error=access_denied&state={STATE}")
            ),
            ScreenedRequest::Callback(_)
        ));
    }

    #[test]
    fn everything_else_is_stray_with_its_reason() {
        assert!(matches!(
            stray("GET", "/callback"),
            StrayRequest::MissingState
        ));
        assert!(matches!(
            stray("GET", "/callback?error=access_denied"),
            StrayRequest::MissingState
        ));
        assert!(matches!(
            stray("GET", "/callback?code=c&state=other"),
            StrayRequest::WrongState
        ));
        assert!(matches!(
            stray("GET", &format!("/callback?code=c&state={STATE}x")),
            StrayRequest::WrongState
        ));
        assert!(matches!(
            stray("GET", "/callback?state=a&state=b"),
            StrayRequest::Unreadable(AuthError::DuplicateParameter { .. })
        ));
        assert!(matches!(
            stray("GET", "/favicon.ico"),
            StrayRequest::OtherPath
        ));
        assert!(matches!(
            stray("GET", "/callback/"),
            StrayRequest::OtherPath
        ));
        assert!(matches!(
            stray("POST", &format!("/callback?code=c&state={STATE}")),
            StrayRequest::NotGet
        ));
        let long = format!("/callback?x={}", "a".repeat(MAX_CALLBACK_TARGET_BYTES));
        assert!(matches!(stray("GET", &long), StrayRequest::TooLong));
        let reasons: Vec<String> = [
            stray("GET", "/x"),
            stray("PUT", "/callback"),
            stray("GET", &long),
            stray("GET", "/callback?code=a&code=b"),
            stray("GET", "/callback?code=SECRET"),
            stray("GET", "/callback?code=SECRET&state=WRONG"),
        ]
        .iter()
        .map(|r| format!("{} {r}", r.status()))
        .collect();
        let shown = reasons.join("\n");
        assert!(!shown.contains("SECRET") && !shown.contains("WRONG"));
        insta::assert_snapshot!(shown);
    }
}
