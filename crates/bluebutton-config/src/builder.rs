//! A builder for [`Config`] in code; also the top layer when combined with files and the environment.

use std::time::Duration;

use crate::config::Config;
use crate::environment::Environment;
use crate::error::ConfigError;
use crate::layer::{Layer, Searched, Sourced};
use crate::loader::ConfigLoader;
use crate::provenance::{ConfigKey, ValueSource};
use crate::retry::RetrySettings;
use crate::secret::ClientSecret;
use crate::timeouts::Timeouts;
use crate::validate::{self, At};
use crate::version::ApiVersion;

/// Builds a [`Config`]. `client_id`, `client_secret` and `callback_url` are required; every
/// other setting has the official SDKs' default. URLs are checked by [`ConfigBuilder::build`].
///
/// Given to [`ConfigLoader::overrides`], the settings made here win over files and environment.
#[must_use]
#[derive(Clone, Debug, Default)]
pub struct ConfigBuilder {
    client_id: Option<String>,
    client_secret: Option<ClientSecret>,
    callback_url: Option<String>,
    environment: Option<Environment>,
    base_url: Option<String>,
    version: Option<ApiVersion>,
    token_refresh_on_expire: Option<bool>,
    retry_total: Option<u32>,
    retry_backoff_factor: Option<Duration>,
    retry_status_forcelist: Option<Vec<u16>>,
    retry_jitter: Option<bool>,
    retry_max_backoff: Option<Duration>,
    retry_max_retry_after: Option<Duration>,
    connect_timeout: Option<Duration>,
    request_timeout: Option<Duration>,
}

impl ConfigBuilder {
    /// The OAuth client id (required, not empty).
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// The OAuth client secret (required, not empty).
    pub fn client_secret(mut self, client_secret: impl Into<ClientSecret>) -> Self {
        self.client_secret = Some(client_secret.into());
        self
    }

    /// The redirect URI (required): an absolute http(s) URL without fragment. Accepts `&str`,
    /// `String` or `Url`.
    pub fn callback_url(mut self, callback_url: impl Into<String>) -> Self {
        self.callback_url = Some(callback_url.into());
        self
    }

    /// The deployment (default SANDBOX).
    pub fn environment(mut self, environment: impl Into<Environment>) -> Self {
        self.environment = Some(environment.into());
        self
    }

    /// Overrides the environment's base URL: https, or http for a loopback host only
    /// (`localhost`, 127.0.0.0/8, `[::1]`), e.g. a local sandbox.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// The API version (default v2).
    pub fn version(mut self, version: impl Into<ApiVersion>) -> Self {
        self.version = Some(version.into());
        self
    }

    /// Whether expired access tokens are refreshed automatically (default `true`).
    pub fn token_refresh_on_expire(mut self, refresh: impl Into<bool>) -> Self {
        self.token_refresh_on_expire = Some(refresh.into());
        self
    }

    /// Every retry setting at once.
    pub fn retry_settings(mut self, retry: impl Into<RetrySettings>) -> Self {
        let retry = retry.into();
        self.retry_total = Some(retry.total);
        self.retry_backoff_factor = Some(retry.backoff_factor);
        self.retry_status_forcelist = Some(retry.status_forcelist);
        self.retry_jitter = Some(retry.jitter);
        self.retry_max_backoff = Some(retry.max_backoff);
        self.retry_max_retry_after = Some(retry.max_retry_after);
        self
    }

    /// How many retries (0 disables retrying).
    pub fn retry_total(mut self, total: u32) -> Self {
        self.retry_total = Some(total);
        self
    }

    /// The backoff factor (0 retries without waiting).
    pub fn retry_backoff_factor(mut self, factor: impl Into<Duration>) -> Self {
        self.retry_backoff_factor = Some(factor.into());
        self
    }

    /// The retried HTTP statuses (each 100 to 599).
    pub fn retry_status_forcelist(mut self, statuses: impl IntoIterator<Item = u16>) -> Self {
        self.retry_status_forcelist = Some(statuses.into_iter().collect());
        self
    }

    /// Whether transport randomises retry waits.
    pub fn retry_jitter(mut self, jitter: impl Into<bool>) -> Self {
        self.retry_jitter = Some(jitter.into());
        self
    }

