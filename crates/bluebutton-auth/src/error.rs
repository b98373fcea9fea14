//! The crate's one error type, [`AuthError`]. No variant ever carries a secret.

use std::path::PathBuf;

use http::StatusCode;

/// What was wrong with a successful (2xx) token endpoint reply.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenResponseProblem {
    /// No `access_token`, or an empty one.
    #[error("`access_token` is missing")]
    MissingAccessToken,
    /// No `expires_in`.
    #[error("`expires_in` is missing")]
    MissingExpiresIn,
    /// `expires_in` is negative.
    #[error("`expires_in` is negative ({0})")]
    NegativeExpiresIn(i64),
    /// `expires_in` is so large that the expiry instant cannot be represented (past year 9999).
    #[error("`expires_in` ({0} s) puts the expiry past the representable date range")]
    ExpiresInOutOfRange(u64),
    /// `token_type` is not `Bearer` (case-insensitive).
    #[error("`token_type` is {0:?}, expected Bearer")]
    UnsupportedTokenType(String),
    /// `access_grant_expiration` is neither empty nor a known date-time format.
    #[error("`access_grant_expiration` {0:?} is not a date-time")]
    BadAccessGrantExpiration(String),
    /// The body is not the expected JSON shape.
    #[error("malformed JSON at `{path}`: {message}")]
    Malformed {
        /// JSON path of the problem (serde_path_to_error).
        path: String,
        /// What the JSON parser said (never includes values).
        message: String,
    },
}

/// Which OAuth endpoint a reply came from.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `/o/token/` with `grant_type=authorization_code`.
    TokenExchange,
    /// `/o/token/` with `grant_type=refresh_token`.
    TokenRefresh,
    /// `/o/revoke_token/` (RFC 7009).
    RevokeToken,
    /// `/o/revoke/` (Blue Button: also deletes the data-access grant).
    Revoke,
    /// `/o/introspect/` (RFC 7662).
    Introspect,
    /// `/connect/userinfo`.
    UserInfo,
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::TokenExchange => "token (authorization_code)",
            Self::TokenRefresh => "token (refresh_token)",
            Self::RevokeToken => "revoke_token",
            Self::Revoke => "revoke",
            Self::Introspect => "introspect",
            Self::UserInfo => "userinfo",
        })
    }
}

