//! The facade's one error type, [`Error`], and the [`Operation`] it names for context.

use std::fmt;

use bluebutton_auth::AuthError;
use bluebutton_config::{ApiVersion, ConfigError};
use bluebutton_fhir::FhirError;
use bluebutton_fhir::FhirVersion;
use bluebutton_transport::TransportError;
use http::StatusCode;
use url::Url;

/// What the client was doing when an error happened (part of every HTTP error's message).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// A search (`GET fhir/<type>/?...`), first page.
    Search(&'static str),
    /// A read of one resource by id (`GET fhir/<type>/<id>`).
    Read(&'static str),
    /// A follow-up page (the previous page's `next` link).
    NextPage,
    /// `GET connect/userinfo` (the official SDKs' "profile").
    UserInfo,
    /// `GET fhir/metadata` (the CapabilityStatement).
    Metadata,
    /// `GET fhir/Patient/$generate-insurance-card`.
    InsuranceCard,
    /// A custom path or URL.
    Custom,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Search(resource) => write!(f, "{resource} search"),
            Self::Read(resource) => write!(f, "{resource} read"),
            Self::NextPage => f.write_str("next page"),
            Self::UserInfo => f.write_str("userinfo"),
            Self::Metadata => f.write_str("metadata"),
            Self::InsuranceCard => f.write_str("insurance card"),
            Self::Custom => f.write_str("custom request"),
        }
    }
}

/// Which paging cap was reached (see [`crate::PageLimits`]).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PagingLimit {
    /// [`crate::PageLimits::max_pages`].
    Pages,
    /// [`crate::PageLimits::max_resources`].
    Resources,
}

impl fmt::Display for PagingLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Pages => "pages",
            Self::Resources => "resources",
        })
    }
}

/// Who found that a scope was missing.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeCheck {
    /// The granted scopes of the token lack it: nothing was sent.
    Token,
    /// The server answered 403.
    Server,
}

