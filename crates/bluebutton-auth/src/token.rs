//! [`AuthorizationToken`]: a validated token set, its helpers, and its persistence format.
//!
//! The serde format is the official Python SDK's `AuthorizationToken.get_dict()`:
//! snake_case fields, `expires_at` as ISO 8601 with a `+00:00` offset and no fraction, and
//! `scope` as one space-separated string, so a token saved by either SDK loads in the other.
//! `access_grant_expiration`, `issuer` (which server, app and version issued the token) and
//! `refresh_status` (only when not `usable`) are added; the Python SDK ignores unknown keys.
//!
//! **Serialization writes the secrets in clear**: it is a storage format, not a log format.
//! `Debug` redacts them.

use std::fmt;
use std::time::Duration;

use oauth2::{AccessToken, RefreshToken};
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

use crate::error::TokenResponseProblem;
use crate::issuer::Issuer;
use crate::scope::{Scope, ScopeAccess, ScopeResource, ScopeSet, join_scopes, parse_scopes};

/// A validated token set from the token endpoint (or from storage).
#[derive(Clone)]
pub struct AuthorizationToken {
    access_token: AccessToken,
    refresh_token: Option<RefreshToken>,
    expires_in: Duration,
    expires_at: OffsetDateTime,
    scopes: ScopeSet,
    /// `scope` as the server wrote it (its order and any duplicates), written back unchanged.
    scope_text: String,
    patient: Option<String>,
    access_grant_expiration: Option<OffsetDateTime>,
    /// Boxed: most of a token's life is spent in `TokenUpdate`s and futures.
    issuer: Option<Box<Issuer>>,
    refresh_status: RefreshStatus,
}

/// What this SDK learned about a token's refresh token beyond the server's reply; stored with
/// the token so every process sharing the store knows it.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefreshStatus {
    /// Nothing is known against it.
    #[default]
    Usable,
    /// The last refresh got no answer or a server error (5xx). The server may have rotated the
    /// pair before failing (it saves the new pair and burns the old refresh token before its
    /// claims back-end call), so the next refresh may be refused; if it is, a new login is the
    /// only way back, and the error says why.
    Unconfirmed,
    /// The server refused to refresh because the app has one-time access: no refresh is tried
    /// again; the access token is used until it expires.
    OneTimeAccess,
}

impl AuthorizationToken {
    /// Parses and validates a token endpoint reply body received at `received_at`
    /// (`expires_at` = `received_at + expires_in`).
    pub fn from_response_json(
        body: &[u8],
        received_at: OffsetDateTime,
    ) -> Result<Self, TokenResponseProblem> {
        let raw: Raw = parse_json(body)?;
        raw.validate(received_at, false)
    }

    /// The access token (secret).
    pub fn access_token(&self) -> &AccessToken {
        &self.access_token
    }

