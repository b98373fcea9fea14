//! Classifying OAuth endpoint replies: Blue Button's four error shapes, and which of them mean
//! "the beneficiary must authorize again".

use bluebutton_transport::Response;
use http::StatusCode;
use serde::Deserialize;

use crate::error::{AuthError, Endpoint, ReauthReason};
use bluebutton_transport::{Secrets, sanitize_server_text, sanitize_server_text_opt};

/// Every error shape the server uses (`{"error"}`, `{"status_code","error","error_description"}`,
/// `{"detail"}`, `{"status_code","message"}`), leniently.
#[derive(Deserialize, Default)]
struct ErrorShape {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
    #[serde(default)]
    detail: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// Turns a non-2xx reply into the right [`AuthError`].
///
/// On the refresh endpoint these all become [`AuthError::ReauthorizationRequired`]:
/// - `invalid_grant` with any status (400 reused or revoked refresh token, 401 "User access
///   has timed out", 403 "User access cannot be found");
/// - 403 `invalid_client` "not allowed to refresh tokens" (one-time apps);
/// - 400 `invalid_request` "Refresh token not found." (the server no longer knows the token);
/// - any 401/403 whose description asks the user to "re-authenticate".
///
/// A 5xx reply is always [`AuthError::UnexpectedStatus`]. The same "re-authenticate" 401/403
/// rule applies to the userinfo endpoint's `{"detail"}`.
///
/// Every secret the request carried (`secrets`) is replaced by `[redacted]` in the texts
/// taken from the reply, so a server echoing a token cannot leak it into the error.
pub(crate) fn classify_error(
    endpoint: Endpoint,
    response: &Response,
    secrets: &Secrets,
) -> AuthError {
    let status = response.status();
    if status.is_server_error() {
        // e.g. introspect's 500 `{"error": "Server Error (500)"}` for an unknown token: a
        // server failure, not an OAuth error.
        return AuthError::UnexpectedStatus {
            endpoint,
            status,
            excerpt: excerpt(response.body(), secrets),
        };
    }
    let parsed: ErrorShape = serde_json::from_slice(response.body()).unwrap_or_default();
    // Scrubbed of secrets, then sanitised: these texts reach errors and WARN log lines.
    let clean = |text: Option<String>| sanitize_server_text_opt(secrets.scrub_opt(text));
    let shape = ErrorShape {
        error: clean(parsed.error),
        error_description: clean(parsed.error_description),
        detail: clean(parsed.detail),
        message: clean(parsed.message),
    };
    let description = shape.error_description.clone();
    let text = description
        .as_deref()
        .or(shape.detail.as_deref())
        .or(shape.message.as_deref())
        .unwrap_or("");
    let asks_reauth = matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
        && text.contains("re-authenticate");
    if let Some(error) = shape.error {
        let reauth = endpoint == Endpoint::TokenRefresh
            && (error == "invalid_grant"
                || asks_reauth
                || (error == "invalid_client"
                    && status == StatusCode::FORBIDDEN
                    && text.contains("not allowed to refresh"))
                || (error == "invalid_request" && text.contains("Refresh token not found")));
        return if reauth {
            let reason = reauth_reason(status, &error, text);
            AuthError::ReauthorizationRequired {
                endpoint,
                status,
                error,
                description,
                reason,
            }
        } else {
            AuthError::OAuth {
                endpoint,
                status,
                error,
                description,
            }
        };
    }
    if asks_reauth {
        return AuthError::ReauthorizationRequired {
            endpoint,
            status,
            error: "access_grant_expired".to_owned(),
            reason: reauth_reason(status, "", text),
            description: Some(text.to_owned()),
        };
    }
    AuthError::UnexpectedStatus {
        endpoint,
        status,
        excerpt: excerpt(response.body(), secrets),
    }
}

/// The cause of a re-authorization reply, from its status, `error` and description.
fn reauth_reason(status: StatusCode, error: &str, text: &str) -> ReauthReason {
    if error == "invalid_client" && text.contains("not allowed to refresh") {
        ReauthReason::OneTimeAccess
    } else if text.contains("Refresh token not found") {
        ReauthReason::RefreshTokenUnknown
    } else if text.contains("timed out") {
        ReauthReason::GrantExpired
    } else if status == StatusCode::FORBIDDEN || text.contains("cannot be found") {
        ReauthReason::GrantRevoked
    } else {
        ReauthReason::RefreshTokenRefused
    }
}

/// The first 200 characters of a body, lossily decoded, secrets scrubbed (JSON escapes
/// decoded first, and before cutting, so no prefix of one survives), sanitised, whitespace
/// collapsed.
pub(crate) fn excerpt(body: &[u8], secrets: &Secrets) -> String {
    let text = secrets.scrub_body(&String::from_utf8_lossy(body));
    let text = sanitize_server_text(&text, usize::MAX);
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match collapsed.char_indices().nth(200) {
        Some((i, _)) => format!("{}...", &collapsed[..i]),
        None => collapsed,
    }
}
