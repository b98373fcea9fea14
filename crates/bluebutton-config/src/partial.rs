//! Reads a dict-style configuration (parsed JSON or YAML) into a validated layer with serde:
//! snake_case keys of the Python SDK, camelCase aliases of the Node SDK, `null` as absent,
//! errors naming the key as written, unknown keys collected.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::marker::PhantomData;

use serde::de::{self, IgnoredAny};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use crate::error::{ConfigError, kind_of};
use crate::keys::{camel_or_snake, with_settings};
use crate::kinds::{self, Kind};
use crate::layer::{Layer, Searched, Sourced};
use crate::provenance::ValueSource;
use crate::validate::At;

thread_local! {
    /// The refusal of the last [`Checked`] value that failed: serde carries only a message, so
    /// the typed error waits here until [`layer_from_value`] places it at its path.
    static REFUSED: RefCell<Option<ConfigError>> = const { RefCell::new(None) };
}

/// A setting's value, checked as its kind `K` while serde reads the document.
struct Checked<K: Kind>(K::Value, PhantomData<K>);

impl<'de, K: Kind> Deserialize<'de> for Checked<K> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Value::deserialize(deserializer)?;
        let at = At {
            origin: &ValueSource::Value,
            key: "",
        };
        match K::from_json(&raw, &at) {
            Ok(value) => Ok(Checked(value, PhantomData)),
            Err(refused) => {
                REFUSED.with(|slot| *slot.borrow_mut() = Some(refused));
                Err(de::Error::custom("setting refused"))
            }
        }
    }
}

fn sourced<K: Kind>(value: Option<Checked<K>>, origin: &ValueSource) -> Option<Sourced<K::Value>> {
    value.map(|Checked(value, _)| Sourced::new(value, origin.clone()))
}

/// The known keys of one mapping: (snake_case, camelCase) spellings.
type Spellings = &'static [(&'static str, &'static str)];

/// A nested mapping: its spellings, what it must be, and its own keys.
struct Group {
    snake: &'static str,
    camel: &'static str,
    expected: &'static str,
    keys: Spellings,
}

macro_rules! define_partial {
    (
        top { $( $tkey:ident $tfield:ident : $tkind:ident
                 = $tsnake:literal $(/ $tcamel:literal)? , $tenv:literal ; )* }
        $( $group:ident = $gsnake:literal / $gcamel:literal , $gexpected:literal {
            $( $key:ident $field:ident : $kind:ident
               = $snake:literal $(/ $camel:literal)? , $env:literal ; )*
        } )*
    ) => {
        /// The settings of a document as serde reads them; unknown keys land in `unknown`.
        #[derive(Deserialize)]
        struct PartialConfig {
            $( #[serde(rename = $tsnake $(, alias = $tcamel)?, default)]
               $tfield: Option<Checked<kinds::$tkind>>, )*
            $( #[serde(rename = $gsnake, alias = $gcamel, default)]
               $group: Option<$group::Part>, )*
            #[serde(flatten)]
            unknown: BTreeMap<String, IgnoredAny>,
        }

        $(
            /// One nested mapping of the document.
            mod $group {
                use super::*;

                /// The settings of this mapping as serde reads them.
                #[derive(Deserialize)]
                pub(super) struct Part {
                    $( #[serde(rename = $snake $(, alias = $camel)?, default)]
                       pub(super) $field: Option<Checked<kinds::$kind>>, )*
                    #[serde(flatten)]
                    pub(super) unknown: BTreeMap<String, IgnoredAny>,
                }
            }
        )*

        /// The top-level keys: settings and groups.
        const TOP: Spellings = &[
            $( ($tsnake, camel_or_snake!($($tcamel,)? $tsnake)), )*
            $( ($gsnake, $gcamel), )*
        ];

        /// The nested mappings.
        const GROUPS: &[Group] = &[
            $( Group {
                snake: $gsnake,
                camel: $gcamel,
                expected: $gexpected,
                keys: &[ $( ($snake, camel_or_snake!($($camel,)? $snake)), )* ],
            }, )*
        ];

        impl PartialConfig {
            /// The layer of these settings; `written` is each group's spelling as written.
            fn into_layer(self, origin: &ValueSource, written: &BTreeMap<&str, String>) -> Layer {
                let mut unknown: Vec<String> = self.unknown.into_keys().collect();
                let mut layer = Layer {
                    $( $tfield: sourced(self.$tfield, origin), )*
                    searched: vec![Searched::Whole(origin.clone())],
                    ..Layer::default()
                };
                $( if let Some(part) = self.$group {
                    $( layer.$field = sourced(part.$field, origin); )*
                    let prefix = written.get($gsnake).map_or($gsnake, String::as_str);
                    unknown.extend(part.unknown.into_keys().map(|k| format!("{prefix}.{k}")));
                } )*
                unknown.sort();
                layer.unknown_keys = unknown;
                layer
            }
        }
    };
}