    /// The refresh token, if one was issued (secret).
    pub fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }

    /// Always `"Bearer"`: other token types are rejected when parsing.
    pub fn token_type(&self) -> &'static str {
        "Bearer"
    }

    /// Lifetime the server gave (`expires_in`).
    pub fn expires_in(&self) -> Duration {
        self.expires_in
    }

    /// When the access token expires (UTC), computed when the reply was received.
    pub fn expires_at(&self) -> OffsetDateTime {
        self.expires_at
    }

    /// The granted scopes exactly as the server listed them (space-separated, in its order,
    /// duplicates kept): what is saved back.
    pub fn scope_text(&self) -> &str {
        &self.scope_text
    }

    /// Granted scopes. They may be fewer than those asked for: a beneficiary can withhold
    /// demographics.
    pub fn scopes(&self) -> &ScopeSet {
        &self.scopes
    }

    /// The beneficiary's FHIR `Patient` id.
    pub fn patient(&self) -> Option<&str> {
        self.patient.as_deref()
    }

    /// When the data-access grant ends; `None` when the server sent `""` (research apps,
    /// no expiry) or nothing.
    pub fn access_grant_expiration(&self) -> Option<OffsetDateTime> {
        self.access_grant_expiration
    }

    /// True when the access token has expired now.
    pub fn is_expired(&self) -> bool {
        self.expires_within(Duration::ZERO)
    }

    /// True when the access token expires within `skew` from now (or already has).
    pub fn expires_within(&self, skew: Duration) -> bool {
        OffsetDateTime::now_utc() + skew >= self.expires_at
    }

    /// The refresh margin actually used for this token: the configured `skew`, but never more
    /// than half the token's lifetime (`expires_in`), so a short-lived token is refreshed about
    /// once per half lifetime instead of before every request. A token whose lifetime is not
    /// known (stored without `expires_in`) uses `skew`.
    pub fn effective_skew(&self, skew: Duration) -> Duration {
        if self.expires_in.is_zero() {
            skew
        } else {
            skew.min(self.expires_in / 2)
        }
    }

    /// True when the token is due for a refresh: it expires within its
    /// [`effective_skew`](Self::effective_skew).
    pub fn refresh_due(&self, skew: Duration) -> bool {
        self.expires_within(self.effective_skew(skew))
    }

    /// The server, app and API version this token was issued for; `None` for a token saved
    /// before issuers were recorded (it takes the issuer of the first client that uses it
    /// successfully).
    pub fn issuer(&self) -> Option<&Issuer> {
        self.issuer.as_deref()
    }

    /// The same token, recorded as issued by `issuer`.
    pub fn with_issuer(mut self, issuer: Issuer) -> Self {
        self.issuer = Some(Box::new(issuer));
        self
    }

    /// What is known about the refresh token (see [`RefreshStatus`]).
    pub fn refresh_status(&self) -> RefreshStatus {
        self.refresh_status
    }

    pub(crate) fn with_refresh_status(mut self, status: RefreshStatus) -> Self {
        self.refresh_status = status;
        self
    }

    /// True when exactly this scope was granted.
    pub fn has_scope(&self, scope: &Scope) -> bool {
        self.scopes.contains(scope)
    }

    /// True when some `patient/<resource>.*` scope allows reading one resource by id.
    pub fn can_read(&self, resource: ScopeResource) -> bool {
        self.patient_accesses(resource)
            .any(ScopeAccess::allows_read)
    }

    /// True when some `patient/<resource>.*` scope allows searching.
    pub fn can_search(&self, resource: ScopeResource) -> bool {
        self.patient_accesses(resource)
            .any(ScopeAccess::allows_search)
    }

    /// False when the granted scopes show that `need` is not met, so a call needing it would
    /// be refused (403); true otherwise. A token without any scope information is given the
    /// benefit of the doubt (the server decides).
    pub fn grants(&self, need: crate::ScopeNeed) -> bool {
        if self.scopes.is_empty() {
            return true;
        }
        match need {
            crate::ScopeNeed::Demographics => self.can_search(ScopeResource::Patient),
            crate::ScopeNeed::Profile => self.has_scope(&Scope::Profile),
        }
    }

    /// True when the beneficiary shared demographics: a `patient/Patient` read or search
    /// scope, or `profile`.
    pub fn demographics_granted(&self) -> bool {
        self.has_scope(&Scope::Profile) || self.patient_accesses(ScopeResource::Patient).count() > 0
    }

    fn patient_accesses(&self, wanted: ScopeResource) -> impl Iterator<Item = ScopeAccess> + '_ {
        self.scopes.iter().filter_map(move |s| match s {
            Scope::Patient { resource, access } if *resource == wanted => Some(*access),
            _ => None,
        })
    }

    /// A copy whose refresh token is `refresh_token` when this one has none (the server
    /// always rotates, but keep the old one rather than lose it if a reply omits it).
    /// Also keeps the old token's issuer when the new one has none.
    pub(crate) fn keep_refresh_token_from(mut self, old: &AuthorizationToken) -> Self {
        if self.refresh_token.is_none() {
            self.refresh_token = old.refresh_token.clone();
        }
        if self.issuer.is_none() {
            self.issuer = old.issuer.clone();
        }
        self
    }

    /// Whether two tokens carry the same access token (constant-time).
    pub(crate) fn same_access_token(&self, other: &AccessToken) -> bool {
        use subtle::ConstantTimeEq;
        self.access_token
            .secret()
            .as_bytes()
            .ct_eq(other.secret().as_bytes())
            .into()
    }
}

