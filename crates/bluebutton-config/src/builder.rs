//! A builder for [`Config`] in code; also the top layer when combined with files and the environment.

use std::time::Duration;

use crate::config::Config;
use crate::environment::Environment;
use crate::error::ConfigError;
use crate::keys::{ConfigKey, with_settings};
use crate::kinds::{self, Kind};
use crate::layer::{Layer, Searched, Sourced};
use crate::loader::ConfigLoader;
use crate::provenance::ValueSource;
use crate::retry::RetrySettings;
use crate::secret::ClientSecret;
use crate::timeouts::Timeouts;
use crate::validate::At;
use crate::version::ApiVersion;

/// Builds a [`Config`]. `client_id`, `client_secret` and `callback_url` are required; every
/// other setting has the official SDKs' default. URLs are checked by [`ConfigBuilder::build`].
///
/// Given to [`ConfigLoader::overrides`], the settings made here win over files and environment.
#[must_use]
#[derive(Clone, Debug, Default)]
pub struct ConfigBuilder {
    set: Inputs,
}

macro_rules! define_inputs {
    (
        top { $( $tkey:ident $tfield:ident : $tkind:ident
                 = $tsnake:literal $(/ $tcamel:literal)? , $tenv:literal ; )* }
        $( $group:ident = $gsnake:literal / $gcamel:literal , $gexpected:literal {
            $( $key:ident $field:ident : $kind:ident
               = $snake:literal $(/ $camel:literal)? , $env:literal ; )*
        } )*
    ) => {
        /// The settings made on a builder, not yet checked.
        #[derive(Clone, Debug, Default)]
        struct Inputs {
            $( $tfield: Option<<kinds::$tkind as Kind>::Input>, )*
            $( $( $field: Option<<kinds::$kind as Kind>::Input>, )* )*
        }

        impl Inputs {
            /// Checks every setting made, as the top layer.
            fn into_layer(self) -> Result<Layer, ConfigError> {
                Ok(Layer {
                    $( $tfield: check::<kinds::$tkind>(self.$tfield, ConfigKey::$tkey)?, )*
                    $( $( $field: check::<kinds::$kind>(self.$field, ConfigKey::$key)?, )* )*
                    unknown_keys: Vec::new(),
                    searched: vec![Searched::Whole(ValueSource::Builder)],
                })
            }
        }
    };
}

with_settings!(define_inputs);

/// One builder setting checked as its kind.
fn check<K: Kind>(
    input: Option<K::Input>,
    key: ConfigKey,
) -> Result<Option<Sourced<K::Value>>, ConfigError> {
    let Some(input) = input else { return Ok(None) };
    let at = At {
        origin: &ValueSource::Builder,
        key: key.path(),
    };
    Ok(Some(Sourced::new(
        K::from_input(input, &at)?,
        ValueSource::Builder,
    )))
}

impl ConfigBuilder {
    /// The OAuth client id (required, not empty).
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.set.client_id = Some(client_id.into());
        self
    }

    /// The OAuth client secret (required, not empty).
    pub fn client_secret(mut self, client_secret: impl Into<ClientSecret>) -> Self {
        self.set.client_secret = Some(client_secret.into());
        self
    }

    /// The redirect URI (required): an absolute http(s) URL without fragment. Accepts `&str`,
    /// `String` or `Url`.
    pub fn callback_url(mut self, callback_url: impl Into<String>) -> Self {
        self.set.callback_url = Some(callback_url.into());
        self
    }

    /// The deployment (default SANDBOX).
    pub fn environment(mut self, environment: impl Into<Environment>) -> Self {
        self.set.environment = Some(environment.into());
        self
    }

    /// Overrides the environment's base URL: https, or http for a loopback host only
    /// (`localhost`, 127.0.0.0/8, `[::1]`), e.g. a local sandbox.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.set.base_url = Some(base_url.into());
        self
    }

    /// The API version (default v2).
    pub fn version(mut self, version: impl Into<ApiVersion>) -> Self {
        self.set.version = Some(version.into());
        self
    }

    /// Whether expired access tokens are refreshed automatically (default `true`).
    pub fn token_refresh_on_expire(mut self, refresh: impl Into<bool>) -> Self {
        self.set.token_refresh_on_expire = Some(refresh.into());
        self
    }

    /// Every retry setting at once.
    pub fn retry_settings(mut self, retry: impl Into<RetrySettings>) -> Self {
        let retry = retry.into();
        self.set.retry_total = Some(retry.total);
        self.set.retry_backoff_factor = Some(retry.backoff_factor);
        self.set.retry_status_forcelist = Some(retry.status_forcelist);
        self.set.retry_jitter = Some(retry.jitter);
        self.set.retry_max_backoff = Some(retry.max_backoff);
        self.set.retry_max_retry_after = Some(retry.max_retry_after);
        self
    }

    /// How many retries (0 disables retrying).
    pub fn retry_total(mut self, total: u32) -> Self {
        self.set.retry_total = Some(total);
        self
    }

    /// The backoff factor (0 retries without waiting).
    pub fn retry_backoff_factor(mut self, factor: impl Into<Duration>) -> Self {
        self.set.retry_backoff_factor = Some(factor.into());
        self
    }

    /// The retried HTTP statuses (each 100 to 599).
    pub fn retry_status_forcelist(mut self, statuses: impl IntoIterator<Item = u16>) -> Self {
        self.set.retry_status_forcelist = Some(statuses.into_iter().collect());
        self
    }

    /// Whether transport randomises retry waits.
    pub fn retry_jitter(mut self, jitter: impl Into<bool>) -> Self {
        self.set.retry_jitter = Some(jitter.into());
        self
    }

    /// The cap of one computed retry wait.
    pub fn retry_max_backoff(mut self, max: impl Into<Duration>) -> Self {
        self.set.retry_max_backoff = Some(max.into());
        self
    }

    /// The cap of a server's `Retry-After`.
    pub fn retry_max_retry_after(mut self, max: impl Into<Duration>) -> Self {
        self.set.retry_max_retry_after = Some(max.into());
        self
    }

    /// Both time limits at once.
    pub fn timeouts(mut self, timeouts: impl Into<Timeouts>) -> Self {
        let timeouts = timeouts.into();
        self.set.connect_timeout = Some(timeouts.connect);
        self.set.request_timeout = Some(timeouts.request);
        self
    }

    /// The connect time limit (above zero).
    pub fn connect_timeout(mut self, timeout: impl Into<Duration>) -> Self {
        self.set.connect_timeout = Some(timeout.into());
        self
    }

    /// The whole-request time limit (above zero).
    pub fn request_timeout(mut self, timeout: impl Into<Duration>) -> Self {
        self.set.request_timeout = Some(timeout.into());
        self
    }

    /// Validates and builds the configuration (no file or environment is read).
    pub fn build(self) -> Result<Config, ConfigError> {
        ConfigLoader::new().overrides(self).load()
    }

    /// The settings made here as a validated layer.
    pub(crate) fn into_layer(self) -> Result<Layer, ConfigError> {
        self.set.into_layer()
    }
}
