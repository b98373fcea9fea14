//! HTTP transport of the Blue Button 2.0 SDK: every byte that crosses the network goes through
//! a [`Transport`].
//!
//! - One pooled `reqwest::Client` per transport (rustls with the `ring` provider, gzip, no
//!   redirects), or your own client via [`TransportBuilder::reqwest_client`].
//! - Retry driven by the config's [`RetrySettings`](bluebutton_config::RetrySettings): `GET`/`HEAD`
//!   responses whose status is in `status_forcelist`, 429 always, connection errors and timeouts
//!   are retried after `backoff_factor * 2^(i-1)` (2.5 s, 5 s, 10 s for a factor of 5 s), or
//!   after the server's `Retry-After` (429/503, capped by `max_retry_after`). Other methods are
//!   retried only when a [`Request`] says [`retry(true)`](Request::retry); token requests never.
//! - Connect and per-request timeouts from the config, and a response size limit
//!   ([`DEFAULT_MAX_RESPONSE_BYTES`], 64 MiB) enforced while reading.
//! - Headers built per request (`User-Agent: bluebutton-rs/<version>`, `X-BLUEBUTTON-SDK: rust`,
//!   `X-BLUEBUTTON-SDK-VERSION`, `Accept: application/fhir+json` unless the request sets
//!   [`JSON_ACCEPT`] for an endpoint that serves only JSON); nothing is shared between requests,
//!   so one user's token cannot travel with another's request.
//! - Origin pinning: a request carrying credentials only goes to the base URL's origin, and a URL
//!   with an `access_token` query parameter is refused, before anything is sent.
//! - Typed errors ([`TransportError`]) with the parsed error body ([`ErrorBody`]) and
//!   `WWW-Authenticate` challenge ([`WwwAuthenticate`]); messages never contain tokens or query
//!   values, and neither do the `tracing` spans (`bluebutton_request` with method, path, status,
//!   attempts, elapsed; one `attempt` span per try).
//!
//! # A custom stack: config and transport without the facade
//!
//! ```no_run
//! use bluebutton_config::Config;
//! use bluebutton_transport::{Request, Transport, TransportError};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = Config::builder()
//!     .client_id("my-client-id")
//!     .client_secret("my-client-secret")
//!     .callback_url("http://localhost:3000/callback")
//!     .build()?;
//! let transport = Transport::builder(&config)
//!     .user_agent_suffix("my-app/1.0")
//!     .max_response_bytes(16 * 1024 * 1024)
//!     .build()?;
//!
//! let url = config.endpoints().fhir_base.join("Patient/")?;
//! match transport.send(Request::get(url).bearer("an-access-token")).await {
//!     Ok(response) => {
//!         let bundle: serde_json::Value = response.json()?;
//!         println!("{} after {} attempt(s)", bundle["resourceType"], response.attempts());
//!     }
//!     Err(error) if error.is_invalid_token() => println!("token expired or revoked: refresh it"),
//!     Err(TransportError::Status { status, body, .. }) => println!("{status}: {body}"),
//!     Err(error) => return Err(error.into()),
//! }
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

mod body;
mod client;
mod credentials;
mod error;
mod error_body;
mod observer;
mod redact;
mod request;
mod response;
mod retry;
mod sanitize;
mod secrets;
mod transport;
mod verifier;
mod www_authenticate;

pub use body::DEFAULT_MAX_RESPONSE_BYTES;
pub use client::client_builder;
pub use credentials::{BearerSource, BoxFuture, CredentialError, MAX_REPLAYS};
pub use error::TransportError;
pub use error_body::{ErrorBody, MAX_TEXT_BYTES, OutcomeIssue};
pub use observer::RetryNotice;
pub use redact::redact_url;
pub use request::Request;
pub use response::Response;
pub use sanitize::{
    MAX_SERVER_TEXT_CHARS, has_unsafe_characters, sanitize_server_text, sanitize_server_text_opt,
};
pub use secrets::{MIN_SCRUBBED_RUN, REDACTED, Secrets};
pub use transport::{
    DEFAULT_ACCEPT, JSON_ACCEPT, SDK_VERSION, Transport, TransportBuilder, X_BLUEBUTTON_SDK,
    X_BLUEBUTTON_SDK_VERSION,
};
pub use www_authenticate::WwwAuthenticate;
