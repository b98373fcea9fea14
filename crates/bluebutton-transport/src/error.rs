//! The one error type of the transport: what went wrong with a request, with its context.

use std::time::Duration;

use http::{HeaderName, Method, StatusCode};
use url::Url;

use crate::error_body::ErrorBody;
use crate::www_authenticate::WwwAuthenticate;

/// Everything that can go wrong sending a request.
///
/// URLs in errors have their query values, credentials and fragment removed; messages show the
/// method and path only, and never contain header values, tokens or query values. Every
/// `reqwest::Error` kept as a source has its URL removed.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// The server answered with a non-success status (after retries, if the status was
    /// retryable).
    #[error("{method} {path} failed with status {status} after {attempts} {attempts_word}: {body}{challenge}",
        path = url.path(),
        attempts_word = plural(*attempts),
        challenge = www_authenticate.as_ref().filter(|c| c.error.is_some()).map(|c| format!(" [WWW-Authenticate: {c}]")).unwrap_or_default())]
    Status {
        /// The request method.
        method: Method,
        /// The final status.
        status: StatusCode,
        /// The request URL, query values stripped.
        url: Box<Url>,
        /// The parsed response body.
        body: ErrorBody,
        /// The parsed `WWW-Authenticate` challenge, if the response had one.
        www_authenticate: Option<Box<WwwAuthenticate>>,
        /// How many times the request was sent.
        attempts: u32,
    },
    /// The request timed out (connecting, or waiting for or reading the response).
    #[error("{method} {path} timed out after {attempts} {attempts_word}{limit}",
        path = url.path(), attempts_word = plural(*attempts),
        limit = timeout.map(|t| format!(" (request timeout {t:?})")).unwrap_or_default())]
    Timeout {
        /// The request method.
        method: Method,
        /// The request URL, query values stripped.
        url: Box<Url>,
        /// How many times the request was sent.
        attempts: u32,
        /// The per-request timeout in force, if any (a connect timeout also ends up here).
        timeout: Option<Duration>,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// No connection could be made (refused, DNS failure, TLS failure).
    #[error("{method} {path}: could not connect to {host} after {attempts} {attempts_word}",
        path = url.path(), host = url.origin().ascii_serialization(), attempts_word = plural(*attempts))]
    Connect {
        /// The request method.
        method: Method,
        /// The request URL, query values stripped.
        url: Box<Url>,
        /// How many times the request was sent.
        attempts: u32,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// The connection failed while sending the request or receiving the response.
    #[error("{method} {path}: network error after {attempts} {attempts_word}",
        path = url.path(), attempts_word = plural(*attempts))]
    Network {
        /// The request method.
        method: Method,
        /// The request URL, query values stripped.
        url: Box<Url>,
        /// How many times the request was sent.
        attempts: u32,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// The response body was larger than the configured limit; reading stopped there.
    #[error("{method} {path}: response body exceeds the limit of {limit} bytes", path = url.path())]
    BodyTooLarge {
        /// The request method.
        method: Method,
        /// The request URL, query values stripped.
        url: Box<Url>,
        /// The limit in bytes (see `TransportBuilder::max_response_bytes`).
        limit: u64,
    },
    /// The request's bearer source could not give a token for an attempt (e.g. the login
    /// must be renewed); nothing more was sent. The source is the bearer source's own error.
    #[error("{method} {path}: no access token for this request: {source}", path = url.path())]
    Credentials {
        /// The request method.
        method: Method,
        /// The request URL, query values stripped.
        url: Box<Url>,
        /// The bearer source's error (downcast it to the source's type).
        #[source]
        source: crate::CredentialError,
    },
    /// A request carrying credentials was addressed to another origin than the configured base
    /// URL's; nothing was sent.
    #[error("{method} {path}: refusing to send credentials to {origin}; only {allowed} is allowed",
        path = url.path(), origin = url.origin().ascii_serialization())]
    OriginNotAllowed {
        /// The request method.
        method: Method,
        /// The refused URL, query values stripped.
        url: Box<Url>,
        /// The allowed origin (scheme, host and port of the base URL).
        allowed: String,
    },
    /// The URL's query has an `access_token` parameter; tokens go in the `Authorization` header
    /// only. Nothing was sent.
    #[error("{method} {path}: refusing a URL with an access_token query parameter (use the Authorization header)",
        path = url.path())]
    TokenInQuery {
        /// The request method.
        method: Method,
        /// The refused URL, query values stripped.
        url: Box<Url>,
    },
    /// A header value given to the request was not a valid HTTP header value (e.g. a token
    /// containing a line break). Nothing was sent.
    #[error("invalid value for the {name} header")]
    InvalidHeader {
        /// The header whose value was refused.
        name: HeaderName,
    },
    /// The URL's scheme is neither `http` nor `https`. Nothing was sent.
    #[error("{method} {path}: unsupported URL scheme {scheme:?}", path = url.path(), scheme = url.scheme())]
    UnsupportedScheme {
        /// The request method.
        method: Method,
        /// The refused URL, query values stripped.
        url: Box<Url>,
    },
    /// A successful response could not be decoded as the expected JSON type.
    #[error("could not decode the response of {path} at `{json_path}`: {reason}", path = url.path(),
        reason = crate::sanitize_server_text(&source.to_string(), crate::MAX_SERVER_TEXT_CHARS))]
    Decode {
        /// The request URL, query values stripped.
        url: Box<Url>,
        /// Where in the document decoding failed (e.g. `entry[0].resource.id`; `.` for the root).
        json_path: String,
        /// The underlying error.
        #[source]
        source: serde_json::Error,
    },
    /// The HTTP client could not be built (e.g. the TLS backend failed to initialise).
    #[error("could not build the HTTP client: {source}")]
    Build {
        /// The underlying error (from reqwest or rustls).
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// Any other error from the HTTP client.
    #[error("{method} {path}: HTTP client error", path = url.path())]
    Client {
        /// The request method.
        method: Method,
        /// The request URL, query values stripped.
        url: Box<Url>,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
}

fn plural(attempts: u32) -> &'static str {
    if attempts == 1 { "attempt" } else { "attempts" }
}

