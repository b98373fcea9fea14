//! Exit codes: the closed set a script can rely on, and how each error maps to one.

use std::process::ExitCode;

use bluebutton::{AuthError, Error as ApiError, TransportError};
use http::StatusCode;

use crate::error::CliError;

/// The `--help` section that documents the exit codes.
pub(crate) const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  other failure (local file I/O, a failed `fhir check`, the sandbox could not start)
  2  usage or configuration error (bad option, missing or invalid config, rejected client credentials,
     an invalid token key, a key file other users can read or another user owns)
  3  authorization error: sign in again with `bluebutton login` (denied, timed out, no token,
     refresh refused, scope not granted, a stored token this key cannot decrypt)
  4  API error (the server answered an error status or an unusable response)
  5  network error (connection refused, timeout, connection lost)
  130  interrupted (Ctrl-C or SIGTERM); an interrupted `export` replaces no file";

/// The exit status of the process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Exit {
    /// 0.
    Success,
    /// 1: local I/O, failed check, sandbox start.
    Failure,
    /// 2: usage or configuration.
    Usage,
    /// 3: authorization; re-login needed.
    Auth,
    /// 4: the API answered an error.
    Api,
    /// 5: network.
    Network,
    /// 130: stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells report it).
    Interrupted,
}

impl Exit {
    /// The numeric code.
    pub(crate) fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Failure => 1,
            Exit::Usage => 2,
            Exit::Auth => 3,
            Exit::Api => 4,
            Exit::Network => 5,
            Exit::Interrupted => 130,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit.code())
    }
}

/// The exit status for a transport error.
pub(crate) fn of_transport(error: &TransportError) -> Exit {
    match error {
        TransportError::Status { status, .. } if *status == StatusCode::UNAUTHORIZED => Exit::Auth,
        TransportError::Status { .. }
        | TransportError::BodyTooLarge { .. }
        | TransportError::Decode { .. }
        | TransportError::OriginNotAllowed { .. }
        | TransportError::TokenInQuery { .. } => Exit::Api,
        TransportError::Timeout { .. }
        | TransportError::Connect { .. }
        | TransportError::Network { .. }
        | TransportError::Client { .. } => Exit::Network,
        TransportError::UnsupportedScheme { .. } => Exit::Usage,
        _ => Exit::Failure,
    }
}

/// The exit status for an OAuth error.
pub(crate) fn of_auth(error: &AuthError) -> Exit {
    match error {
        AuthError::OAuth { error, .. } if error == "invalid_client" => Exit::Usage,
        AuthError::AccessDenied { .. }
        | AuthError::BeneficiaryNotFound { .. }
        | AuthError::AuthorizationFailed { .. }
        | AuthError::MissingCode
        | AuthError::MissingState
        | AuthError::StateMismatch
        | AuthError::IssuerMismatch { .. }
        | AuthError::DuplicateParameter { .. }
        | AuthError::CallbackTooLarge { .. }
        | AuthError::CallbackParameterTooLong { .. }
        | AuthError::ReauthorizationRequired { .. }
        | AuthError::OAuth { .. }
        | AuthError::NoRefreshToken { .. }
        | AuthError::TokenNotFound { .. }
        | AuthError::TokenExpired { .. }
        // The login is another server's, app's or version's: log in for this configuration.
        | AuthError::WrongIssuer { .. }
        // The stored token cannot be opened with this key: signing in again replaces it.
        | AuthError::StoreSealed { .. } => Exit::Auth,
        AuthError::UnexpectedStatus { .. }
        | AuthError::RefreshFailedEarlier { .. }
        | AuthError::InvalidTokenResponse { .. }
        | AuthError::Decode { .. } => Exit::Api,
        AuthError::Transport { source, .. } => of_transport(source),
        AuthError::InvalidUrl { .. }
        | AuthError::InvalidTokenKey { .. }
        | AuthError::KeyFile { .. } => Exit::Usage,
        _ => Exit::Failure,
    }
}

