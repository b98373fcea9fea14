//! What a configuration's sources resolve to when some of them are wrong: the settings found,
//! and every error, for a diagnostic display.

use crate::config::Config;
use crate::error::ConfigError;
use crate::keys::ConfigKey;

/// The result of [`ConfigLoader::diagnose`](crate::ConfigLoader::diagnose): the settings that
/// resolved and every error met.
///
/// ```
/// use bluebutton_config::{ConfigKey, ConfigLoader};
///
/// let diagnosis = ConfigLoader::new()
///     .value(serde_json::json!({"client_id": "abc", "client_secert": "s"}))
///     .diagnose();
/// assert_eq!(diagnosis.config().client_id(), "abc");
/// assert_eq!(diagnosis.unresolved(), [ConfigKey::ClientSecret, ConfigKey::CallbackUrl]);
/// assert!(diagnosis.errors()[0].to_string().contains("did you mean `client_secret`?"));
/// ```
#[derive(Debug)]
pub struct Diagnosis {
    config: Config,
    errors: Vec<ConfigError>,
    unresolved: Vec<ConfigKey>,
}

impl Diagnosis {
    pub(crate) fn new(config: Config, errors: Vec<ConfigError>) -> Self {
        let unresolved = errors
            .iter()
            .filter_map(|e| match e {
                ConfigError::Missing { key, .. } => Some(*key),
                _ => None,
            })
            .collect();
        Diagnosis {
            config,
            errors,
            unresolved,
        }
    }

    /// The settings that resolved, with their sources. The required settings in
    /// [`Diagnosis::unresolved`] hold empty placeholders: show this configuration, never run
    /// with it.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Every error, in the order of the sources, then the missing settings.
    pub fn errors(&self) -> &[ConfigError] {
        &self.errors
    }

    /// The required settings that no source gave.
    pub fn unresolved(&self) -> &[ConfigKey] {
        &self.unresolved
    }

    /// Every error, by value.
    pub fn into_errors(self) -> Vec<ConfigError> {
        self.errors
    }

    /// The settings that resolved (see [`Diagnosis::config`]: placeholders for the
    /// [`Diagnosis::unresolved`] ones), for a caller that needs none of those.
    pub fn into_config(self) -> Config {
        self.config
    }

    /// The configuration when there is no error, else the first error.
    pub fn into_result(mut self) -> Result<Config, ConfigError> {
        if self.errors.is_empty() {
            Ok(self.config)
        } else {
            Err(self.errors.swap_remove(0))
        }
    }
}