impl fmt::Debug for AuthorizationToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizationToken")
            .field("access_token", &"[redacted]")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[redacted]"),
            )
            .field("token_type", &"Bearer")
            .field("expires_in", &self.expires_in)
            .field("expires_at", &self.expires_at)
            .field("scope", &join_scopes(&self.scopes))
            .field("patient", &self.patient)
            .field("access_grant_expiration", &self.access_grant_expiration)
            .field("issuer", &self.issuer)
            .field("refresh_status", &self.refresh_status)
            .finish()
    }
}

/// Both the token endpoint reply and the stored form, leniently typed so that validation
/// can report typed problems.
#[derive(Deserialize)]
struct Raw {
    access_token: Option<String>,
    #[serde(default)]
    expires_in: Option<ExpiresIn>,
    #[serde(default)]
    expires_at: Option<ExpiresAt>,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    scope: Option<ScopeField>,
    #[serde(default)]
    patient: Option<String>,
    #[serde(default)]
    access_grant_expiration: Option<String>,
    /// Read only from storage (a token endpoint reply's keys of these names are ignored, so a
    /// server cannot choose them), hence kept untyped here.
    #[serde(default)]
    issuer: Option<serde_json::Value>,
    #[serde(default)]
    refresh_status: Option<serde_json::Value>,
}

/// `expires_in`: whole seconds, or (in a stored token dict, which the Python SDK may have
/// written after doing arithmetic on it) a float.
#[derive(Deserialize)]
#[serde(untagged)]
enum ExpiresIn {
    Whole(i64),
    Float(f64),
}

