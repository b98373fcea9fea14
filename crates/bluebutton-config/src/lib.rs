//! Configuration of a Blue Button 2.0 client: where it connects, who it is, and how it retries.
//!
//! A [`Config`] holds the OAuth client (id, [`ClientSecret`], callback URL), the [`Environment`]
//! (or a `base_url` override), the [`ApiVersion`], token refresh, [`RetrySettings`] and
//! [`Timeouts`], and derives every [`Endpoints`] URL. It can come from:
//!
//! - the [`ConfigBuilder`] ([`Config::builder`]);
//! - a `.json`, `.yaml` or `.yml` file ([`Config::from_file`]) or a dict-style
//!   [`serde_json::Value`] ([`Config::from_value`]), written for either official SDK: Python's
//!   snake_case keys (`client_id`, `retry_settings.backoff_factor`, …) and Node's camelCase
//!   aliases (`clientId`, `retrySettings.backoffFactor`, …) mean the same;
//! - the `BLUEBUTTON_*` environment variables ([`Config::from_env`], see [`ConfigKey::env_var`]);
//! - [`Config::discover`]: `./.bluebutton-config.json`, else `.yaml`, else `.yml`, with the
//!   environment variables on top.
//!
//! [`ConfigLoader`] layers them, per key: **builder > environment > file > default**.
//! [`Config::source_of`] and [`Config::provenance`] say where each value came from;
//! [`Config::unknown_keys`] lists the keys of a file that were not understood (they do not fail;
//! a missing setting's error names them with the closest known key).
//! [`ConfigLoader::diagnose`] resolves what it can and collects every error, for a diagnostic
//! display such as the CLI's `config show`.
//!
//! Defaults and checks (the official SDKs' defaults, stricter validation):
//!
//! | Setting | Default | Accepted |
//! |---|---|---|
//! | `client_id`, `client_secret` | required | non-empty strings (Python accepts `""`; we do not) |
//! | `callback_url` | required | absolute `http`/`https` URL, no credentials, no fragment |
//! | `environment` | `SANDBOX` (as Node; Python requires it) | `LOCAL`, `TEST`, `SANDBOX`, `PRODUCTION`, any case |
//! | `base_url` | the environment's | `https`, or `http` only for `localhost`, 127.0.0.0/8 and `[::1]`; no query |
//! | `version` | 2 | `1`, `2`, `3`, `"2"`, `"v2"` |
//! | `token_refresh_on_expire` | `true` | a boolean |
//! | `retry_settings.total` | 3 | whole number; `0` disables retrying |
//! | `retry_settings.backoff_factor` | 5 (seconds) | finite number `>= 0`; `0` retries without waiting (Node rejects it) |
//! | `retry_settings.status_forcelist` | `[500, 502, 503, 504]` | statuses 100 to 599 |
//! | `retry_settings.jitter` / `max_backoff` / `max_retry_after` | `false` / 120 / 120 | ours |
//! | `timeouts.connect` / `timeouts.request` | 10 / 60 (seconds) | numbers `> 0` |
//!
//! `null` counts as absent (the default applies), like the Node SDK. The Python SDK's tests pass
//! a `base_url` key "to no effect"; here `base_url` (or `baseUrl`) is honoured as the override.
//! The client secret never appears in `Debug`, `Display` or any [`ConfigError`] message.
//!
//! # Examples
//!
//! In code:
//!
//! ```
//! use std::time::Duration;
//! use bluebutton_config::{ApiVersion, Config, Environment};
//!
//! let config = Config::builder()
//!     .client_id("my-client-id")
//!     .client_secret("my-client-secret")
//!     .callback_url("http://localhost:3000/callback")
//!     .environment(Environment::Sandbox)
//!     .version(ApiVersion::V2)
//!     .retry_total(2)
//!     .build()?;
//! assert_eq!(config.endpoints().token.as_str(), "https://sandbox.bluebutton.cms.gov/v2/o/token/");
//! assert_eq!(config.retry_settings().backoff_factor, Duration::from_secs(5));
//! assert_eq!(format!("{:?}", config.client_secret()), "[redacted]");
//! # Ok::<(), bluebutton_config::ConfigError>(())
//! ```
//!
//! From a file written for the Node SDK (a YAML file with Python keys works the same):
//!
//! ```
//! use bluebutton_config::{Config, ConfigKey, Environment, ValueSource};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join(".bluebutton-config.json");
//! std::fs::write(&path, r#"{
//!     "clientId": "foo", "clientSecret": "bar", "callbackUrl": "https://app.example/callback",
//!     "environment": "PRODUCTION", "retrySettings": {"total": 7, "backoffFactor": 0.5}
//! }"#).unwrap();
//!
//! let config = Config::from_file(&path)?;
//! assert_eq!(config.environment(), Environment::Production);
//! assert_eq!(config.base_url().as_str(), "https://api.bluebutton.cms.gov/");
//! assert_eq!(config.retry_settings().total, 7);
//! assert_eq!(config.source_of(ConfigKey::RetryTotal), &ValueSource::File(path.clone()));
//! assert_eq!(config.source_of(ConfigKey::Version), &ValueSource::Default);
//! # Ok::<(), bluebutton_config::ConfigError>(())
//! ```
#![deny(missing_docs)]

mod builder;
mod config;
mod depth;
mod diagnosis;
mod endpoints;
mod env;
mod environment;
mod error;
mod file;
mod keys;
mod kinds;
mod layer;
mod loader;
mod partial;
mod provenance;
mod retry;
mod secret;
mod timeouts;
mod unique_keys;
mod validate;
mod version;

pub use builder::ConfigBuilder;
pub use config::Config;
pub use depth::MAX_CONFIG_DEPTH;
pub use diagnosis::Diagnosis;
pub use endpoints::Endpoints;
pub use environment::Environment;
pub use error::{ConfigError, describe_unknown_key};
pub use file::{DISCOVERED_FILE_NAMES, MAX_CONFIG_FILE_BYTES};
pub use keys::ConfigKey;
pub use loader::ConfigLoader;
pub use provenance::{Provenance, ValueSource};
pub use retry::RetrySettings;
pub use secret::{ClientSecret, REDACTED};
pub use timeouts::Timeouts;
pub use unique_keys::TextPosition;
pub use version::ApiVersion;
