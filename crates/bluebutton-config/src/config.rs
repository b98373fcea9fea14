//! The resolved, validated configuration of a client, and its constructors for every source.

use std::path::Path;

use url::Url;

use crate::builder::ConfigBuilder;
use crate::endpoints::Endpoints;
use crate::environment::Environment;
use crate::error::ConfigError;
use crate::keys::ConfigKey;
use crate::loader::ConfigLoader;
use crate::provenance::{Provenance, ValueSource};
use crate::retry::RetrySettings;
use crate::secret::ClientSecret;
use crate::timeouts::Timeouts;
use crate::version::ApiVersion;

/// A complete, validated configuration. `Debug` redacts the client secret.
///
/// Build one with [`Config::builder`], or load one with [`Config::from_file`],
/// [`Config::from_value`], [`Config::from_env`], [`Config::discover`], or a [`ConfigLoader`]
/// to layer several sources (default < file < environment < builder).
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) client_id: String,
    pub(crate) client_secret: ClientSecret,
    pub(crate) callback_url: Url,
    pub(crate) environment: Environment,
    pub(crate) base_url_override: Option<Url>,
    pub(crate) base_url: Url,
    pub(crate) version: ApiVersion,
    pub(crate) token_refresh_on_expire: bool,
    pub(crate) retry_settings: RetrySettings,
    pub(crate) timeouts: Timeouts,
    pub(crate) provenance: Provenance,
    pub(crate) unknown_keys: Vec<String>,
}

impl Config {
    /// A builder; `client_id`, `client_secret` and `callback_url` are required.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// A dict-style configuration, as the Python SDK accepts: an object with snake_case keys or
    /// the Node SDK's camelCase aliases. No environment variables are read.
    pub fn from_value(value: serde_json::Value) -> Result<Config, ConfigError> {
        ConfigLoader::new().value(value).load()
    }

    /// A `.json`, `.yaml` or `.yml` file, as written for either official SDK. Pure: no
    /// environment variables are read (use [`ConfigLoader`] for file + environment).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Config, ConfigError> {
        ConfigLoader::new().file(path).load()
    }

    /// The first of `.bluebutton-config.json`, `.bluebutton-config.yaml`, `.bluebutton-config.yml`
    /// in the current directory (if any), with the `BLUEBUTTON_*` environment variables on top.
    /// ([`ConfigLoader::discover_in`] looks in another directory.)
    pub fn discover() -> Result<Config, ConfigError> {
        ConfigLoader::new().discover_cwd().process_env().load()
    }

    /// The `BLUEBUTTON_*` variables of the process environment only.
    pub fn from_env() -> Result<Config, ConfigError> {
        ConfigLoader::new().process_env().load()
    }

    /// The `BLUEBUTTON_*` variables among `vars` only (other names are ignored).
    pub fn from_env_vars<I, K, V>(vars: I) -> Result<Config, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        ConfigLoader::new().env_vars(vars).load()
    }

    /// The OAuth client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The OAuth client secret (redacted when printed).
    pub fn client_secret(&self) -> &ClientSecret {
        &self.client_secret
    }

    /// The OAuth redirect URI registered for the application.
    pub fn callback_url(&self) -> &Url {
        &self.callback_url
    }

    /// The deployment (default [`Environment::Sandbox`]).
    pub fn environment(&self) -> Environment {
        self.environment
    }

    /// The API version (default [`ApiVersion::V2`]).
    pub fn version(&self) -> ApiVersion {
        self.version
    }

    /// The base URL requests go to: the `base_url` override if set, else the environment's.
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// The `base_url` override, if one was set.
    pub fn base_url_override(&self) -> Option<&Url> {
        self.base_url_override.as_ref()
    }

    /// Whether an expired access token is refreshed automatically (default `true`).
    pub fn token_refresh_on_expire(&self) -> bool {
        self.token_refresh_on_expire
    }

    /// The retry policy.
    pub fn retry_settings(&self) -> &RetrySettings {
        &self.retry_settings
    }

    /// The network time limits.
    pub fn timeouts(&self) -> &Timeouts {
        &self.timeouts
    }

    /// The endpoints of the configured version.
    pub fn endpoints(&self) -> Endpoints {
        self.endpoints_for(self.version)
    }

    /// The endpoints of another version on the same base URL.
    pub fn endpoints_for(&self, version: ApiVersion) -> Endpoints {
        Endpoints::new(&self.base_url, version)
    }

    /// Where every setting came from.
    pub fn provenance(&self) -> &Provenance {
        &self.provenance
    }

    /// Where one setting came from.
    pub fn source_of(&self, key: ConfigKey) -> &ValueSource {
        self.provenance.source_of(key)
    }

    /// The keys of the file or value that this crate does not know, as dotted paths as written
    /// (e.g. `retry_settings.foo`). They do not fail loading.
    pub fn unknown_keys(&self) -> &[String] {
        &self.unknown_keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::builder()
            .client_id("id")
            .client_secret("very-secret-value")
            .callback_url("https://app.example/cb")
            .build()
            .unwrap()
    }

    #[test]
    fn defaults_and_accessors() {
        let c = config();
        assert_eq!(c.environment(), Environment::Sandbox);
        assert_eq!(c.version(), ApiVersion::V2);
        assert!(c.token_refresh_on_expire());
        assert_eq!(c.retry_settings(), &RetrySettings::default());
        assert_eq!(c.timeouts(), &Timeouts::default());
        assert_eq!(c.base_url_override(), None);
        assert_eq!(c.base_url(), &Environment::Sandbox.base_url());
        assert_eq!(c.endpoints(), Endpoints::new(c.base_url(), ApiVersion::V2));
        assert_eq!(
            c.endpoints_for(ApiVersion::V3).token.as_str(),
            "https://sandbox.bluebutton.cms.gov/v3/o/token/"
        );
        assert_eq!(c.source_of(ConfigKey::ClientId), &ValueSource::Builder);
        assert_eq!(c.source_of(ConfigKey::Environment), &ValueSource::Default);
    }

    #[test]
    fn debug_redacts_the_secret() {
        let c = config();
        for text in [format!("{c:?}"), format!("{c:#?}")] {
            assert!(!text.contains("very-secret-value"), "{text}");
        }
    }
}
