//! The platform certificate verifier, built on the first TLS handshake instead of when the
//! client is built: loading the system's root certificates (on Linux, every file of the
//! certificate directory) costs a few milliseconds that a plain-HTTP base URL (the local
//! sandbox) or a short-lived process that never connects should not pay.

use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use rustls_platform_verifier::Verifier;

/// [`rustls_platform_verifier::Verifier`], created on first use and then shared.
#[derive(Debug)]
pub(crate) struct LazyPlatformVerifier {
    provider: Arc<CryptoProvider>,
    inner: OnceLock<Result<Verifier, rustls::Error>>,
}

impl LazyPlatformVerifier {
    /// A verifier for `provider` that loads the platform's roots when first needed.
    pub(crate) fn new(provider: Arc<CryptoProvider>) -> Self {
        Self {
            provider,
            inner: OnceLock::new(),
        }
    }

    /// The platform verifier, created now if needed (a failure is kept and returned again).
    fn verifier(&self) -> Result<&Verifier, rustls::Error> {
        self.inner
            .get_or_init(|| Verifier::new(Arc::clone(&self.provider)))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Whether the platform verifier has been created.
    #[cfg(test)]
    fn is_loaded(&self) -> bool {
        self.inner.get().is_some()
    }
}

impl ServerCertVerifier for LazyPlatformVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.verifier()?.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.verifier()?.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.verifier()?.verify_tls13_signature(message, cert, dss)
    }

    /// The provider's schemes (what the platform verifier reports too), without loading roots.
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider() -> Arc<CryptoProvider> {
        Arc::new(rustls::crypto::ring::default_provider())
    }

    #[test]
    fn nothing_is_loaded_until_a_certificate_is_checked() {
        let lazy = LazyPlatformVerifier::new(provider());
        assert!(!lazy.supported_verify_schemes().is_empty());
        assert!(!lazy.is_loaded(), "listing schemes must not load the roots");
        let server = ServerName::try_from("example.com").expect("name");
        let bogus = CertificateDer::from(vec![0u8; 8]);
        let result = lazy.verify_server_cert(&bogus, &[], &server, &[], UnixTime::now());
        assert!(result.is_err(), "a garbage certificate is rejected");
        assert!(
            lazy.is_loaded(),
            "the first check loads the platform verifier"
        );
    }

    #[test]
    fn reports_the_same_schemes_as_the_platform_verifier() {
        let lazy = LazyPlatformVerifier::new(provider());
        let eager = Verifier::new(provider()).expect("platform verifier");
        assert_eq!(
            lazy.supported_verify_schemes(),
            eager.supported_verify_schemes()
        );
    }
}
