//! The HTTP client the transport builds by default: rustls with the `ring` provider and the
//! platform's certificate verifier, gzip, HTTP/1.1 with pooled connections, no redirects.

use std::sync::Arc;

use crate::error::TransportError;
use crate::verifier::LazyPlatformVerifier;

/// A `reqwest::ClientBuilder` set up like the transport's default client, to customise and pass
/// to [`TransportBuilder::reqwest_client`](crate::TransportBuilder::reqwest_client).
///
/// TLS uses rustls with the `ring` provider and the platform verifier, configured on the builder
/// itself: nothing is installed process-wide. The platform's root certificates are loaded on the
/// first TLS handshake (not when the client is built), so plain-HTTP use never pays for them.
/// Redirects are not followed (OAuth responses must not be), reqwest's own retries are off (the
/// transport retries), and gzip responses are decompressed. The transport adds its connect
/// timeout when it builds its own client; set one here with `connect_timeout` if you build
/// yours.
///
/// Building a `reqwest::Client` some other way needs a rustls crypto provider (this crate
/// compiles reqwest without one), for example
/// `rustls::crypto::ring::default_provider().install_default()`.
///
/// ```
/// let client = bluebutton_transport::client_builder()?
///     .pool_max_idle_per_host(4)
///     .build()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn client_builder() -> Result<reqwest::ClientBuilder, TransportError> {
    let build = |source: rustls::Error| TransportError::Build {
        source: Box::new(source),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    // The platform verifier loads the system roots on the first TLS handshake, not here.
    let verifier = Arc::new(LazyPlatformVerifier::new(Arc::clone(&provider)));
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(build)?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .redirect(reqwest::redirect::Policy::none())
        // The transport's retry loop is the only one, so attempts are counted exactly.
        .retry(reqwest::retry::never()))
}
