//! [`BenchError`]: why a measured program could not finish.

use std::path::PathBuf;

/// Why a bench program failed (it then exits non-zero and the run reports the row as failed).
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// An HTTP request failed (connection, status or body).
    #[error("{what}: {source}")]
    Http {
        /// What was being requested.
        what: &'static str,
        /// The reqwest error.
        #[source]
        source: reqwest::Error,
    },
    /// The server answered something unexpected.
    #[error("{what}: {detail}")]
    Unexpected {
        /// What was being done.
        what: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// A JSON body did not parse.
    #[error("{what}: {source}")]
    Json {
        /// What was parsed.
        what: &'static str,
        /// The serde_json error.
        #[source]
        source: serde_json::Error,
    },
    /// The client library failed.
    #[error("{what}: {source}")]
    Client {
        /// What was being done.
        what: &'static str,
        /// The library's error.
        #[source]
        source: Box<bluebutton::Error>,
    },
    /// The sandbox failed to start.
    #[error("sandbox: {0}")]
    Sandbox(#[from] bluebutton_sandbox::SandboxError),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

impl BenchError {
    /// Wraps a client library error with what was being done.
    pub fn client(what: &'static str) -> impl FnOnce(bluebutton::Error) -> BenchError {
        move |source| BenchError::Client {
            what,
            source: Box::new(source),
        }
    }

    /// Wraps a reqwest error with what was being requested.
    pub fn http(what: &'static str) -> impl FnOnce(reqwest::Error) -> BenchError {
        move |source| BenchError::Http { what, source }
    }

    /// Wraps a serde_json error with what was being parsed.
    pub fn json(what: &'static str) -> impl FnOnce(serde_json::Error) -> BenchError {
        move |source| BenchError::Json { what, source }
    }
}