/// Everything that can go wrong between "user clicks Connect" and "a valid access token".
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The beneficiary pressed Cancel on the consent page (`error=access_denied`).
    #[error("the beneficiary denied access (error=access_denied{})", desc(.description))]
    AccessDenied {
        /// `error_description`, if the server sent one.
        description: Option<String>,
    },
    /// The beneficiary was not found in the claims back end (`error=not_found`).
    #[error("the beneficiary was not found (error=not_found{})", desc(.description))]
    BeneficiaryNotFound {
        /// `error_description`, if the server sent one.
        description: Option<String>,
    },
    /// Any other `error=` on the callback.
    #[error("the authorization server returned error={error}{}", desc(.description))]
    AuthorizationFailed {
        /// The `error` parameter.
        error: String,
        /// `error_description`, if any.
        description: Option<String>,
    },
    /// The callback has no `code`.
    #[error("the callback is missing the `code` parameter")]
    MissingCode,
    /// The callback has no `state`.
    #[error("the callback is missing the `state` parameter")]
    MissingState,
    /// The callback's `state` differs from the one sent (possible CSRF or a mixed-up session).
    #[error("the callback `state` does not match the authorization request")]
    StateMismatch,
    /// The callback's RFC 9207 `iss` is not the expected issuer (possible mix-up attack: the
    /// response came from another authorization server). Nothing was exchanged.
    #[error(
        "the callback `iss` {found:?} is not the expected issuer {}",
        expected.as_deref().map_or("(none known)".to_owned(), |e| format!("{e:?}"))
    )]
    IssuerMismatch {
        /// The expected issuer (the configured base URL without its trailing `/`), or `None`
        /// when the callback was verified without one.
        expected: Option<String>,
        /// The `iss` the callback carried.
        found: String,
    },
    /// A callback parameter appears more than once.
    #[error("the callback repeats the `{name}` parameter")]
    DuplicateParameter {
        /// The repeated parameter's name.
        name: String,
    },
    /// The callback query string is longer than the limit.
    #[error("the callback query is {len} bytes, over the {limit}-byte limit")]
    CallbackTooLarge {
        /// Its length in bytes.
        len: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// One callback parameter is longer than the limit.
    #[error("the callback parameter `{name}` is {len} bytes, over the {limit}-byte limit")]
    CallbackParameterTooLong {
        /// The parameter's name.
        name: String,
        /// Its decoded length in bytes.
        len: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// The beneficiary must authorize the app again: the server refused the refresh (refresh
    /// token reused, revoked or unknown, data-access grant expired or deleted), or a one-time
    /// app's access token has expired. `reason` says which. The stored token has been removed,
    /// except for one-time access (kept, so its access token could be used until it expired);
    /// nothing will retry.
    #[error(
        "re-authorization required ({reason}): {endpoint} replied {status} error={error}{}",
        desc(.description)
    )]
    ReauthorizationRequired {
        /// Which endpoint said so.
        endpoint: Endpoint,
        /// HTTP status of the reply.
        status: StatusCode,
        /// OAuth `error` (`invalid_grant`, `invalid_client`).
        error: String,
        /// The server's reason (`error_description`).
        description: Option<String>,
        /// Why, as far as the SDK can tell.
        reason: ReauthReason,
    },
    /// The stored login was issued by another server, app or API version than this client is
    /// configured for. Nothing was sent, and the stored token was left as it is.
    #[error(
        "the login under key `{key}` belongs to {token_issuer}, but this client is configured for {configured}: nothing was sent (log in with this configuration, or switch back)"
    )]
    WrongIssuer {
        /// The store key.
        key: String,
        /// Who issued the stored token.
        token_issuer: Box<crate::Issuer>,
        /// The issuer of this client's configuration.
        configured: Box<crate::Issuer>,
    },
    /// An OAuth error reply that re-authorizing would not fix (bad client credentials,
    /// mismatching redirect URI, inactive app, ...).
    #[error("{endpoint} endpoint replied {status} error={error}{}", desc(.description))]
    OAuth {
        /// Which endpoint.
        endpoint: Endpoint,
        /// HTTP status.
        status: StatusCode,
        /// OAuth `error`.
        error: String,
        /// `error_description`, if any.
        description: Option<String>,
    },
    /// A non-success reply that is not an OAuth error (5xx, HTML page, `{"detail": ..}`).
    #[error("{endpoint} endpoint replied {status}: {excerpt}")]
    UnexpectedStatus {
        /// Which endpoint.
        endpoint: Endpoint,
        /// HTTP status.
        status: StatusCode,
        /// The first 200 characters of the body.
        excerpt: String,
    },
    /// A 2xx token reply that fails validation.
    #[error("invalid token response from {endpoint}: {problem}")]
    InvalidTokenResponse {
        /// Which endpoint.
        endpoint: Endpoint,
        /// What was wrong.
        problem: TokenResponseProblem,
    },
    /// A 2xx reply of another endpoint that is not the expected JSON.
    #[error("cannot decode the {endpoint} reply at `{path}`: {message}")]
    Decode {
        /// Which endpoint.
        endpoint: Endpoint,
        /// JSON path of the problem.
        path: String,
        /// What the parser said.
        message: String,
    },
    /// The HTTP exchange itself failed (connect, timeout, body too large, ...).
    #[error("{endpoint} request failed: {source}")]
    Transport {
        /// Which endpoint.
        endpoint: Endpoint,
        /// The transport error.
        #[source]
        source: bluebutton_transport::TransportError,
    },
    /// The request could not be built, so nothing was sent.
    #[error("the {endpoint} request could not be built; nothing was sent")]
    RequestNotSent {
        /// Which endpoint.
        endpoint: Endpoint,
    },
    /// The token has no refresh token, so it cannot be refreshed.
    #[error("the token for key `{key}` has no refresh token")]
    NoRefreshToken {
        /// The store key (the token's patient id when [`crate::AuthClient::refresh`] is
        /// called directly).
        key: String,
    },
    /// No token is stored under this key.
    #[error("no token stored for key `{key}`")]
    TokenNotFound {
        /// The store key.
        key: String,
    },
    /// The token expired, and refreshing it already failed earlier in this request without
    /// an answer from the server (5xx or network): it is not tried twice in one request.
    #[error(
        "the token for key `{key}` has expired and refreshing it failed earlier in this request (the server answered 5xx or not at all); try again later"
    )]
    RefreshFailedEarlier {
        /// The store key.
        key: String,
    },
    /// The token expired and automatic refresh (`token_refresh_on_expire`) is off.
    #[error("the token for key `{key}` has expired and automatic refresh is off")]
    TokenExpired {
        /// The store key.
        key: String,
    },
    /// A stored token document cannot be read back.
    #[error("stored token for key `{key}` in {location} is corrupt: {message}")]
    StoreCorrupt {
        /// The store key (`*` for the whole file).
        key: String,
        /// File or database path, or `memory`.
        location: String,
        /// What the JSON parser said (never includes values).
        message: String,
    },
    /// A stored token cannot be decrypted, or is not stored the way the store expects
    /// (clear text in a store that encrypts, or encrypted in one without a key).
    #[error("stored token for key `{key}` in {location} {problem}")]
    StoreSealed {
        /// The store key.
        key: String,
        /// File or database path.
        location: String,
        /// What is wrong.
        problem: SealProblem,
    },
    /// A [`crate::TokenKey`] cannot be made (bad text, wrong length, no randomness).
    #[error("invalid token key: {reason}")]
    InvalidTokenKey {
        /// Why.
        reason: &'static str,
    },
    /// The token key file cannot be used safely: others can read it, another user owns it,
    /// or an interrupted creation left it incomplete while tokens sealed with the lost key
    /// remain.
    #[error("token key file {}: {problem}", path.display())]
    KeyFile {
        /// The key file.
        path: PathBuf,
        /// What is wrong, and the fix.
        problem: KeyFileProblem,
    },
    /// File-system error of the file store.
    #[error("token file {path}: {source}")]
    StoreIo {
        /// The file involved.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Database error of the SQLite store.
    #[error("token database {path}: {source}")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// The database's error (opaque: the store's database library is not part of this
        /// crate's API).
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A blocking store task panicked or was cancelled.
    #[error("token store task failed: {source}")]
    StoreTask {
        /// The join error.
        #[source]
        source: tokio::task::JoinError,
    },
    /// An endpoint URL from the configuration cannot be used.
    #[error("invalid {endpoint} URL: {source}")]
    InvalidUrl {
        /// Which endpoint.
        endpoint: Endpoint,
        /// The parse error.
        #[source]
        source: url::ParseError,
    },
}

