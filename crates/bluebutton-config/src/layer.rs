//! The validated settings of one source (a layer), layers merged key by key, and the merge
//! resolved into a [`Config`] with defaults and provenance.

use crate::config::Config;
use crate::error::ConfigError;
use crate::keys::{ConfigKey, with_settings};
use crate::kinds::{self, Kind};
use crate::provenance::{Provenance, ValueSource};
use crate::retry::RetrySettings;
use crate::timeouts::Timeouts;

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
    /// Config files looked for that do not exist.
    Absent(Vec<std::path::PathBuf>),
}

macro_rules! define_layer {
    (
        top { $( $tkey:ident $tfield:ident : $tkind:ident
                 = $tsnake:literal $(/ $tcamel:literal)? , $tenv:literal ; )* }
        $( $group:ident = $gsnake:literal / $gcamel:literal , $gexpected:literal {
            $( $key:ident $field:ident : $kind:ident
               = $snake:literal $(/ $camel:literal)? , $env:literal ; )*
        } )*
    ) => {
        /// The settings one source gave, each validated; `None` = not set by this source.
        #[derive(Clone, Debug, Default)]
        pub(crate) struct Layer {
            $( pub(crate) $tfield: Option<Sourced<<kinds::$tkind as Kind>::Value>>, )*
            $( $( pub(crate) $field: Option<Sourced<<kinds::$kind as Kind>::Value>>, )* )*
            pub(crate) unknown_keys: Vec<String>,
            pub(crate) searched: Vec<Searched>,
        }

        impl Layer {
            /// Puts `upper` on top of `self`: every setting `upper` has wins.
            pub(crate) fn overlay(&mut self, upper: Layer) {
                $( if upper.$tfield.is_some() { self.$tfield = upper.$tfield; } )*
                $( $( if upper.$field.is_some() { self.$field = upper.$field; } )* )*
                self.unknown_keys.extend(upper.unknown_keys);
                self.searched.extend(upper.searched);
            }

            /// Where each setting this layer has came from.
            fn provenance(&self) -> Provenance {
                let mut provenance = Provenance::default();
                $( if let Some(s) = &self.$tfield { provenance.set(ConfigKey::$tkey, s.source.clone()); } )*
                $( $( if let Some(s) = &self.$field { provenance.set(ConfigKey::$key, s.source.clone()); } )* )*
                provenance
            }
        }
    };
}

with_settings!(define_layer);

impl Layer {
    fn missing(&self, key: ConfigKey) -> ConfigError {
        let mut searched = Vec::new();
        let mut absent_files = Vec::new();
        for place in &self.searched {
            match place {
                Searched::Whole(source) => searched.push(source.clone()),
                Searched::Env => searched.push(ValueSource::Env(key.env_var().to_owned())),
                Searched::Absent(files) => absent_files.extend(files.iter().cloned()),
            }
        }
        ConfigError::Missing {
            key,
            searched,
            absent_files,
            unknown_keys: self.unknown_keys.clone(),
        }
    }

    /// Fills defaults, checks that the required settings are present, and records provenance.
    pub(crate) fn resolve(self) -> Result<Config, ConfigError> {
        let (config, mut errors) = self.resolve_lenient();
        if errors.is_empty() {
            Ok(config)
        } else {
            Err(errors.swap_remove(0))
        }
    }

    /// Like [`Layer::resolve`], but a missing required setting is left empty (a placeholder:
    /// the configuration is for display only) and its error collected, in key order.
    pub(crate) fn resolve_lenient(self) -> (Config, Vec<ConfigError>) {
        let provenance = self.provenance();
        fn value<T>(sourced: Option<Sourced<T>>) -> Option<T> {
            sourced.map(|s| s.value)
        }
        let mut errors = Vec::new();
        let client_id = value(self.client_id.clone()).unwrap_or_else(|| {
            errors.push(self.missing(ConfigKey::ClientId));
            String::new()
        });
        let client_secret = value(self.client_secret.clone()).unwrap_or_else(|| {
            errors.push(self.missing(ConfigKey::ClientSecret));
            crate::secret::ClientSecret::new(String::new())
        });
        let callback_url = value(self.callback_url.clone()).unwrap_or_else(|| {
            errors.push(self.missing(ConfigKey::CallbackUrl));
            crate::environment::Environment::Local.base_url()
        });
        let environment = value(self.environment).unwrap_or_default();
        let base_url_override = value(self.base_url);
        let retry_settings = RetrySettings {
            total: value(self.retry_total).unwrap_or(RetrySettings::DEFAULT_TOTAL),
            backoff_factor: value(self.retry_backoff_factor)
                .unwrap_or(RetrySettings::DEFAULT_BACKOFF_FACTOR),
            status_forcelist: value(self.retry_status_forcelist)
                .unwrap_or_else(|| RetrySettings::DEFAULT_STATUS_FORCELIST.to_vec()),
            jitter: value(self.retry_jitter).unwrap_or(false),
            max_backoff: value(self.retry_max_backoff)
                .unwrap_or(RetrySettings::DEFAULT_MAX_BACKOFF),
            max_retry_after: value(self.retry_max_retry_after)
                .unwrap_or(RetrySettings::DEFAULT_MAX_RETRY_AFTER),
        };
        let timeouts = Timeouts {
            connect: value(self.connect_timeout).unwrap_or(Timeouts::DEFAULT_CONNECT),
            request: value(self.request_timeout).unwrap_or(Timeouts::DEFAULT_REQUEST),
        };
        let config = Config {
            client_id,
            client_secret,
            callback_url,
            environment,
            base_url: base_url_override
                .clone()
                .unwrap_or_else(|| environment.base_url()),
            base_url_override,
            version: value(self.version).unwrap_or_default(),
            token_refresh_on_expire: value(self.token_refresh_on_expire).unwrap_or(true),
            retry_settings,
            timeouts,
            provenance,
            unknown_keys: self.unknown_keys,
        };
        (config, errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::ApiVersion;

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
            Err(ConfigError::Missing { key, searched, .. }) => {
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
