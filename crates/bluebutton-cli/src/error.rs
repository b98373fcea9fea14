//! The program's one error type: everything a command can fail with, with its context.
//! Messages never contain tokens, codes, state or query values.

use std::path::PathBuf;
use std::time::Duration;

use bluebutton::{AuthError, ConfigError, Error as ApiError};
use url::Url;

/// Why a command failed. [`crate::exit::of`] maps each to an exit code.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    /// The configuration cannot be loaded or is invalid.
    #[error("configuration: {0}")]
    Config(#[from] ConfigError),

    /// A call of the client library failed.
    #[error(transparent)]
    Api(#[from] ApiError),

    /// An OAuth step failed.
    #[error("authorization: {0}")]
    Auth(#[from] AuthError),

    /// `login` needs a loopback `callback_url` (RFC 8252 section 7.3).
    #[error(
        "callback_url {url} cannot be used by `login`: {reason}; set it to a loopback URL such as http://127.0.0.1:8765/callback (and register it for your app)"
    )]
    CallbackNotLoopback {
        /// The configured callback URL.
        url: Box<Url>,
        /// Why it was refused.
        reason: &'static str,
    },

    /// The loopback listener could not be started.
    #[error("cannot listen on {addr} for the login callback: {source}")]
    Listen {
        /// The address.
        addr: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// There is no login of this profile for the configured server, app and API version.
    #[error(
        "no login for profile `{profile}` on {issuer}{}; run `bluebutton --profile {profile} login`",
        others_text(others)
    )]
    NoLogin {
        /// The profile.
        profile: String,
        /// The configuration's issuer.
        issuer: Box<bluebutton_auth::Issuer>,
        /// The other logins in the token store (profile and issuer each).
        others: Vec<String>,
    },

    /// There is no token file or no key to open it: nobody has logged in with this profile.
    #[error("no login for profile `{profile}`: run `bluebutton --profile {profile} login`")]
    LoginMissing {
        /// The profile.
        profile: String,
    },

    /// The token file exists but the key file that opens it does not.
    #[error(
        "the token file {} cannot be opened: its key file {} does not exist; restore it, set BLUEBUTTON_TOKEN_KEY, or run `bluebutton --profile {profile} login` to sign in again",
        store.display(),
        key.display()
    )]
    KeyMissing {
        /// The token file.
        store: PathBuf,
        /// The key file looked for.
        key: PathBuf,
        /// The profile.
        profile: String,
    },

    /// Nobody came back to the callback URL in time.
    #[error("login timed out after {}s without a callback", waited.as_secs())]
    LoginTimeout {
        /// How long `login` waited.
        waited: Duration,
    },

    /// The callback request could not be used (e.g. the listener stopped).
    #[error("login callback: {reason}")]
    CallbackRejected {
        /// Why.
        reason: &'static str,
    },

    /// The token lacks a scope the command needs.
    #[error(
        "{what} needs the `{scope}` scope, which this login did not grant (log in again and share demographic data)"
    )]
    ScopeNotGranted {
        /// The command.
        what: &'static str,
        /// The missing scope.
        scope: &'static str,
    },

    /// A resource received cannot be read with the typed models.
    #[error("a {what} received cannot be read: {source}")]
    Resource {
        /// The resource type expected.
        what: &'static str,
        /// The parse error (line and column, no content).
        #[source]
        source: bluebutton_fhir::FhirError,
    },

    /// Some `fhir check` files failed.
    #[error("{failed} of {total} files failed the check")]
    ChecksFailed {
        /// Files that failed.
        failed: usize,
        /// Files checked.
        total: usize,
    },

    /// A local file or directory could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// Writing to standard output failed.
    #[error("cannot write the output: {source}")]
    Output {
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// Writing CSV failed.
    #[error("cannot write CSV: {source}")]
    Csv {
        /// The CSV error.
        #[source]
        source: csv::Error,
    },

    /// A command-line setting is out of range in a way clap cannot check.
    #[error("{setting}: {reason}")]
    InvalidSetting {
        /// The option.
        setting: &'static str,
        /// Why.
        reason: String,
    },

    /// The async runtime could not be started.
    #[error("cannot start the async runtime: {source}")]
    Runtime {
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// The signal handlers could not be installed.
    #[error("cannot listen for Ctrl-C: {source}")]
    Signal {
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// `export --out` names a directory that already holds an export.
    #[error(
        "{} already holds an export ({}); pass --force to replace it, or choose another --out",
        dir.display(),
        files.join(", ")
    )]
    ExportExists {
        /// The directory.
        dir: PathBuf,
        /// The export files found there.
        files: Vec<String>,
    },

    /// `export --out` names something that is not a directory.
    #[error("--out {}: {what}; --out takes a directory (created if missing)", path.display())]
    NotADirectory {
        /// The path given.
        path: PathBuf,
        /// What is there instead, e.g. "this is a file".
        what: &'static str,
    },

    /// The server could not be reached, after every retry.
    #[error(
        "{source}; `base_url` is {base_url} (from {origin}){}",
        if *loopback { "; is a server running there? `bluebutton sandbox serve` starts a local one" } else { "" }
    )]
    Unreachable {
        /// The network error.
        source: Box<CliError>,
        /// The configured server.
        base_url: Box<Url>,
        /// What set `base_url` (a file, a variable, the environment's default).
        origin: String,
        /// Whether the server is on this machine.
        loopback: bool,
    },

    /// The server refused the app's client id or secret.
    #[error(
        "{source}; the server does not accept this app's credentials: check `client_id` ({client_id_from}) and `client_secret` ({client_secret_from}) against the app's registration"
    )]
    ClientRejected {
        /// The OAuth error, with the server's answer.
        source: Box<CliError>,
        /// Where `client_id` came from.
        client_id_from: String,
        /// Where `client_secret` came from.
        client_secret_from: String,
    },

    /// The sandbox could not start.
    #[error("sandbox: {0}")]
    Sandbox(#[from] bluebutton_sandbox::SandboxError),
}

