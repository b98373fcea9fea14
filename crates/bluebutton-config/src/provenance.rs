//! Where each resolved setting came from (default, file, environment variable, builder), for `config show`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

/// One setting of [`Config`](crate::Config), with its file key, Node alias and environment variable.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConfigKey {
    /// `client_id` / `clientId` / `BLUEBUTTON_CLIENT_ID`
    ClientId,
    /// `client_secret` / `clientSecret` / `BLUEBUTTON_CLIENT_SECRET`
    ClientSecret,
    /// `callback_url` / `callbackUrl` / `BLUEBUTTON_CALLBACK_URL`
    CallbackUrl,
    /// `environment` / `BLUEBUTTON_ENVIRONMENT`
    Environment,
    /// `base_url` / `baseUrl` / `BLUEBUTTON_BASE_URL`
    BaseUrl,
    /// `version` / `BLUEBUTTON_VERSION`
    Version,
    /// `token_refresh_on_expire` / `tokenRefreshOnExpire` / `BLUEBUTTON_TOKEN_REFRESH_ON_EXPIRE`
    TokenRefreshOnExpire,
    /// `retry_settings.total` / `BLUEBUTTON_RETRY_TOTAL`
    RetryTotal,
    /// `retry_settings.backoff_factor` / `retrySettings.backoffFactor` / `BLUEBUTTON_RETRY_BACKOFF_FACTOR`
    RetryBackoffFactor,
    /// `retry_settings.status_forcelist` / `retrySettings.statusForcelist` / `BLUEBUTTON_RETRY_STATUS_FORCELIST`
    RetryStatusForcelist,
    /// `retry_settings.jitter` / `BLUEBUTTON_RETRY_JITTER`
    RetryJitter,
    /// `retry_settings.max_backoff` / `retrySettings.maxBackoff` / `BLUEBUTTON_RETRY_MAX_BACKOFF`
    RetryMaxBackoff,
    /// `retry_settings.max_retry_after` / `retrySettings.maxRetryAfter` / `BLUEBUTTON_RETRY_MAX_RETRY_AFTER`
    RetryMaxRetryAfter,
    /// `timeouts.connect` / `BLUEBUTTON_CONNECT_TIMEOUT`
    ConnectTimeout,
    /// `timeouts.request` / `BLUEBUTTON_REQUEST_TIMEOUT`
    RequestTimeout,
}

impl ConfigKey {
    /// Every key, in display order.
    pub const ALL: [ConfigKey; 15] = [
        ConfigKey::ClientId,
        ConfigKey::ClientSecret,
        ConfigKey::CallbackUrl,
        ConfigKey::Environment,
        ConfigKey::BaseUrl,
        ConfigKey::Version,
        ConfigKey::TokenRefreshOnExpire,
        ConfigKey::RetryTotal,
        ConfigKey::RetryBackoffFactor,
        ConfigKey::RetryStatusForcelist,
        ConfigKey::RetryJitter,
        ConfigKey::RetryMaxBackoff,
        ConfigKey::RetryMaxRetryAfter,
        ConfigKey::ConnectTimeout,
        ConfigKey::RequestTimeout,
    ];

    /// The dotted snake_case path in a file (Python SDK spelling), e.g. `retry_settings.total`.
    pub fn path(&self) -> &'static str {
        match self {
            ConfigKey::ClientId => "client_id",
            ConfigKey::ClientSecret => "client_secret",
            ConfigKey::CallbackUrl => "callback_url",
            ConfigKey::Environment => "environment",
            ConfigKey::BaseUrl => "base_url",
            ConfigKey::Version => "version",
            ConfigKey::TokenRefreshOnExpire => "token_refresh_on_expire",
            ConfigKey::RetryTotal => "retry_settings.total",
            ConfigKey::RetryBackoffFactor => "retry_settings.backoff_factor",
            ConfigKey::RetryStatusForcelist => "retry_settings.status_forcelist",
            ConfigKey::RetryJitter => "retry_settings.jitter",
            ConfigKey::RetryMaxBackoff => "retry_settings.max_backoff",
            ConfigKey::RetryMaxRetryAfter => "retry_settings.max_retry_after",
            ConfigKey::ConnectTimeout => "timeouts.connect",
            ConfigKey::RequestTimeout => "timeouts.request",
        }
    }

    /// The dotted camelCase path (Node SDK spelling), e.g. `retrySettings.backoffFactor`.
    pub fn camel_path(&self) -> &'static str {
        match self {
            ConfigKey::ClientId => "clientId",
            ConfigKey::ClientSecret => "clientSecret",
            ConfigKey::CallbackUrl => "callbackUrl",
            ConfigKey::Environment => "environment",
            ConfigKey::BaseUrl => "baseUrl",
            ConfigKey::Version => "version",
            ConfigKey::TokenRefreshOnExpire => "tokenRefreshOnExpire",
            ConfigKey::RetryTotal => "retrySettings.total",
            ConfigKey::RetryBackoffFactor => "retrySettings.backoffFactor",
            ConfigKey::RetryStatusForcelist => "retrySettings.statusForcelist",
            ConfigKey::RetryJitter => "retrySettings.jitter",
            ConfigKey::RetryMaxBackoff => "retrySettings.maxBackoff",
            ConfigKey::RetryMaxRetryAfter => "retrySettings.maxRetryAfter",
            ConfigKey::ConnectTimeout => "timeouts.connect",
            ConfigKey::RequestTimeout => "timeouts.request",
        }
    }

    /// The environment variable that overrides this setting.
    pub fn env_var(&self) -> &'static str {
        match self {
            ConfigKey::ClientId => "BLUEBUTTON_CLIENT_ID",
            ConfigKey::ClientSecret => "BLUEBUTTON_CLIENT_SECRET",
            ConfigKey::CallbackUrl => "BLUEBUTTON_CALLBACK_URL",
            ConfigKey::Environment => "BLUEBUTTON_ENVIRONMENT",
            ConfigKey::BaseUrl => "BLUEBUTTON_BASE_URL",
            ConfigKey::Version => "BLUEBUTTON_VERSION",
            ConfigKey::TokenRefreshOnExpire => "BLUEBUTTON_TOKEN_REFRESH_ON_EXPIRE",
            ConfigKey::RetryTotal => "BLUEBUTTON_RETRY_TOTAL",
            ConfigKey::RetryBackoffFactor => "BLUEBUTTON_RETRY_BACKOFF_FACTOR",
            ConfigKey::RetryStatusForcelist => "BLUEBUTTON_RETRY_STATUS_FORCELIST",
            ConfigKey::RetryJitter => "BLUEBUTTON_RETRY_JITTER",
            ConfigKey::RetryMaxBackoff => "BLUEBUTTON_RETRY_MAX_BACKOFF",
            ConfigKey::RetryMaxRetryAfter => "BLUEBUTTON_RETRY_MAX_RETRY_AFTER",
            ConfigKey::ConnectTimeout => "BLUEBUTTON_CONNECT_TIMEOUT",
            ConfigKey::RequestTimeout => "BLUEBUTTON_REQUEST_TIMEOUT",
        }
    }

    /// Whether the value is secret (then it is shown as `[redacted]`).
    pub fn is_secret(&self) -> bool {
        matches!(self, ConfigKey::ClientSecret)
    }
}