impl TransportError {
    /// The HTTP status, for [`TransportError::Status`].
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            TransportError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The parsed error body, for [`TransportError::Status`].
    pub fn body(&self) -> Option<&ErrorBody> {
        match self {
            TransportError::Status { body, .. } => Some(body),
            _ => None,
        }
    }

    /// The parsed `WWW-Authenticate` challenge, for a [`TransportError::Status`] that had one.
    pub fn www_authenticate(&self) -> Option<&WwwAuthenticate> {
        match self {
            TransportError::Status {
                www_authenticate, ..
            } => www_authenticate.as_deref(),
            _ => None,
        }
    }

    /// True for a 401 whose challenge says `error="invalid_token"` (expired, revoked or unknown
    /// token): refreshing may help. A 403 (forbidden) or a 401 without a token is not this.
    pub fn is_invalid_token(&self) -> bool {
        matches!(self, TransportError::Status { status, .. } if *status == StatusCode::UNAUTHORIZED)
            && self
                .www_authenticate()
                .is_some_and(WwwAuthenticate::is_invalid_token)
    }

    /// True for [`TransportError::Timeout`].
    pub fn is_timeout(&self) -> bool {
        matches!(self, TransportError::Timeout { .. })
    }

    /// How many times the request was sent, for errors that happened after sending.
    pub fn attempts(&self) -> Option<u32> {
        match self {
            TransportError::Status { attempts, .. }
            | TransportError::Timeout { attempts, .. }
            | TransportError::Connect { attempts, .. }
            | TransportError::Network { attempts, .. } => Some(*attempts),
            _ => None,
        }
    }
}
