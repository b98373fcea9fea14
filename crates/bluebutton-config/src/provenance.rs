//! Where each resolved setting came from (default, file, environment variable, builder), for `config show`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use crate::keys::ConfigKey;

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

#[cfg(test)]
mod tests {
    use super::*;

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