/// Why the beneficiary must authorize again (see [`AuthError::ReauthorizationRequired`]).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReauthReason {
    /// The refresh token was refused (`invalid_grant`): used already, or revoked.
    #[error("the refresh token was refused")]
    RefreshTokenRefused,
    /// The server no longer knows the refresh token (the beneficiary authorized this app again,
    /// which deletes earlier tokens).
    #[error("the refresh token is no longer known to the server")]
    RefreshTokenUnknown,
    /// The data-access grant timed out (13 months).
    #[error("the data-access grant has expired")]
    GrantExpired,
    /// The data-access grant was revoked or deleted.
    #[error("the data-access grant was revoked")]
    GrantRevoked,
    /// The app has one-time access: the server never refreshes its tokens, and the access
    /// token has expired.
    #[error(
        "one-time access: the app may not refresh tokens, so the login ends when its access token expires"
    )]
    OneTimeAccess,
    /// An earlier refresh failed on the server (5xx or no answer) after the server had rotated
    /// the token pair, so the stored refresh token is already spent.
    #[error(
        "an earlier refresh failed on the server after it had rotated the token, so the stored refresh token is spent"
    )]
    EarlierRefreshFailed,
}

/// Why a stored token record could not be opened or written (see [`AuthError::StoreSealed`]).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SealProblem {
    /// Authentication failed: another key, or the record was altered or copied from another
    /// store key.
    #[error("cannot be decrypted with this key (another key, or the record was altered or moved)")]
    WrongKeyOrAltered,
    /// The record is not in the sealed format.
    #[error("is not a sealed token record")]
    Malformed,
    /// The record is in clear text but the store encrypts: it is refused rather than trusted.
    #[error("is in clear text, but this store encrypts: refused (authorize again to replace it)")]
    ClearText,
    /// The record is encrypted but the store was given no key.
    #[error("is encrypted, but this store has no key (give it the TokenKey it was written with)")]
    NoKey,
    /// The system random number generator failed while sealing.
    #[error("cannot be encrypted: the system random number generator failed")]
    Randomness,
}

/// Why a token key file is refused (see [`AuthError::KeyFile`]). Each message says the fix.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyFileProblem {
    /// Its mode lets the group or others read or write it.
    #[error(
        "its mode {mode:04o} lets other users read it: run `chmod 600` on it (and consider the key exposed: log in again after replacing it)"
    )]
    ReadableByOthers {
        /// The permission bits.
        mode: u32,
    },
    /// Another user owns it.
    #[error(
        "it is owned by uid {owner}, not by you (uid {user}): use your own key file (--token-key-file), or `chown` it if it is yours"
    )]
    ForeignOwner {
        /// The owner's uid.
        owner: u32,
        /// This process's effective uid.
        user: u32,
    },
    /// It is empty or partial (an interrupted creation), and the token file still holds
    /// tokens sealed with the key that was lost, so replacing the key would orphan them.
    #[error("it is incomplete ({len} bytes; an interrupted creation), and {} holds tokens sealed with another key: restore the key file, or delete both files and log in again", store.display())]
    IncompleteWithTokens {
        /// Its length in bytes.
        len: usize,
        /// The token file.
        store: PathBuf,
    },
}

impl AuthError {
    /// The HTTP status of the server's reply, for errors that carry one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::ReauthorizationRequired { status, .. }
            | Self::OAuth { status, .. }
            | Self::UnexpectedStatus { status, .. } => Some(*status),
            Self::Transport { source, .. } => source.status(),
            _ => None,
        }
    }

    /// True for [`AuthError::ReauthorizationRequired`]: send the beneficiary through the
    /// authorize flow again.
    pub fn requires_reauthorization(&self) -> bool {
        matches!(self, Self::ReauthorizationRequired { .. })
    }
}

fn desc(description: &Option<String>) -> String {
    match description {
        Some(d) => format!(": {d}"),
        None => String::new(),
    }
}
