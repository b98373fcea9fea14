//! Client authentication at the token, revoke and introspect endpoints: HTTP Basic or body fields.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use base64::Engine;

use super::body::field;
use crate::responses::{bb2_oauth_error, dot_error};
use crate::state::AppState;

/// Where the credentials came from (decides the error shape).
#[derive(Debug)]
enum Source {
    Basic(String, String),
    Body(String, Option<String>),
    None,
}

fn credentials(headers: &HeaderMap, fields: &[(String, String)]) -> Source {
    if let Some(basic) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Basic ")
                .or_else(|| v.strip_prefix("basic "))
        })
        && let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(basic.trim())
        && let Ok(text) = String::from_utf8(decoded)
        && let Some((id, secret)) = text.split_once(':')
    {
        let unescape = |s: &str| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        return Source::Basic(unescape(id), unescape(secret));
    }
    match field(fields, "client_id") {
        Some(id) => Source::Body(
            id.to_owned(),
            field(fields, "client_secret").map(str::to_owned),
        ),
        None => Source::None,
    }
}

/// Checks the client; `Err` is the real server's answer for the failure.
pub(crate) fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    fields: &[(String, String)],
) -> Result<(), Box<Response>> {
    let settings = &state.settings;
    let wrong_secret = || {
        let mut response = dot_error(StatusCode::UNAUTHORIZED, "invalid_client", None);
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"invalid_client\""),
        );
        response
    };
    let outcome = match credentials(headers, fields) {
        Source::Basic(id, _) if id != settings.client_id => Err(bb2_oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Application does not exist",
        )),
        Source::Basic(_, secret) if secret != settings.client_secret => Err(wrong_secret()),
        Source::Basic(..) => Ok(()),
        Source::Body(id, _) if id != settings.client_id => Err(bb2_oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            "Application does not exist (client_id)",
        )),
        Source::Body(_, secret) if secret.as_deref() != Some(settings.client_secret.as_str()) => {
            Err(wrong_secret())
        }
        Source::Body(..) => Ok(()),
        Source::None => Err(bb2_oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "App id failed",
        )),
    };
    outcome.map_err(Box::new)
}
