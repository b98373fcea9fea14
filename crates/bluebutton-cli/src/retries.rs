//! Telling the user about retries and an unreachable server: a line on standard error for
//! each wait of the retry loop longer than a second, and, once the last attempt failed, where
//! the server's address came from.

use std::time::Duration;

use bluebutton::Config;
use bluebutton_config::{ConfigKey, ValueSource};
use bluebutton_transport::{RetryNotice, Transport};
use url::{Host, Url};

use crate::error::CliError;

/// Waits up to this long pass silently (a short wait is not worth a line).
const QUIET_WAIT: Duration = Duration::from_secs(1);

/// The transport of `config`, which says each retry whose wait exceeds a second.
pub(crate) fn transport(config: &Config) -> Result<Transport, CliError> {
    Transport::builder(config)
        .on_retry(|notice: &RetryNotice| {
            if notice.wait > QUIET_WAIT {
                eprintln!("bluebutton: {notice}");
            }
        })
        .build()
        .map_err(|e| CliError::Api(bluebutton::Error::ClientBuild(Box::new(e))))
}

/// Where the configured server is, for the message after the last attempt: the `base_url`,
/// what set it, and whether it is on this machine.
pub(crate) fn server_origin(config: &Config) -> (Url, String, bool) {
    let url = config.base_url().clone();
    let origin = match config.source_of(ConfigKey::BaseUrl) {
        ValueSource::Default => format!(
            "the default of environment {} ({})",
            config.environment(),
            config.source_of(ConfigKey::Environment)
        ),
        source => source.to_string(),
    };
    let loopback = match url.host() {
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    (url, origin, loopback)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_origin_of_base_url_is_named() {
        let config = bluebutton_config::ConfigLoader::new()
            .value(serde_json::json!({
                "client_id": "a", "client_secret": "b",
                "callback_url": "http://127.0.0.1:8765/callback",
                "environment": "LOCAL",
            }))
            .load()
            .unwrap();
        let (url, origin, loopback) = server_origin(&config);
        assert_eq!(url.as_str(), "http://localhost:8000/");
        assert_eq!(origin, "the default of environment LOCAL (config value)");
        assert!(loopback);

        let config = bluebutton_config::ConfigLoader::new()
            .value(serde_json::json!({
                "client_id": "a", "client_secret": "b",
                "callback_url": "http://127.0.0.1:8765/callback",
                "base_url": "https://api.example.org",
            }))
            .load()
            .unwrap();
        let (_, origin, loopback) = server_origin(&config);
        assert_eq!(origin, "config value");
        assert!(!loopback);
    }
}
