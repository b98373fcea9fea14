//! Building tokens in the stored (`get_dict()`) format, e.g. one that has already expired.

use bluebutton_auth::AuthorizationToken;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A copy of `token` whose `expires_at` is `at` (through the stored JSON format, the way a
/// token saved earlier comes back from a store).
///
/// # Panics
/// If the token cannot round-trip through its own serde format (a bug in the auth crate).
pub fn with_expires_at(token: &AuthorizationToken, at: OffsetDateTime) -> AuthorizationToken {
    let mut json = serde_json::to_value(token).expect("a token serializes");
    json["expires_at"] = serde_json::Value::String(rfc3339(at));
    serde_json::from_value(json).expect("a token with another expiry deserializes")
}

/// A stored token with these values, expiring at `expires_at`.
///
/// # Panics
/// If the auth crate refuses a well-formed stored token.
pub fn stored(
    access: &str,
    refresh: &str,
    patient: &str,
    scope: &str,
    expires_at: OffsetDateTime,
) -> AuthorizationToken {
    serde_json::from_value(serde_json::json!({
        "access_token": access,
        "refresh_token": refresh,
        "expires_in": 3600,
        "expires_at": rfc3339(expires_at),
        "token_type": "Bearer",
        "scope": scope,
        "patient": patient,
    }))
    .expect("a valid stored token")
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.replace_nanosecond(0)
        .unwrap_or(at)
        .format(&Rfc3339)
        .expect("a date-time formats as RFC 3339")
}