impl ExpiresIn {
    /// Whole seconds (a fraction is dropped), or the problem with a negative or non-finite value.
    fn seconds(self) -> Result<Duration, TokenResponseProblem> {
        match self {
            ExpiresIn::Whole(secs) if secs < 0 => {
                Err(TokenResponseProblem::NegativeExpiresIn(secs))
            }
            ExpiresIn::Whole(secs) => Ok(Duration::from_secs(secs.unsigned_abs())),
            ExpiresIn::Float(secs) if secs < 0.0 => {
                Err(TokenResponseProblem::NegativeExpiresIn(secs.floor() as i64))
            }
            // JSON has no NaN or infinity; a value past `u64` seconds saturates, and then fails
            // the `expires_at` range check like any other out-of-range lifetime.
            ExpiresIn::Float(secs) => Ok(Duration::from_secs(secs.trunc() as u64)),
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ExpiresAt {
    /// ISO 8601 (Python SDK).
    Text(String),
    /// Epoch milliseconds (Node SDK); values under 10^11 are taken as seconds.
    Number(f64),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ScopeField {
    Text(String),
    List(Vec<String>),
}

impl Raw {
    fn validate(
        self,
        received_at: OffsetDateTime,
        stored: bool,
    ) -> Result<AuthorizationToken, TokenResponseProblem> {
        let access_token = self
            .access_token
            .filter(|t| !t.is_empty())
            .ok_or(TokenResponseProblem::MissingAccessToken)?;
        // RFC 6749 section 5.1 requires `token_type` in a server reply; a stored token dict
        // without it (the Python SDK may write one) is a Bearer token, the only type issued.
        let token_type = match (self.token_type, stored) {
            (Some(token_type), _) => token_type,
            (None, true) => "Bearer".to_owned(),
            (None, false) => String::new(),
        };
        if !token_type.eq_ignore_ascii_case("bearer") {
            return Err(TokenResponseProblem::UnsupportedTokenType(token_type));
        }
        let expires_at_stored = match (stored, self.expires_at) {
            (true, Some(at)) => Some(parse_expires_at(at)?),
            _ => None,
        };
        let expires_in = match self.expires_in {
            // A server sends whole seconds; a stored dict may hold a float.
            Some(ExpiresIn::Float(_)) if !stored => {
                return Err(TokenResponseProblem::Malformed {
                    path: "expires_in".into(),
                    message: "not a whole number of seconds".into(),
                });
            }
            Some(secs) => secs.seconds()?,
            None => match expires_at_stored {
                Some(_) => Duration::ZERO,
                None => return Err(TokenResponseProblem::MissingExpiresIn),
            },
        };
        let expires_at = match expires_at_stored {
            Some(at) => at,
            None => time::Duration::try_from(expires_in)
                .ok()
                .and_then(|d| received_at.checked_add(d))
                .ok_or(TokenResponseProblem::ExpiresInOutOfRange(
                    expires_in.as_secs(),
                ))?,
        };
        let scope_text = match self.scope {
            None => String::new(),
            Some(ScopeField::Text(s)) => s,
            Some(ScopeField::List(list)) => list.join(" "),
        };
        let scopes = parse_scopes(&scope_text);
        let access_grant_expiration = match self.access_grant_expiration {
            None => None,
            Some(s) if s.trim().is_empty() => None,
            Some(s) => Some(
                parse_grant_expiration(&s)
                    .ok_or(TokenResponseProblem::BadAccessGrantExpiration(s))?,
            ),
        };
        Ok(AuthorizationToken {
            access_token: AccessToken::new(access_token),
            refresh_token: self
                .refresh_token
                .filter(|t| !t.is_empty())
                .map(RefreshToken::new),
            expires_in,
            expires_at,
            scopes,
            scope_text,
            patient: self.patient,
            access_grant_expiration,
            // A token endpoint reply names no issuer: the client that received it records one.
            issuer: match (stored, self.issuer) {
                (true, Some(value)) => {
                    Some(Box::new(serde_json::from_value(value).map_err(|e| {
                        TokenResponseProblem::Malformed {
                            path: "issuer".into(),
                            message: redacted_json_message(&e),
                        }
                    })?))
                }
                _ => None,
            },
            refresh_status: match (stored, self.refresh_status) {
                (true, Some(value)) => {
                    serde_json::from_value(value).map_err(|e| TokenResponseProblem::Malformed {
                        path: "refresh_status".into(),
                        message: redacted_json_message(&e),
                    })?
                }
                _ => RefreshStatus::Usable,
            },
        })
    }
}

fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, TokenResponseProblem> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| TokenResponseProblem::Malformed {
        path: server_path(&e),
        message: redacted_json_message(e.inner()),
    })
}

/// The JSON path of a decoding error: it names the server's keys, so it is server text and
/// goes through the transport's sanitiser.
pub(crate) fn server_path<E>(e: &serde_path_to_error::Error<E>) -> String {
    bluebutton_transport::sanitize_server_text(
        &e.path().to_string(),
        bluebutton_transport::MAX_SERVER_TEXT_CHARS,
    )
}

/// serde_json messages can quote input (`invalid type: string "..."`); keep only the
/// category and position so no token leaks into an error.
pub(crate) fn redacted_json_message(e: &serde_json::Error) -> String {
    let kind = match e.classify() {
        serde_json::error::Category::Io => "I/O error",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "unexpected type or value",
        serde_json::error::Category::Eof => "unexpected end of input",
    };
    format!("{kind} at line {} column {}", e.line(), e.column())
}

fn parse_expires_at(at: ExpiresAt) -> Result<OffsetDateTime, TokenResponseProblem> {
    let bad = |s: String| TokenResponseProblem::Malformed {
        path: "expires_at".into(),
        message: format!(
            "{:?} is not an ISO 8601 date-time",
            bluebutton_transport::sanitize_server_text(&s, 64)
        ),
    };
    match at {
        ExpiresAt::Text(s) => parse_iso(&s).ok_or_else(|| bad(s)),
        ExpiresAt::Number(n) => {
            let secs = if n.abs() >= 1e11 { n / 1000.0 } else { n };
            OffsetDateTime::from_unix_timestamp(secs.trunc() as i64).map_err(|_| bad(n.to_string()))
        }
    }
}

/// ISO 8601 / RFC 3339, plus Python's `fromisoformat` forms: a space instead of `T`, no
/// offset (taken as UTC), and a date alone (midnight UTC).
fn parse_iso(s: &str) -> Option<OffsetDateTime> {
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t.to_offset(UtcOffset::UTC));
    }
    let with_t = s.replacen(' ', "T", 1);
    if let Ok(t) = OffsetDateTime::parse(&with_t, &Rfc3339) {
        return Some(t.to_offset(UtcOffset::UTC));
    }
    let naive = with_t.trim_end_matches('Z');
    let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let fmt_frac = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond]");
    let date_only = format_description!("[year]-[month]-[day]");
    PrimitiveDateTime::parse(naive, &fmt)
        .or_else(|_| PrimitiveDateTime::parse(naive, &fmt_frac))
        .ok()
        .or_else(|| {
            time::Date::parse(naive, &date_only)
                .ok()
                .map(|d| d.midnight())
        })
        .map(PrimitiveDateTime::assume_utc)
}

