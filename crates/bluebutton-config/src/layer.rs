//! Partial configurations (one per source) and their merge into a validated [`Config`].

use std::time::Duration;

use url::Url;

use crate::config::Config;
use crate::environment::Environment;
use crate::error::ConfigError;
use crate::provenance::{ConfigKey, Provenance, ValueSource};
use crate::retry::RetrySettings;
use crate::secret::ClientSecret;
use crate::timeouts::Timeouts;
use crate::version::ApiVersion;

/// A value already validated, with where it came from.
#[derive(Clone, Debug)]
pub(crate) struct Sourced<T> {
    pub(crate) value: T,
    pub(crate) source: ValueSource,
}

impl<T> Sourced<T> {
    pub(crate) fn new(value: T, source: ValueSource) -> Self {
        Sourced { value, source }
    }
}

/// What a layer consulted, to list in a "missing setting" message.
#[derive(Clone, Debug)]
pub(crate) enum Searched {
    /// One file, value or the builder.
    Whole(ValueSource),
    /// The `BLUEBUTTON_*` variables.
    Env,
}

/// The settings one source gave, each validated; `None` = not set by this source.
#[derive(Clone, Debug, Default)]
pub(crate) struct Layer {
    pub(crate) client_id: Option<Sourced<String>>,
    pub(crate) client_secret: Option<Sourced<ClientSecret>>,
    pub(crate) callback_url: Option<Sourced<Url>>,
    pub(crate) environment: Option<Sourced<Environment>>,
    pub(crate) base_url: Option<Sourced<Url>>,
    pub(crate) version: Option<Sourced<ApiVersion>>,
    pub(crate) token_refresh_on_expire: Option<Sourced<bool>>,
    pub(crate) retry_total: Option<Sourced<u32>>,
    pub(crate) retry_backoff_factor: Option<Sourced<Duration>>,
    pub(crate) retry_status_forcelist: Option<Sourced<Vec<u16>>>,
    pub(crate) retry_jitter: Option<Sourced<bool>>,
    pub(crate) retry_max_backoff: Option<Sourced<Duration>>,
    pub(crate) retry_max_retry_after: Option<Sourced<Duration>>,
    pub(crate) connect_timeout: Option<Sourced<Duration>>,
    pub(crate) request_timeout: Option<Sourced<Duration>>,
    pub(crate) unknown_keys: Vec<String>,
    pub(crate) searched: Vec<Searched>,
}

macro_rules! overlay_fields {
    ($lower:ident, $upper:ident: $($field:ident),* $(,)?) => {
        $( if $upper.$field.is_some() { $lower.$field = $upper.$field; } )*
    };
}

impl Layer {
    /// Puts `upper` on top of `self`: every setting `upper` has wins.
    pub(crate) fn overlay(&mut self, upper: Layer) {
        let lower = self;
        overlay_fields!(lower, upper:
            client_id, client_secret, callback_url, environment, base_url, version,
            token_refresh_on_expire, retry_total, retry_backoff_factor, retry_status_forcelist,
            retry_jitter, retry_max_backoff, retry_max_retry_after, connect_timeout, request_timeout,
        );
        lower.unknown_keys.extend(upper.unknown_keys);
        lower.searched.extend(upper.searched);
    }

    fn missing(&self, key: ConfigKey) -> ConfigError {
        let searched = self
            .searched
            .iter()
            .map(|s| match s {
                Searched::Whole(source) => source.clone(),
                Searched::Env => ValueSource::Env(key.env_var().to_owned()),
            })
            .collect();
        ConfigError::Missing { key, searched }
    }

