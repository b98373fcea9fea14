//! The crate's error type: what can go wrong while building or starting a sandbox.

use std::net::SocketAddr;
use std::path::PathBuf;

/// An error from building or starting a [`Sandbox`](crate::Sandbox).
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The listening socket could not be bound.
    #[error("could not bind the sandbox to {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A file of the data directory could not be read.
    #[error("could not read sandbox data file {path}: {source}")]
    ReadData {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A file of the data directory is not JSON.
    #[error("sandbox data file {path} is not valid JSON: {source}")]
    ParseData {
        /// The file.
        path: PathBuf,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
    /// The data directory holds no usable beneficiary.
    #[error("sandbox data directory {path} holds no Patient resource")]
    NoPatient {
        /// The directory.
        path: PathBuf,
    },
    /// A builder setting is out of range.
    #[error("invalid sandbox setting `{setting}`: {reason}")]
    InvalidSetting {
        /// The builder setting.
        setting: &'static str,
        /// Why it is rejected.
        reason: String,
    },
    /// A redirect URI given to the builder is not an absolute URL.
    #[error("invalid redirect URI {uri:?}: {source}")]
    RedirectUri {
        /// The text given.
        uri: String,
        /// The parse error.
        #[source]
        source: url::ParseError,
    },
}
