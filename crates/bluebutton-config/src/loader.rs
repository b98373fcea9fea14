//! Layers configuration sources: defaults, then a file (or value), then environment variables,
//! then builder settings; each later source wins key by key.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::builder::ConfigBuilder;
use crate::config::Config;
use crate::diagnosis::Diagnosis;
use crate::env;
use crate::error::ConfigError;
use crate::file;
use crate::layer::{Layer, Searched};
use crate::partial::layer_from_value;
use crate::provenance::ValueSource;

enum Document {
    None,
    File(PathBuf),
    Discover(Option<PathBuf>),
    Value(serde_json::Value),
}

enum EnvSource {
    None,
    Process,
    Vars(BTreeMap<String, String>),
}

/// Loads a [`Config`] from several sources, with this precedence (highest first):
///
/// 1. builder settings given to [`ConfigLoader::overrides`];
/// 2. `BLUEBUTTON_*` environment variables ([`ConfigLoader::process_env`] or [`ConfigLoader::env_vars`]);
/// 3. one document: a file ([`ConfigLoader::file`]), a discovered file ([`ConfigLoader::discover_in`]),
///    or a value ([`ConfigLoader::value`]);
/// 4. the defaults of the official SDKs.
///
/// Precedence is per key: a file's `retry_settings.total` survives an environment variable that
/// sets only `BLUEBUTTON_RETRY_BACKOFF_FACTOR`. `Debug` shows no values (they may hold the secret).
///
/// ```
/// use bluebutton_config::{ConfigKey, ConfigLoader, ValueSource};
///
/// let config = ConfigLoader::new()
///     .value(serde_json::json!({
///         "clientId": "from-value", "clientSecret": "s", "callbackUrl": "https://app.example/cb",
///     }))
///     .env_vars([("BLUEBUTTON_CLIENT_ID", "from-env")])
///     .load()?;
/// assert_eq!(config.client_id(), "from-env");
/// assert_eq!(config.source_of(ConfigKey::ClientId), &ValueSource::Env("BLUEBUTTON_CLIENT_ID".into()));
/// assert_eq!(config.source_of(ConfigKey::ClientSecret), &ValueSource::Value);
/// # Ok::<(), bluebutton_config::ConfigError>(())
/// ```
#[must_use]
pub struct ConfigLoader {
    document: Document,
    env: EnvSource,
    overrides: Option<ConfigBuilder>,
}

impl Default for ConfigLoader {
    fn default() -> Self {
        ConfigLoader::new()
    }
}

impl ConfigLoader {
    /// No sources yet: loading gives only defaults (and fails for the required settings).
    pub fn new() -> Self {
        ConfigLoader {
            document: Document::None,
            env: EnvSource::None,
            overrides: None,
        }
    }

    /// Reads this file (`.json`, `.yaml`, `.yml`); it must exist.
    pub fn file(mut self, path: impl AsRef<Path>) -> Self {
        self.document = Document::File(path.as_ref().to_path_buf());
        self
    }

    /// Reads the first of `.bluebutton-config.json`, `.yaml`, `.yml` in `dir`, if any exists.
    pub fn discover_in(mut self, dir: impl AsRef<Path>) -> Self {
        self.document = Document::Discover(Some(dir.as_ref().to_path_buf()));
        self
    }

    /// Like [`ConfigLoader::discover_in`] with the current directory (read at load time).
    pub fn discover_cwd(mut self) -> Self {
        self.document = Document::Discover(None);
        self
    }

    /// Uses this dict-style value (snake_case or camelCase keys) as the document.
    pub fn value(mut self, value: serde_json::Value) -> Self {
        self.document = Document::Value(value);
        self
    }

    /// Reads the `BLUEBUTTON_*` variables of the process at load time.
    pub fn process_env(mut self) -> Self {
        self.env = EnvSource::Process;
        self
    }

    /// Uses these variables instead of the process environment (names without the
    /// `BLUEBUTTON_` prefix are ignored; an empty value counts as unset).
    pub fn env_vars<I, K, V>(mut self, vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.env = EnvSource::Vars(env::collect(vars));
        self
    }

    /// Builder settings that win over every other source.
    pub fn overrides(mut self, builder: ConfigBuilder) -> Self {
        self.overrides = Some(builder);
        self
    }

    /// Reads every source, merges them and validates the result.
    pub fn load(self) -> Result<Config, ConfigError> {
        self.merge(false, &mut Vec::new())?.resolve()
    }