with_settings!(define_partial);

/// Drops the known keys set to `null` (absent, as in the Node SDK) and refuses a setting
/// given under both spellings.
fn drop_nulls_and_refuse_both(
    map: &mut Map<String, Value>,
    prefix: &str,
    keys: Spellings,
    origin: &ValueSource,
) -> Result<(), ConfigError> {
    for &(snake, camel) in keys {
        for spelling in [snake, camel] {
            if map.get(spelling).is_some_and(Value::is_null) {
                map.remove(spelling);
            }
        }
        if snake != camel && map.contains_key(snake) && map.contains_key(camel) {
            return Err(ConfigError::DuplicateKey {
                origin: origin.clone(),
                key: format!("{prefix}{snake}"),
                alias: format!("{prefix}{camel}"),
            });
        }
    }
    Ok(())
}

/// Reads a parsed document (the top level must be a mapping) into a validated layer.
pub(crate) fn layer_from_value(value: Value, origin: &ValueSource) -> Result<Layer, ConfigError> {
    let Value::Object(map) = value else {
        return Err(ConfigError::NotAMapping {
            origin: origin.clone(),
            found: kind_of(&value),
        });
    };
    // A document that cannot be read still names its unknown keys: a typo is often the cause.
    let unknown_keys = unknown_keys_of(&map);
    read_mapping(map, origin).map_err(|error| {
        if unknown_keys.is_empty() {
            error
        } else {
            ConfigError::WithUnknownKeys {
                error: Box::new(error),
                unknown_keys,
            }
        }
    })
}

/// The keys of `map` that name no setting, as written (a group's own keys as `group.key`).
fn unknown_keys_of(map: &Map<String, Value>) -> Vec<String> {
    let named = |keys: Spellings, key: &str| {
        keys.iter()
            .any(|(snake, camel)| *snake == key || *camel == key)
    };
    let mut unknown = Vec::new();
    for (key, value) in map {
        match GROUPS.iter().find(|g| g.snake == key || g.camel == key) {
            Some(group) => {
                if let Value::Object(inner) = value {
                    let stray = inner.keys().filter(|k| !named(group.keys, k));
                    unknown.extend(stray.map(|k| format!("{key}.{k}")));
                }
            }
            None if !named(TOP, key) => unknown.push(key.clone()),
            None => {}
        }
    }
    unknown.sort();
    unknown
}