/// `2027-12-28T14:40:19Z` (the server), `2025-09-05 19:17:53Z` (the docs), or any ISO form.
fn parse_grant_expiration(s: &str) -> Option<OffsetDateTime> {
    parse_iso(s)
}

fn format_expires_at(t: OffsetDateTime) -> String {
    let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]+00:00");
    t.to_offset(UtcOffset::UTC)
        .format(&fmt)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

fn format_grant_expiration(t: OffsetDateTime) -> String {
    let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    t.to_offset(UtcOffset::UTC)
        .format(&fmt)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

#[derive(Serialize)]
struct Stored<'a> {
    access_token: &'a str,
    expires_in: u64,
    expires_at: String,
    patient: Option<&'a str>,
    refresh_token: Option<&'a str>,
    scope: &'a str,
    token_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    access_grant_expiration: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    issuer: Option<&'a Issuer>,
    #[serde(skip_serializing_if = "is_usable")]
    refresh_status: RefreshStatus,
}

fn is_usable(status: &RefreshStatus) -> bool {
    *status == RefreshStatus::Usable
}

impl Serialize for AuthorizationToken {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Stored {
            access_token: self.access_token.secret(),
            expires_in: self.expires_in.as_secs(),
            expires_at: format_expires_at(self.expires_at),
            patient: self.patient.as_deref(),
            refresh_token: self.refresh_token.as_ref().map(|t| t.secret().as_str()),
            scope: &self.scope_text,
            token_type: "Bearer",
            access_grant_expiration: self.access_grant_expiration.map(format_grant_expiration),
            issuer: self.issuer.as_deref(),
            refresh_status: self.refresh_status,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for AuthorizationToken {
    /// Loads the stored form. Without `expires_at`, it is `now + expires_in` (as the Python
    /// SDK's `set_dict`).
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Raw::deserialize(deserializer)?;
        raw.validate(OffsetDateTime::now_utc(), true)
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVER: &str = r#"{"access_token":"RM9xGoyxjKNnlKWIhNKuggpQmVPHhJ","expires_in":3600,"token_type":"Bearer",
 "scope":"patient/Coverage.rs patient/ExplanationOfBenefit.rs profile patient/Patient.rs openid",
 "refresh_token":"t7iFIYALaqMTGe189djFwK5JnsOv8d","patient":"-20140000008325",
 "access_grant_expiration":"2027-12-28T14:40:19Z","status_code":200}"#;

    fn at(s: &str) -> OffsetDateTime {
        OffsetDateTime::parse(s, &Rfc3339).unwrap()
    }

    #[test]
    fn parses_the_real_server_reply() {
        let now = at("2026-11-28T23:36:35Z");
        let t = AuthorizationToken::from_response_json(SERVER.as_bytes(), now).unwrap();
        assert_eq!(t.access_token().secret(), "RM9xGoyxjKNnlKWIhNKuggpQmVPHhJ");
        assert_eq!(
            t.refresh_token().unwrap().secret(),
            "t7iFIYALaqMTGe189djFwK5JnsOv8d"
        );
        assert_eq!(t.expires_in(), Duration::from_secs(3600));
        assert_eq!(t.expires_at(), at("2026-11-29T00:36:35Z"));
        assert_eq!(t.patient(), Some("-20140000008325"));
        assert_eq!(
            t.access_grant_expiration(),
            Some(at("2027-12-28T14:40:19Z"))
        );
        assert!(t.demographics_granted());
        assert!(t.can_read(ScopeResource::ExplanationOfBenefit));
        assert!(t.has_scope(&Scope::OpenId));
        assert_eq!(t.scopes().len(), 5);
    }

