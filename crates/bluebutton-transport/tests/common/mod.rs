//! Helpers shared by the integration tests: configs and transports pointed at a mock server.
#![allow(dead_code)]

use std::time::Duration;

use bluebutton_config::{Config, RetrySettings};
use bluebutton_transport::{Transport, TransportBuilder, client_builder};
use url::Url;

/// A config whose base URL is `base` (a loopback mock server).
pub(crate) fn config(base: &str, retry: RetrySettings) -> Config {
    Config::builder()
        .client_id("test-client-id")
        .client_secret("test-client-secret")
        .callback_url("http://localhost:3000/callback")
        .base_url(base)
        .retry_settings(retry)
        .build()
        .expect("valid test config")
}

/// Retry settings with `total` retries and a backoff factor of `factor_ms` milliseconds.
pub(crate) fn retry(total: u32, factor_ms: u64) -> RetrySettings {
    let mut settings = RetrySettings::default();
    settings.total = total;
    settings.backoff_factor = Duration::from_millis(factor_ms);
    settings
}

/// A builder whose client has no timers of its own (no idle-pool sweeper, no connect timeout)
/// and no per-request timeout. On tokio's paused clock any pending timer fires as soon as the
/// runtime waits on a socket (the mock server answers from another thread), so without this
/// the measured waits would include jumps to those timers.
pub(crate) fn paused_builder(base: &str, retry: RetrySettings) -> TransportBuilder {
    let client = client_builder()
        .expect("client builder")
        .pool_idle_timeout(None)
        .build()
        .expect("client");
    Transport::builder(&config(base, retry))
        .reqwest_client(client)
        .request_timeout(None)
}

/// [`paused_builder`], built.
pub(crate) fn paused_transport(base: &str, retry: RetrySettings) -> Transport {
    paused_builder(base, retry).build().expect("transport")
}

/// `base` joined with `path`.
pub(crate) fn url(base: &str, path: &str) -> Url {
    Url::parse(base).expect("base url").join(path).expect("url")
}