/// [`layer_from_value`] of a mapping.
fn read_mapping(mut map: Map<String, Value>, origin: &ValueSource) -> Result<Layer, ConfigError> {
    drop_nulls_and_refuse_both(&mut map, "", TOP, origin)?;
    let mut written = BTreeMap::new();
    for group in GROUPS {
        let Some(name) = [group.snake, group.camel]
            .into_iter()
            .find(|name| map.contains_key(*name))
        else {
            continue;
        };
        match map.get_mut(name) {
            Some(Value::Object(inner)) => {
                drop_nulls_and_refuse_both(inner, &format!("{name}."), group.keys, origin)?;
            }
            Some(other) => {
                return Err(ConfigError::WrongType {
                    origin: origin.clone(),
                    key: name.to_owned(),
                    expected: group.expected,
                    found: kind_of(other),
                });
            }
            None => {}
        }
        written.insert(group.snake, name.to_owned());
    }
    REFUSED.with(|slot| slot.borrow_mut().take());
    match serde_path_to_error::deserialize::<_, PartialConfig>(Value::Object(map)) {
        Ok(partial) => Ok(partial.into_layer(origin, &written)),
        Err(err) => {
            let path = err.path().to_string();
            Err(match REFUSED.with(|slot| slot.borrow_mut().take()) {
                Some(refused) => refused.placed(origin, &path),
                // Not reached: every known value is read by `Checked` and every group was
                // checked to be a mapping; the message of serde is not shown (it may quote a value).
                None => ConfigError::WrongType {
                    origin: origin.clone(),
                    key: path,
                    expected: "a setting this crate can read",
                    found: "a value it cannot",
                },
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::ApiVersion;
    use serde_json::json;

    fn layer(v: Value) -> Layer {
        layer_from_value(v, &ValueSource::Value).unwrap()
    }

    #[test]
    fn snake_and_camel_spellings_mean_the_same() {
        let snake = layer(json!({
            "client_id": "a", "client_secret": "b", "callback_url": "https://x.example/cb",
            "base_url": "https://y.example", "token_refresh_on_expire": false,
            "retry_settings": {"backoff_factor": 2, "status_forcelist": [500], "max_backoff": 3, "max_retry_after": 4},
        }))
        .resolve()
        .unwrap();
        let camel = layer(json!({
            "clientId": "a", "clientSecret": "b", "callbackUrl": "https://x.example/cb",
            "baseUrl": "https://y.example", "tokenRefreshOnExpire": false,
            "retrySettings": {"backoffFactor": 2, "statusForcelist": [500], "maxBackoff": 3, "maxRetryAfter": 4},
        }))
        .resolve()
        .unwrap();
        assert_eq!(format!("{snake:?}"), format!("{camel:?}"));
        assert_eq!(snake.base_url().as_str(), "https://y.example/");
        assert_eq!(snake.retry_settings().max_retry_after.as_secs(), 4);
        assert!(snake.unknown_keys().is_empty() && camel.unknown_keys().is_empty());
    }

    #[test]
    fn null_is_absent_and_both_spellings_with_one_null_is_fine() {
        let l = layer(
            json!({"client_id": null, "clientId": "x", "version": null, "retry_settings": null}),
        );
        assert_eq!(l.client_id.unwrap().value, "x");
        assert!(l.version.is_none());
        assert!(l.retry_total.is_none());
    }

    #[test]
    fn versions_as_numbers_and_strings() {
        for (raw, version) in [
            (json!(1), ApiVersion::V1),
            (json!("2"), ApiVersion::V2),
            (json!("v3"), ApiVersion::V3),
            (json!("V1"), ApiVersion::V1),
        ] {
            let l = layer(json!({ "version": raw }));
            assert_eq!(l.version.unwrap().value, version);
        }
    }

    #[test]
    fn unknown_keys_keep_their_spelling_and_nesting() {
        let l = layer(json!({
            "retrySettings": {"totl": 1},
            "timeouts": {"idle": 1},
            "extra": {"deep": 1},
        }));
        assert_eq!(
            l.unknown_keys,
            ["extra", "retrySettings.totl", "timeouts.idle"]
        );
    }

    #[test]
    fn a_document_that_cannot_be_read_still_names_its_unknown_keys() {
        let err = layer_from_value(
            json!({"version": 9, "client_secert": "x", "retry_settings": {"totl": 1, "total": 2}}),
            &ValueSource::Value,
        )
        .unwrap_err();
        let ConfigError::WithUnknownKeys {
            error,
            unknown_keys,
        } = &err
        else {
            panic!("{err:?}")
        };
        assert_eq!(unknown_keys, &["client_secert", "retry_settings.totl"]);
        assert!(err.to_string().starts_with(&error.to_string()), "{err}");
        assert!(
            err.to_string()
                .contains("`client_secert` (did you mean `client_secret`?)"),
            "{err}"
        );
        // Without unknown keys the error is the plain one.
        let plain = layer_from_value(json!({"version": 9}), &ValueSource::Value).unwrap_err();
        assert!(
            !matches!(plain, ConfigError::WithUnknownKeys { .. }),
            "{plain:?}"
        );
    }

    #[test]
    fn a_secret_of_the_wrong_type_is_not_echoed() {
        let err = layer_from_value(json!({"client_secret": ["hunter2"]}), &ValueSource::Value)
            .unwrap_err();
        assert!(!format!("{err} {err:?}").contains("hunter2"));
    }

    #[test]
    fn a_refusal_does_not_leak_into_the_next_document() {
        assert!(layer_from_value(json!({"version": 9}), &ValueSource::Value).is_err());
        assert!(layer_from_value(json!({"version": 2}), &ValueSource::Value).is_ok());
    }
}