    #[test]
    fn grant_expiration_forms() {
        let now = OffsetDateTime::now_utc();
        let with = |v: &str| {
            let body = SERVER.replace("2027-12-28T14:40:19Z", v);
            AuthorizationToken::from_response_json(body.as_bytes(), now)
        };
        assert_eq!(
            with("2025-09-05 19:17:53Z")
                .unwrap()
                .access_grant_expiration(),
            Some(at("2025-09-05T19:17:53Z"))
        );
        assert_eq!(with("").unwrap().access_grant_expiration(), None);
        assert!(matches!(
            with("soon"),
            Err(TokenResponseProblem::BadAccessGrantExpiration(_))
        ));
    }

    #[test]
    fn validation_problems_are_typed() {
        let now = OffsetDateTime::now_utc();
        let parse = |b: &str| AuthorizationToken::from_response_json(b.as_bytes(), now);
        assert_eq!(
            parse(r#"{"expires_in":3600,"token_type":"Bearer"}"#).unwrap_err(),
            TokenResponseProblem::MissingAccessToken
        );
        assert_eq!(
            parse(r#"{"access_token":"a","expires_in":-5,"token_type":"Bearer"}"#).unwrap_err(),
            TokenResponseProblem::NegativeExpiresIn(-5)
        );
        assert_eq!(
            parse(r#"{"access_token":"a","expires_in":5,"token_type":"mac"}"#).unwrap_err(),
            TokenResponseProblem::UnsupportedTokenType("mac".into())
        );
        assert!(parse(r#"{"access_token":"a","expires_in":5,"token_type":"bEaReR"}"#).is_ok());
        assert_eq!(
            parse(r#"{"access_token":"a","expires_in":9223372036854775807,"token_type":"Bearer"}"#)
                .unwrap_err(),
            TokenResponseProblem::ExpiresInOutOfRange(i64::MAX.unsigned_abs())
        );
        assert!(matches!(
            parse(r#"{"access_token":987654}"#).unwrap_err(),
            TokenResponseProblem::Malformed { path, message } if path == "access_token" && !message.contains("987654")
        ));
    }

    #[test]
    fn python_sdk_token_dicts_load() {
        // `expires_in` as a float, no `token_type`, a date-only `expires_at`.
        let dict = r#"{"access_token":"a","expires_in":3599.6,"expires_at":"2026-11-29",
            "patient":"-1","refresh_token":"r","scope":"profile openid"}"#;
        let t: AuthorizationToken = serde_json::from_str(dict).unwrap();
        assert_eq!(t.expires_in(), Duration::from_secs(3599));
        assert_eq!(t.expires_at(), at("2026-11-29T00:00:00Z"));
        assert_eq!(t.token_type(), "Bearer");
        assert_eq!(
            serde_json::from_str::<AuthorizationToken>(
                r#"{"access_token":"a","expires_in":-0.5,"token_type":"Bearer"}"#
            )
            .unwrap_err()
            .to_string(),
            TokenResponseProblem::NegativeExpiresIn(-1).to_string()
        );
    }

    #[test]
    fn scope_is_saved_back_in_the_servers_order_with_duplicates() {
        let wire = "patient/Patient.rs openid patient/Patient.read openid profile";
        let body = SERVER.replace(
            "patient/Coverage.rs patient/ExplanationOfBenefit.rs profile patient/Patient.rs openid",
            wire,
        );
        let t = AuthorizationToken::from_response_json(body.as_bytes(), OffsetDateTime::now_utc())
            .unwrap();
        assert_eq!(t.scopes().len(), 4);
        let saved = serde_json::to_value(&t).unwrap();
        assert_eq!(saved["scope"], wire);
        let back: AuthorizationToken = serde_json::from_value(saved).unwrap();
        assert_eq!(back.scope_text(), wire);
    }

    #[test]
    fn skew_is_bounded_by_half_the_lifetime() {
        let now = OffsetDateTime::now_utc();
        let body = |secs: u64| {
            format!(r#"{{"access_token":"a","expires_in":{secs},"token_type":"Bearer"}}"#)
        };
        let short = AuthorizationToken::from_response_json(body(2).as_bytes(), now).unwrap();
        let skew = Duration::from_secs(60);
        assert_eq!(short.effective_skew(skew), Duration::from_secs(1));
        assert!(!short.refresh_due(skew), "a fresh 2 s token is not due");
        let hour = AuthorizationToken::from_response_json(body(3600).as_bytes(), now).unwrap();
        assert_eq!(hour.effective_skew(skew), skew);
        let stored: AuthorizationToken = serde_json::from_str(
            r#"{"access_token":"a","token_type":"Bearer","expires_at":"2999-01-01T00:00:00+00:00"}"#,
        )
        .unwrap();
        assert_eq!(stored.effective_skew(skew), skew, "unknown lifetime");
    }

    #[test]
    fn issuer_and_refresh_status_round_trip() {
        let now = OffsetDateTime::now_utc();
        let issuer = Issuer::new(
            "http://127.0.0.1:1",
            "client",
            bluebutton_config::ApiVersion::V2,
        );
        let token = AuthorizationToken::from_response_json(SERVER.as_bytes(), now)
            .unwrap()
            .with_issuer(issuer.clone())
            .with_refresh_status(RefreshStatus::Unconfirmed);
        let json = serde_json::to_value(&token).unwrap();
        assert_eq!(json["refresh_status"], "unconfirmed");
        assert_eq!(json["issuer"]["api_version"], 2);
        let back: AuthorizationToken = serde_json::from_value(json).unwrap();
        assert_eq!(back.issuer(), Some(&issuer));
        assert_eq!(back.refresh_status(), RefreshStatus::Unconfirmed);
        // A usable token writes no status, and a server reply cannot set an issuer.
        let plain = AuthorizationToken::from_response_json(SERVER.as_bytes(), now).unwrap();
        let json = serde_json::to_value(&plain).unwrap();
        assert!(json.get("refresh_status").is_none() && json.get("issuer").is_none());
        let forged = SERVER.replace(
            "\"status_code\":200",
            "\"issuer\":{\"origin\":\"http://x\",\"client_id\":\"c\",\"api_version\":2}",
        );
        let forged = AuthorizationToken::from_response_json(forged.as_bytes(), now).unwrap();
        assert_eq!(forged.issuer(), None);
    }

    #[test]
    fn scope_needs_are_checked_against_granted_scopes() {
        let now = OffsetDateTime::now_utc();
        let all = AuthorizationToken::from_response_json(SERVER.as_bytes(), now).unwrap();
        assert!(
            all.grants(crate::ScopeNeed::Demographics) && all.grants(crate::ScopeNeed::Profile)
        );
        let body = SERVER
            .replace(" profile", "")
            .replace(" patient/Patient.rs", "");
        let none = AuthorizationToken::from_response_json(body.as_bytes(), now).unwrap();
        assert!(!none.grants(crate::ScopeNeed::Demographics));
        assert!(!none.grants(crate::ScopeNeed::Profile));
        let unknown = AuthorizationToken::from_response_json(
            br#"{"access_token":"a","expires_in":5,"token_type":"Bearer"}"#,
            now,
        )
        .unwrap();
        assert!(
            unknown.grants(crate::ScopeNeed::Profile),
            "the server decides"
        );
    }

    #[test]
    fn no_demographics_without_patient_or_profile() {
        let body = SERVER
            .replace(" profile", "")
            .replace(" patient/Patient.rs", "");
        let t = AuthorizationToken::from_response_json(body.as_bytes(), OffsetDateTime::now_utc())
            .unwrap();
        assert!(!t.demographics_granted());
        assert!(!t.can_read(ScopeResource::Patient));
        assert!(t.can_search(ScopeResource::Coverage));
    }
}