/// Everything that can go wrong using a [`crate::BlueButton`] client.
///
/// Messages never contain tokens, codes or query values (URLs are shown without their query).
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration is invalid or cannot be loaded.
    #[error("configuration: {0}")]
    Config(#[from] ConfigError),
    /// OAuth: callback checks, token exchange, refresh (including
    /// [`AuthError::ReauthorizationRequired`]), revoke, token store.
    #[error("authorization: {0}")]
    Auth(#[from] AuthError),
    /// The HTTP client could not be built (TLS backend, invalid settings).
    #[error("cannot build the HTTP transport: {0}")]
    ClientBuild(#[source] Box<TransportError>),
    /// The HTTP request failed (status, timeout, connection, body too large...).
    #[error("{operation} failed: {source}")]
    Http {
        /// What the client was doing.
        operation: Operation,
        /// The transport error (status, parsed error body, attempts...).
        #[source]
        source: Box<TransportError>,
    },
    /// The beneficiary did not grant the scope this call needs (demographics withheld at
    /// consent, or an app without them). Re-authorize and share demographic data to fix it.
    #[error("{operation} needs the `{required}` scope, which was not granted ({})",
        match checked_by { ScopeCheck::Token => "nothing was sent", ScopeCheck::Server => "the server answered 403" })]
    ScopeNotGranted {
        /// The refused call.
        operation: Operation,
        /// The scope it needs (e.g. `patient/Patient.rs`, `profile`).
        required: &'static str,
        /// Whether the token's scopes or the server said so.
        checked_by: ScopeCheck,
    },
    /// The page size (`_count`) is outside 1 to 50; nothing was sent.
    #[error("page size {value} is out of range: the server accepts 1 to {max}", max = crate::MAX_PAGE_SIZE)]
    InvalidPageSize {
        /// The refused value.
        value: u32,
    },
    /// A `next` link points to another origin than the configured base URL; it was not followed
    /// (the bearer token would have gone there).
    #[error("refusing to follow a next link to {origin}: only {allowed} is allowed (link path {path})",
        origin = link.origin().ascii_serialization(), path = link.path())]
    ForeignNextLink {
        /// The refused link, query removed.
        link: Box<Url>,
        /// The allowed origin.
        allowed: String,
    },
    /// A `next` link is not a usable URL.
    #[error("the server's next link is not a valid http(s) URL: {reason}")]
    InvalidNextLink {
        /// Why it was refused.
        reason: String,
    },
    /// A custom path or URL cannot be used (another origin, leaves the API version's path,
    /// not http(s)); nothing was sent.
    #[error("cannot request `{target}`: {reason}")]
    InvalidTarget {
        /// The path, or the URL without its query.
        target: String,
        /// Why.
        reason: &'static str,
    },
    /// Paging stopped at a cap ([`crate::PageLimits`]) while more pages remained.
    #[error("paging stopped at the limit of {limit} {kind} while more pages remained")]
    PagingLimitReached {
        /// Which cap.
        kind: PagingLimit,
        /// Its value.
        limit: u64,
    },
    /// A typed model of one FHIR release was asked of an API version that serves the other (R4
    /// types on v1, which serves STU3; [`crate::stu3`] types on v2/v3, which serve R4); nothing
    /// was sent. Read the result as `instead`, or as [`serde_json::Value`], [`crate::RawPage`]
    /// or [`crate::Bytes`].
    #[error(
        "{operation}: `{requested}` is a FHIR {needs} model, but API {version} serves FHIR {serves}; read it as `{instead}` (or as `serde_json::Value`, `RawPage` or `Bytes`)"
    )]
    WrongFhirVersion {
        /// The refused call.
        operation: Operation,
        /// The configured version.
        version: ApiVersion,
        /// The type asked for, e.g. `bluebutton::Bundle`.
        requested: &'static str,
        /// The FHIR release of that type.
        needs: FhirVersion,
        /// The FHIR release the configured version serves.
        serves: FhirVersion,
        /// The type to use instead, e.g. `bluebutton::stu3::Bundle`.
        instead: &'static str,
    },
    /// The call exists only on a later API version than the configured one (e.g. the
    /// insurance card, v3 only); nothing was sent.
    #[error(
        "{operation} is served on API {needs} only, this client uses {version} (configure `version: {number}`)",
        needs = needs.path_segment(), version = version.path_segment(), number = needs.number()
    )]
    VersionUnsupported {
        /// The refused call.
        operation: Operation,
        /// The version that serves it.
        needs: ApiVersion,
        /// The configured version.
        version: ApiVersion,
    },
    /// A response body is not the expected FHIR resource.
    #[error("{operation}: cannot decode the FHIR response from {path}: {reason}", path = url.path(),
        reason = server_text(source))]
    Fhir {
        /// What the client was doing.
        operation: Operation,
        /// The URL, query removed.
        url: Box<Url>,
        /// The parse error (with line and column).
        #[source]
        source: FhirError,
    },
    /// A response body is not the expected JSON.
    #[error("{operation}: cannot decode the JSON response from {path} at `{json_path}`: {reason}",
        path = url.path(), reason = server_text(source))]
    Json {
        /// What the client was doing.
        operation: Operation,
        /// The URL, query removed.
        url: Box<Url>,
        /// Where in the document decoding failed.
        json_path: String,
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },
    /// The response is a FHIR resource of another type than expected (e.g. an
    /// `OperationOutcome` where a `Bundle` was expected).
    #[error(
        "{operation}: expected resource type {expected} but the server sent {found} (status {status})"
    )]
    UnexpectedResource {
        /// What the client was doing.
        operation: Operation,
        /// The expected `resourceType`.
        expected: &'static str,
        /// The received `resourceType`.
        found: String,
        /// The HTTP status of the response.
        status: StatusCode,
    },
    /// The token endpoint's reply has no `patient`, so it cannot be stored under the patient
    /// id; use [`crate::BlueButton::exchange_code_as`] with your own key.
    #[error("the token has no patient id to use as its key; pass a key explicitly")]
    NoPatientId,
    /// The blocking client's runtime could not be started.
    #[cfg(feature = "blocking")]
    #[error("cannot start the blocking client's runtime: {0}")]
    Runtime(#[source] std::io::Error),
}

impl Error {
    /// True when the beneficiary must go through the authorize flow again (refresh refused,
    /// data-access grant expired or revoked).
    pub fn requires_reauthorization(&self) -> bool {
        matches!(self, Self::Auth(e) if e.requires_reauthorization())
    }

    /// The HTTP status, when the server answered with an error status.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Http { source, .. } => source.status(),
            Self::Auth(error) => error.status(),
            Self::UnexpectedResource { status, .. } => Some(*status),
            Self::ScopeNotGranted {
                checked_by: ScopeCheck::Server,
                ..
            } => Some(StatusCode::FORBIDDEN),
            _ => None,
        }
    }

    pub(crate) fn http(operation: Operation, source: TransportError) -> Self {
        Self::Http {
            operation,
            source: Box::new(source),
        }
    }
}

/// `url` as error values carry it: the transport's one redaction rule
/// ([`bluebutton_transport::redact_url`]: no credentials or fragment, query values removed).
pub(crate) fn redacted(url: &Url) -> Box<Url> {
    Box::new(bluebutton_transport::redact_url(url))
}

/// A parser's message about the server's document (it may quote the document's text),
/// sanitised by the transport's one sanitiser before it is shown.
fn server_text(error: &impl std::fmt::Display) -> String {
    bluebutton_transport::sanitize_server_text(
        &error.to_string(),
        bluebutton_transport::MAX_SERVER_TEXT_CHARS,
    )
}