    /// Fills defaults, checks that the required settings are present, and records provenance.
    pub(crate) fn resolve(self) -> Result<Config, ConfigError> {
        let mut provenance = Provenance::default();
        let mut take = |key: ConfigKey, source: &ValueSource| provenance.set(key, source.clone());

        macro_rules! required {
            ($field:ident, $key:expr) => {{
                let Some(sourced) = self.$field.clone() else {
                    return Err(self.missing($key));
                };
                take($key, &sourced.source);
                sourced.value
            }};
        }
        macro_rules! optional {
            ($field:ident, $key:expr, $default:expr) => {{
                match self.$field.clone() {
                    Some(sourced) => {
                        take($key, &sourced.source);
                        sourced.value
                    }
                    None => $default,
                }
            }};
        }

        let client_id = required!(client_id, ConfigKey::ClientId);
        let client_secret = required!(client_secret, ConfigKey::ClientSecret);
        let callback_url = required!(callback_url, ConfigKey::CallbackUrl);
        let environment = optional!(environment, ConfigKey::Environment, Environment::default());
        let base_url_override = match self.base_url.clone() {
            Some(sourced) => {
                take(ConfigKey::BaseUrl, &sourced.source);
                Some(sourced.value)
            }
            None => None,
        };
        let version = optional!(version, ConfigKey::Version, ApiVersion::default());
        let token_refresh_on_expire = optional!(
            token_refresh_on_expire,
            ConfigKey::TokenRefreshOnExpire,
            true
        );
        let retry_settings = RetrySettings {
            total: optional!(
                retry_total,
                ConfigKey::RetryTotal,
                RetrySettings::DEFAULT_TOTAL
            ),
            backoff_factor: optional!(
                retry_backoff_factor,
                ConfigKey::RetryBackoffFactor,
                RetrySettings::DEFAULT_BACKOFF_FACTOR
            ),
            status_forcelist: optional!(
                retry_status_forcelist,
                ConfigKey::RetryStatusForcelist,
                RetrySettings::DEFAULT_STATUS_FORCELIST.to_vec()
            ),
            jitter: optional!(retry_jitter, ConfigKey::RetryJitter, false),
            max_backoff: optional!(
                retry_max_backoff,
                ConfigKey::RetryMaxBackoff,
                RetrySettings::DEFAULT_MAX_BACKOFF
            ),
            max_retry_after: optional!(
                retry_max_retry_after,
                ConfigKey::RetryMaxRetryAfter,
                RetrySettings::DEFAULT_MAX_RETRY_AFTER
            ),
        };
        let timeouts = Timeouts {
            connect: optional!(
                connect_timeout,
                ConfigKey::ConnectTimeout,
                Timeouts::DEFAULT_CONNECT
            ),
            request: optional!(
                request_timeout,
                ConfigKey::RequestTimeout,
                Timeouts::DEFAULT_REQUEST
            ),
        };
        let base_url = base_url_override
            .clone()
            .unwrap_or_else(|| environment.base_url());

        Ok(Config {
            client_id,
            client_secret,
            callback_url,
            environment,
            base_url_override,
            base_url,
            version,
            token_refresh_on_expire,
            retry_settings,
            timeouts,
            provenance,
            unknown_keys: self.unknown_keys,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_id(id: &str, source: ValueSource) -> Layer {
        Layer {
            client_id: Some(Sourced::new(id.to_owned(), source.clone())),
            searched: vec![Searched::Whole(source)],
            ..Layer::default()
        }
    }

    #[test]
    fn upper_layers_win_and_lower_values_survive() {
        let mut merged = with_id("file", ValueSource::Value);
        merged.version = Some(Sourced::new(ApiVersion::V1, ValueSource::Value));
        merged.overlay(with_id("builder", ValueSource::Builder));
        assert_eq!(merged.client_id.as_ref().unwrap().value, "builder");
        assert_eq!(merged.version.as_ref().unwrap().value, ApiVersion::V1);
        assert_eq!(merged.searched.len(), 2);
        let mut empty_upper = Layer::default();
        empty_upper.unknown_keys.push("x".into());
        merged.overlay(empty_upper);
        assert_eq!(merged.client_id.as_ref().unwrap().value, "builder");
        assert_eq!(merged.unknown_keys, ["x"]);
    }

    #[test]
    fn missing_lists_the_env_variable_of_the_key() {
        let layer = Layer {
            searched: vec![Searched::Env, Searched::Whole(ValueSource::Builder)],
            ..Layer::default()
        };
        match layer.resolve() {
            Err(ConfigError::Missing { key, searched }) => {
                assert_eq!(key, ConfigKey::ClientId);
                assert_eq!(
                    searched,
                    [
                        ValueSource::Env("BLUEBUTTON_CLIENT_ID".into()),
                        ValueSource::Builder
                    ]
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
