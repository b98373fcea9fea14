//! Waiting for the user to stop the program: Ctrl-C (SIGINT) or, on Unix, SIGTERM.

use crate::error::CliError;

/// Once created, SIGINT and SIGTERM no longer end the process: [`Interrupt::received`]
/// resolves when one arrives, so the command can stop cleanly.
pub(crate) struct Interrupt {
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
}

impl Interrupt {
    /// Starts listening.
    pub(crate) fn listen() -> Result<Self, CliError> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let int =
                signal(SignalKind::interrupt()).map_err(|source| CliError::Signal { source })?;
            let term =
                signal(SignalKind::terminate()).map_err(|source| CliError::Signal { source })?;
            Ok(Interrupt { int, term })
        }
        #[cfg(not(unix))]
        {
            Ok(Interrupt {})
        }
    }

    /// Resolves when the user asks the program to stop.
    pub(crate) async fn received(&mut self) {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.int.recv() => {}
                _ = self.term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}