    /// Reads every source it can and resolves what it can, collecting every error instead of
    /// stopping at the first: a source that fails to load is left out (its error kept), and a
    /// missing required setting is reported and left empty. For showing what is wrong; use
    /// [`ConfigLoader::load`] to get a configuration to run with.
    pub fn diagnose(self) -> Diagnosis {
        let mut errors = Vec::new();
        let merged = match self.merge(true, &mut errors) {
            Ok(merged) => merged,
            Err(error) => {
                errors.push(error);
                Layer::default()
            }
        };
        let (config, missing) = merged.resolve_lenient();
        errors.extend(missing);
        Diagnosis::new(config, errors)
    }

    /// Merges the sources; with `lenient`, a source that fails is left out and its error
    /// pushed on `errors`.
    fn merge(self, lenient: bool, errors: &mut Vec<ConfigError>) -> Result<Layer, ConfigError> {
        let mut merged = Layer::default();
        let mut add = |merged: &mut Layer, layer: Result<Layer, ConfigError>| match layer {
            Ok(layer) => {
                merged.overlay(layer);
                Ok(())
            }
            Err(error) if lenient => {
                errors.push(error);
                Ok(())
            }
            Err(error) => Err(error),
        };
        match self.document {
            Document::None => {}
            Document::File(path) => add(&mut merged, file_layer(path))?,
            Document::Discover(dir) => {
                let dir = match dir {
                    Some(dir) => dir,
                    None => std::env::current_dir().map_err(|source| ConfigError::ReadFile {
                        path: PathBuf::from("."),
                        source,
                    })?,
                };
                match file::discover(&dir) {
                    Some(path) => add(&mut merged, file_layer(path))?,
                    None => merged.searched.push(Searched::Absent(
                        file::DISCOVERED_FILE_NAMES
                            .iter()
                            .map(|name| dir.join(name))
                            .collect(),
                    )),
                }
            }
            Document::Value(value) => {
                add(&mut merged, layer_from_value(value, &ValueSource::Value))?;
            }
        }
        match self.env {
            EnvSource::None => {}
            EnvSource::Process => {
                let layer = env::process_vars().and_then(|vars| env::layer_from_vars(&vars));
                add(&mut merged, layer)?;
            }
            EnvSource::Vars(vars) => add(&mut merged, env::layer_from_vars(&vars))?,
        }
        if let Some(builder) = self.overrides {
            add(&mut merged, builder.into_layer())?;
        }
        Ok(merged)
    }
}

fn file_layer(path: PathBuf) -> Result<Layer, ConfigError> {
    let document = file::read_document(&path)?;
    layer_from_value(document, &ValueSource::File(path))
}

impl fmt::Debug for ConfigLoader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let document = match &self.document {
            Document::None => "none".to_owned(),
            Document::File(path) => format!("file {}", path.display()),
            Document::Discover(Some(dir)) => format!("discover in {}", dir.display()),
            Document::Discover(None) => "discover in the current directory".to_owned(),
            Document::Value(_) => "value".to_owned(),
        };
        let env = match &self.env {
            EnvSource::None => "none".to_owned(),
            EnvSource::Process => "process".to_owned(),
            EnvSource::Vars(vars) => format!("vars {:?}", vars.keys().collect::<Vec<_>>()),
        };
        f.debug_struct("ConfigLoader")
            .field("document", &document)
            .field("env", &env)
            .field("overrides", &self.overrides)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_no_values() {
        let loader = ConfigLoader::new()
            .value(serde_json::json!({"client_secret": "value-secret"}))
            .env_vars([("BLUEBUTTON_CLIENT_SECRET", "env-secret"), ("OTHER", "x")])
            .overrides(Config::builder().client_secret("builder-secret"));
        let shown = format!("{loader:?}");
        for secret in ["value-secret", "env-secret", "builder-secret"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("BLUEBUTTON_CLIENT_SECRET"));
        assert!(
            !shown.contains("OTHER"),
            "non-BLUEBUTTON variables are dropped: {shown}"
        );
    }

    #[test]
    fn builder_build_equals_loader_with_overrides() {
        let builder = Config::builder()
            .client_id("id")
            .client_secret("s")
            .callback_url("https://app.example/cb");
        let a = builder.clone().build().unwrap();
        let b = ConfigLoader::default().overrides(builder).load().unwrap();
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
    }
}