impl CliError {
    /// An I/O error on `path`.
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> CliError {
        let path = path.into();
        move |source| CliError::Io { path, source }
    }

    /// Whether this is a closed standard output (e.g. piped into `head`): not worth reporting.
    pub(crate) fn is_broken_pipe(&self) -> bool {
        match self {
            CliError::Output { source } => source.kind() == std::io::ErrorKind::BrokenPipe,
            CliError::Csv { source } => matches!(
                source.kind(),
                csv::ErrorKind::Io(e) if e.kind() == std::io::ErrorKind::BrokenPipe
            ),
            _ => false,
        }
    }
}

impl From<std::io::Error> for CliError {
    /// I/O errors without a path are standard output's.
    fn from(source: std::io::Error) -> Self {
        CliError::Output { source }
    }
}

impl From<csv::Error> for CliError {
    fn from(source: csv::Error) -> Self {
        CliError::Csv { source }
    }
}

/// ` (this token store has logins for: a; b)`, or nothing.
fn others_text(others: &[String]) -> String {
    if others.is_empty() {
        String::new()
    } else {
        format!(" (this token store has logins for: {})", others.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_one_line_and_say_what_to_do() {
        let errors = [
            CliError::LoginTimeout {
                waited: Duration::from_secs(300),
            },
            CliError::ScopeNotGranted {
                what: "userinfo",
                scope: "profile",
            },
            CliError::ChecksFailed {
                failed: 2,
                total: 5,
            },
            CliError::Auth(AuthError::AccessDenied { description: None }),
            CliError::Auth(AuthError::StateMismatch),
            CliError::Auth(AuthError::TokenNotFound {
                key: "default".to_owned(),
            }),
            CliError::Listen {
                addr: "127.0.0.1:8765".to_owned(),
                source: std::io::Error::from(std::io::ErrorKind::AddrInUse),
            },
        ];
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert!(text.iter().all(|t| !t.contains('\n')));
        insta::assert_snapshot!(text.join("\n"));
    }

    #[test]
    fn a_closed_stdout_is_recognised() {
        let error = CliError::from(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        assert!(error.is_broken_pipe());
        assert!(
            !CliError::ChecksFailed {
                failed: 1,
                total: 1
            }
            .is_broken_pipe()
        );
    }
}
