//! Bearer-token checks shared by FHIR routes and userinfo, with the real 401 variants.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

use super::store::Terms;
use crate::responses::detail;
use crate::state::{AppState, CounterCells, lock};

const NO_CREDENTIALS: &str = "Authentication credentials were not provided.";
const GRANT_TIMED_OUT: &str = "User access has timed out. To refresh Medicare data, end user must re-authenticate and consent to share their data.";

/// Who is calling, once the token checks out.
#[derive(Clone, Debug)]
pub(crate) struct Caller {
    pub(crate) token: String,
    pub(crate) patient: String,
    pub(crate) scopes: Vec<String>,
    /// The version and 42 CFR Part 2 choice of the authorization behind the token.
    pub(crate) terms: Terms,
}

/// Why a request is not authenticated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Rejection {
    Missing,
    Invalid,
    Expired,
    GrantTimedOut,
}

/// Checks the `Authorization: Bearer` header.
pub(crate) fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Caller, Rejection> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .filter(|t| !t.is_empty())
        .ok_or(Rejection::Missing)?;
    let now = state.clock.now();
    let store = lock(&state.store);
    let Some(access) = store.access.get(token) else {
        CounterCells::bump(&state.counters.invalid_token_requests);
        return Err(Rejection::Invalid);
    };
    if access.expires <= now {
        CounterCells::bump(&state.counters.expired_token_requests);
        return Err(Rejection::Expired);
    }
    match store.grants.get(&access.patient) {
        None => return Err(Rejection::Invalid),
        Some(grant) if grant.expires.is_some_and(|e| e <= now) => {
            return Err(Rejection::GrantTimedOut);
        }
        Some(_) => {}
    }
    Ok(Caller {
        token: token.to_owned(),
        patient: access.patient.clone(),
        scopes: access.scopes.clone(),
        terms: access.terms,
    })
}

/// The real 401 for a rejection.
pub(crate) fn unauthorized(rejection: Rejection, content_type: &str) -> Response {
    let (message, challenge) = match rejection {
        Rejection::Missing => (NO_CREDENTIALS, r#"Bearer realm="api""#),
        Rejection::Invalid => (
            NO_CREDENTIALS,
            r#"Bearer realm="api",error="invalid_token",error_description="The access token is invalid.""#,
        ),
        Rejection::Expired => (
            NO_CREDENTIALS,
            r#"Bearer realm="api",error="invalid_token",error_description="The access token has expired.""#,
        ),
        Rejection::GrantTimedOut => (GRANT_TIMED_OUT, r#"Bearer realm="api""#),
    };
    let mut response = detail(StatusCode::UNAUTHORIZED, content_type, message);
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    );
    response
}

/// The DRF 403.
pub(crate) fn forbidden(content_type: &str) -> Response {
    detail(
        StatusCode::FORBIDDEN,
        content_type,
        "You do not have permission to perform this action.",
    )
}