impl fmt::Display for ConfigKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.path())
    }
}

/// Where a value came from.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ValueSource {
    /// The built-in default (for `base_url`: derived from `environment`).
    Default,
    /// A configuration file.
    File(PathBuf),
    /// An in-memory value given to [`Config::from_value`](crate::Config::from_value).
    Value,
    /// An environment variable (its name).
    Env(String),
    /// A [`ConfigBuilder`](crate::ConfigBuilder) setter.
    Builder,
}

impl fmt::Display for ValueSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueSource::Default => f.write_str("default"),
            ValueSource::File(path) => write!(f, "config file {}", path.display()),
            ValueSource::Value => f.write_str("config value"),
            ValueSource::Env(name) => write!(f, "environment variable {name}"),
            ValueSource::Builder => f.write_str("builder"),
        }
    }
}

/// The source of every setting of a resolved [`Config`](crate::Config).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Provenance {
    sources: BTreeMap<ConfigKey, ValueSource>,
}

static DEFAULT_SOURCE: ValueSource = ValueSource::Default;

impl Provenance {
    /// Where `key` came from; [`ValueSource::Default`] when nothing set it.
    pub fn source_of(&self, key: ConfigKey) -> &ValueSource {
        self.sources.get(&key).unwrap_or(&DEFAULT_SOURCE)
    }

    /// Every key with its source, in [`ConfigKey::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (ConfigKey, &ValueSource)> + '_ {
        ConfigKey::ALL
            .into_iter()
            .map(move |key| (key, self.source_of(key)))
    }

    pub(crate) fn set(&mut self, key: ConfigKey, source: ValueSource) {
        if source == ValueSource::Default {
            self.sources.remove(&key);
        } else {
            self.sources.insert(key, source);
        }
    }
}

/// One row of [`Config::describe`](crate::Config::describe): a setting, its value as text
/// (`[redacted]` for the secret) and its source.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigRow {
    /// The setting.
    pub key: ConfigKey,
    /// The value as text; the client secret is `[redacted]`.
    pub value: String,
    /// Where the value came from.
    pub source: ValueSource,
}

impl fmt::Display for ConfigRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} = {} ({})", self.key, self.value, self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_distinct_and_complete() {
        let mut paths: Vec<_> = ConfigKey::ALL.iter().map(|k| k.path()).collect();
        let mut vars: Vec<_> = ConfigKey::ALL.iter().map(|k| k.env_var()).collect();
        paths.sort_unstable();
        paths.dedup();
        vars.sort_unstable();
        vars.dedup();
        assert_eq!(paths.len(), ConfigKey::ALL.len());
        assert_eq!(vars.len(), ConfigKey::ALL.len());
        assert!(
            ConfigKey::ALL
                .iter()
                .all(|k| k.env_var().starts_with("BLUEBUTTON_"))
        );
        assert_eq!(
            ConfigKey::ALL.iter().filter(|k| k.is_secret()).count(),
            1,
            "only the client secret is secret"
        );
    }

    #[test]
    fn unset_keys_are_default() {
        let mut p = Provenance::default();
        p.set(ConfigKey::ClientId, ValueSource::Builder);
        assert_eq!(p.source_of(ConfigKey::ClientId), &ValueSource::Builder);
        assert_eq!(p.source_of(ConfigKey::Version), &ValueSource::Default);
        assert_eq!(p.iter().count(), ConfigKey::ALL.len());
        p.set(ConfigKey::ClientId, ValueSource::Default);
        assert_eq!(p.source_of(ConfigKey::ClientId), &ValueSource::Default);
    }

    #[test]
    fn sources_display() {
        let shown: Vec<String> = [
            ValueSource::Default,
            ValueSource::File(PathBuf::from("/tmp/.bluebutton-config.json")),
            ValueSource::Value,
            ValueSource::Env("BLUEBUTTON_CLIENT_ID".into()),
            ValueSource::Builder,
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        insta::assert_snapshot!(shown.join("\n"), @r"
        default
        config file /tmp/.bluebutton-config.json
        config value
        environment variable BLUEBUTTON_CLIENT_ID
        builder
        ");
    }
}
