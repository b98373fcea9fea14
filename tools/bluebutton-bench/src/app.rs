//! The registered app the programs act as (from the command line), and a bare HTTP client.

use clap::Args;
use url::Url;

use crate::error::BenchError;

/// The sandbox and the app registered on it.
#[derive(Clone, Debug, Args)]
pub struct AppArgs {
    /// The sandbox's root URL, e.g. `http://127.0.0.1:41234`.
    #[arg(long)]
    pub base_url: Url,
    /// The registered client id.
    #[arg(long)]
    pub client_id: String,
    /// The registered client secret (a sandbox credential, not a real one).
    #[arg(long)]
    pub client_secret: String,
    /// The registered redirect URI.
    #[arg(long)]
    pub redirect_uri: Url,
}

impl AppArgs {
    /// The base URL without a trailing slash.
    pub fn base(&self) -> &str {
        self.base_url.as_str().trim_end_matches('/')
    }

    /// The facade's configuration for this app (API v2, base URL overridden to the sandbox).
    pub fn config(&self) -> Result<bluebutton::Config, BenchError> {
        bluebutton::Config::builder()
            .client_id(self.client_id.clone())
            .client_secret(self.client_secret.clone())
            .callback_url(self.redirect_uri.as_str())
            .base_url(self.base())
            .build()
            .map_err(|e| BenchError::client("config")(bluebutton::Error::from(e)))
    }
}

/// Installs rustls' `ring` provider process-wide (reqwest is compiled without one; plain HTTP
/// still needs it before a client is built). Idempotent.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A bare `reqwest::Client` that does not follow redirects (the authorize step reads the
/// `Location` itself).
pub fn raw_client() -> Result<reqwest::Client, BenchError> {
    install_crypto_provider();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(BenchError::http("build the reqwest client"))
}