/// The exit status for an error of the client library.
pub(crate) fn of_api(error: &ApiError) -> Exit {
    match error {
        ApiError::Config(_)
        | ApiError::InvalidPageSize { .. }
        | ApiError::InvalidTarget { .. }
        | ApiError::WrongFhirVersion { .. }
        | ApiError::VersionUnsupported { .. } => Exit::Usage,
        ApiError::Auth(e) => of_auth(e),
        ApiError::Http { source, .. } => of_transport(source),
        ApiError::ScopeNotGranted { .. } => Exit::Auth,
        ApiError::ForeignNextLink { .. }
        | ApiError::InvalidNextLink { .. }
        | ApiError::PagingLimitReached { .. }
        | ApiError::Fhir { .. }
        | ApiError::Json { .. }
        | ApiError::UnexpectedResource { .. }
        | ApiError::NoPatientId => Exit::Api,
        _ => Exit::Failure,
    }
}

/// The exit status for any error of this program.
pub(crate) fn of(error: &CliError) -> Exit {
    match error {
        CliError::Config(_)
        | CliError::ExportExists { .. }
        | CliError::NotADirectory { .. }
        | CliError::CallbackNotLoopback { .. }
        | CliError::InvalidSetting { .. } => Exit::Usage,
        CliError::Api(e) => of_api(e),
        CliError::Auth(e) => of_auth(e),
        CliError::Unreachable { source, .. } | CliError::ClientRejected { source, .. } => {
            of(source)
        }
        CliError::LoginTimeout { .. }
        | CliError::NoLogin { .. }
        | CliError::LoginMissing { .. }
        | CliError::KeyMissing { .. }
        | CliError::ScopeNotGranted { .. }
        | CliError::CallbackRejected { .. } => Exit::Auth,
        CliError::Resource { .. } => Exit::Api,
        CliError::ChecksFailed { .. }
        | CliError::Io { .. }
        | CliError::Output { .. }
        | CliError::Csv { .. }
        | CliError::Listen { .. }
        | CliError::Runtime { .. }
        | CliError::Signal { .. }
        | CliError::Sandbox(_) => Exit::Failure,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_documented_ones() {
        let all = [
            Exit::Success,
            Exit::Failure,
            Exit::Usage,
            Exit::Auth,
            Exit::Api,
            Exit::Network,
            Exit::Interrupted,
        ];
        let codes: Vec<u8> = all.iter().map(|e| e.code()).collect();
        assert_eq!(codes, [0, 1, 2, 3, 4, 5, 130]);
        for code in &codes[1..] {
            assert!(EXIT_CODES_HELP.contains(&format!("  {code}  ")), "{code}");
        }
    }

    #[test]
    fn auth_errors_that_need_a_new_login_exit_3() {
        for error in [
            AuthError::AccessDenied { description: None },
            AuthError::StateMismatch,
            AuthError::IssuerMismatch {
                expected: Some("https://sandbox.bluebutton.cms.gov".into()),
                found: "https://evil.example".into(),
            },
            AuthError::TokenNotFound {
                key: "default".into(),
            },
            AuthError::ReauthorizationRequired {
                endpoint: bluebutton_auth::Endpoint::TokenRefresh,
                status: StatusCode::BAD_REQUEST,
                error: "invalid_grant".into(),
                description: None,
                reason: bluebutton_auth::ReauthReason::RefreshTokenRefused,
            },
        ] {
            assert_eq!(of_auth(&error), Exit::Auth, "{error}");
            assert_eq!(of_api(&ApiError::Auth(error)), Exit::Auth);
        }
    }

    #[test]
    fn rejected_client_credentials_are_a_configuration_error() {
        let error = AuthError::OAuth {
            endpoint: bluebutton_auth::Endpoint::TokenExchange,
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client".into(),
            description: None,
        };
        assert_eq!(of_auth(&error), Exit::Usage);
    }

    #[test]
    fn unexpected_token_endpoint_status_is_an_api_error() {
        let error = AuthError::UnexpectedStatus {
            endpoint: bluebutton_auth::Endpoint::TokenRefresh,
            status: StatusCode::BAD_GATEWAY,
            excerpt: String::new(),
        };
        assert_eq!(of_auth(&error), Exit::Api);
    }
}