    /// The cap of one computed retry wait.
    pub fn retry_max_backoff(mut self, max: impl Into<Duration>) -> Self {
        self.retry_max_backoff = Some(max.into());
        self
    }

    /// The cap of a server's `Retry-After`.
    pub fn retry_max_retry_after(mut self, max: impl Into<Duration>) -> Self {
        self.retry_max_retry_after = Some(max.into());
        self
    }

    /// Both time limits at once.
    pub fn timeouts(mut self, timeouts: impl Into<Timeouts>) -> Self {
        let timeouts = timeouts.into();
        self.connect_timeout = Some(timeouts.connect);
        self.request_timeout = Some(timeouts.request);
        self
    }

    /// The connect time limit (above zero).
    pub fn connect_timeout(mut self, timeout: impl Into<Duration>) -> Self {
        self.connect_timeout = Some(timeout.into());
        self
    }

    /// The whole-request time limit (above zero).
    pub fn request_timeout(mut self, timeout: impl Into<Duration>) -> Self {
        self.request_timeout = Some(timeout.into());
        self
    }

    /// Validates and builds the configuration (no file or environment is read).
    pub fn build(self) -> Result<Config, ConfigError> {
        ConfigLoader::new().overrides(self).load()
    }

    /// The settings made here as a validated layer.
    pub(crate) fn into_layer(self) -> Result<Layer, ConfigError> {
        let origin = ValueSource::Builder;
        let at = |key: ConfigKey| At {
            origin: &ValueSource::Builder,
            key: key.path(),
        };
        let mut layer = Layer {
            searched: vec![Searched::Whole(origin.clone())],
            ..Layer::default()
        };

        if let Some(id) = self.client_id {
            validate::non_empty(&at(ConfigKey::ClientId), &id)?;
            layer.client_id = Some(Sourced::new(id, origin.clone()));
        }
        if let Some(secret) = self.client_secret {
            validate::non_empty(&at(ConfigKey::ClientSecret), secret.expose_secret())?;
            layer.client_secret = Some(Sourced::new(secret, origin.clone()));
        }
        if let Some(url) = self.callback_url {
            let url = validate::callback_url(&at(ConfigKey::CallbackUrl), &url)?;
            layer.callback_url = Some(Sourced::new(url, origin.clone()));
        }
        if let Some(url) = self.base_url {
            let url = validate::base_url(&at(ConfigKey::BaseUrl), &url)?;
            layer.base_url = Some(Sourced::new(url, origin.clone()));
        }
        layer.environment = self.environment.map(|v| Sourced::new(v, origin.clone()));
        layer.version = self.version.map(|v| Sourced::new(v, origin.clone()));
        layer.token_refresh_on_expire = self
            .token_refresh_on_expire
            .map(|v| Sourced::new(v, origin.clone()));
        layer.retry_total = self.retry_total.map(|v| Sourced::new(v, origin.clone()));
        layer.retry_jitter = self.retry_jitter.map(|v| Sourced::new(v, origin.clone()));
        if let Some(codes) = self.retry_status_forcelist {
            let wide: Vec<u64> = codes.iter().map(|&c| u64::from(c)).collect();
            let codes = validate::status_codes(&at(ConfigKey::RetryStatusForcelist), &wide)?;
            layer.retry_status_forcelist = Some(Sourced::new(codes, origin.clone()));
        }
        let durations = [
            (ConfigKey::RetryBackoffFactor, self.retry_backoff_factor),
            (ConfigKey::RetryMaxBackoff, self.retry_max_backoff),
            (ConfigKey::RetryMaxRetryAfter, self.retry_max_retry_after),
            (ConfigKey::ConnectTimeout, self.connect_timeout),
            (ConfigKey::RequestTimeout, self.request_timeout),
        ];
        for (key, value) in durations {
            let Some(value) = value else { continue };
            let value = Some(Sourced::new(
                validate::duration(&at(key), value, key)?,
                origin.clone(),
            ));
            match key {
                ConfigKey::RetryBackoffFactor => layer.retry_backoff_factor = value,
                ConfigKey::RetryMaxBackoff => layer.retry_max_backoff = value,
                ConfigKey::RetryMaxRetryAfter => layer.retry_max_retry_after = value,
                ConfigKey::ConnectTimeout => layer.connect_timeout = value,
                _ => layer.request_timeout = value,
            }
        }
        Ok(layer)
    }
}
