//! Reads a dict-style configuration (parsed JSON or YAML) into a validated layer: snake_case
//! keys of the Python SDK, camelCase aliases of the Node SDK, typed errors, unknown keys collected.

use serde_json::{Map, Value};

use crate::environment::Environment;
use crate::error::{ConfigError, kind_of};
use crate::layer::{Layer, Searched, Sourced};
use crate::provenance::{ConfigKey, ValueSource};
use crate::secret::ClientSecret;
use crate::validate::{self, At};
use crate::version::ApiVersion;

const VERSION_EXPECTED: &str = "1, 2 or 3, as a number or a string such as \"2\" or \"v2\"";
const ENVIRONMENT_EXPECTED: &str = "LOCAL, TEST, SANDBOX or PRODUCTION (any case)";

/// Walks one mapping, taking known keys and remembering where it sits (`retry_settings.`).
struct Walker<'a> {
    origin: &'a ValueSource,
    prefix: String,
    map: Map<String, Value>,
}

impl<'a> Walker<'a> {
    /// Removes a key under either spelling; `null` counts as absent (Node: default applies).
    fn take(&mut self, snake: &str, camel: &str) -> Result<Option<(String, Value)>, ConfigError> {
        let first = self.map.remove(snake).filter(|v| !v.is_null());
        let second = if camel == snake {
            None
        } else {
            self.map.remove(camel).filter(|v| !v.is_null())
        };
        match (first, second) {
            (Some(_), Some(_)) => Err(ConfigError::DuplicateKey {
                origin: self.origin.clone(),
                key: format!("{}{snake}", self.prefix),
                alias: format!("{}{camel}", self.prefix),
            }),
            (Some(v), None) => Ok(Some((format!("{}{snake}", self.prefix), v))),
            (None, Some(v)) => Ok(Some((format!("{}{camel}", self.prefix), v))),
            (None, None) => Ok(None),
        }
    }

    /// Takes the key of a [`ConfigKey`] (its last dotted segment, both spellings).
    fn take_key(&mut self, key: ConfigKey) -> Result<Option<(String, Value)>, ConfigError> {
        let last = |path: &'static str| path.rsplit('.').next().unwrap_or(path);
        self.take(last(key.path()), last(key.camel_path()))
    }

    fn wrong_type(&self, key: &str, expected: &'static str, found: &Value) -> ConfigError {
        ConfigError::WrongType {
            origin: self.origin.clone(),
            key: key.to_owned(),
            expected,
            found: kind_of(found),
        }
    }

    fn at<'k>(&'k self, key: &'k str) -> At<'k> {
        At {
            origin: self.origin,
            key,
        }
    }

    fn sourced<T>(&self, value: T) -> Option<Sourced<T>> {
        Some(Sourced::new(value, self.origin.clone()))
    }

    fn string(&mut self, key: ConfigKey) -> Result<Option<(String, String)>, ConfigError> {
        match self.take_key(key)? {
            None => Ok(None),
            Some((path, Value::String(s))) => Ok(Some((path, s))),
            Some((path, other)) => Err(self.wrong_type(&path, "a string", &other)),
        }
    }

    fn boolean(&mut self, key: ConfigKey) -> Result<Option<bool>, ConfigError> {
        match self.take_key(key)? {
            None => Ok(None),
            Some((_, Value::Bool(b))) => Ok(Some(b)),
            Some((path, other)) => Err(self.wrong_type(&path, "true or false", &other)),
        }
    }

    fn seconds(&mut self, key: ConfigKey) -> Result<Option<std::time::Duration>, ConfigError> {
        match self.take_key(key)? {
            None => Ok(None),
            Some((path, Value::Number(n))) => {
                let secs = n.as_f64().unwrap_or(f64::NAN);
                validate::seconds(&self.at(&path), secs, &n, key).map(Some)
            }
            Some((path, other)) => Err(self.wrong_type(&path, "a number of seconds", &other)),
        }
    }

    fn nested(
        &mut self,
        snake: &str,
        camel: &str,
        expected: &'static str,
    ) -> Result<Option<Walker<'a>>, ConfigError> {
        match self.take(snake, camel)? {
            None => Ok(None),
            Some((path, Value::Object(map))) => Ok(Some(Walker {
                origin: self.origin,
                prefix: format!("{path}."),
                map,
            })),
            Some((path, other)) => Err(self.wrong_type(&path, expected, &other)),
        }
    }

    /// Whatever is left: keys this crate does not know.
    fn unknown(self) -> impl Iterator<Item = String> {
        let prefix = self.prefix;
        self.map
            .into_iter()
            .map(move |(k, _)| format!("{prefix}{k}"))
    }
}

/// Reads a parsed document (the top level must be a mapping) into a validated layer.
pub(crate) fn layer_from_value(value: Value, origin: &ValueSource) -> Result<Layer, ConfigError> {
    let map = match value {
        Value::Object(map) => map,
        other => {
            return Err(ConfigError::NotAMapping {
                origin: origin.clone(),
                found: kind_of(&other),
            });
        }
    };
    let mut top = Walker {
        origin,
        prefix: String::new(),
        map,
    };
    let mut layer = Layer {
        searched: vec![Searched::Whole(origin.clone())],
        ..Layer::default()
    };

    if let Some((path, id)) = top.string(ConfigKey::ClientId)? {
        validate::non_empty(&top.at(&path), &id)?;
        layer.client_id = top.sourced(id);
    }
    if let Some((path, secret)) = top.string(ConfigKey::ClientSecret)? {
        let secret = ClientSecret::new(secret);
        validate::non_empty(&top.at(&path), secret.expose_secret())?;
        layer.client_secret = top.sourced(secret);
    }
    if let Some((path, url)) = top.string(ConfigKey::CallbackUrl)? {
        layer.callback_url = top.sourced(validate::callback_url(&top.at(&path), &url)?);
    }
    if let Some((path, url)) = top.string(ConfigKey::BaseUrl)? {
        layer.base_url = top.sourced(validate::base_url(&top.at(&path), &url)?);
    }
    if let Some((path, name)) = top.string(ConfigKey::Environment)? {
        let env = name.parse::<Environment>().map_err(|_| {
            top.at(&path)
                .invalid(format!("{name:?}"), ENVIRONMENT_EXPECTED)
        })?;
        layer.environment = top.sourced(env);
    }
    if let Some((path, raw)) = top.take_key(ConfigKey::Version)? {
        let version = match &raw {
            Value::Number(n) => n.as_u64().and_then(ApiVersion::from_number),
            Value::String(s) => s.parse::<ApiVersion>().ok(),
            other => return Err(top.wrong_type(&path, VERSION_EXPECTED, other)),
        };
        let version =
            version.ok_or_else(|| top.at(&path).invalid(raw.to_string(), VERSION_EXPECTED))?;
        layer.version = top.sourced(version);
    }
    if let Some(refresh) = top.boolean(ConfigKey::TokenRefreshOnExpire)? {
        layer.token_refresh_on_expire = top.sourced(refresh);
    }

    let mut unknown: Vec<String> = Vec::new();
    if let Some(mut retry) = top.nested(
        "retry_settings",
        "retrySettings",
        "a mapping with total, backoff_factor and status_forcelist",
    )? {
        read_retry(&mut retry, &mut layer)?;
        unknown.extend(retry.unknown());
    }
    if let Some(mut timeouts) = top.nested(
        "timeouts",
        "timeouts",
        "a mapping with connect and request (seconds)",
    )? {
        layer.connect_timeout = timeouts
            .seconds(ConfigKey::ConnectTimeout)?
            .and_then(|d| timeouts.sourced(d));
        layer.request_timeout = timeouts
            .seconds(ConfigKey::RequestTimeout)?
            .and_then(|d| timeouts.sourced(d));
        unknown.extend(timeouts.unknown());
    }
    unknown.extend(top.unknown());
    unknown.sort();
    layer.unknown_keys = unknown;
    Ok(layer)
}

fn read_retry(retry: &mut Walker<'_>, layer: &mut Layer) -> Result<(), ConfigError> {
    const TOTAL_EXPECTED: &str = "a whole number from 0 to 4294967295";
    if let Some((path, raw)) = retry.take_key(ConfigKey::RetryTotal)? {
        let Value::Number(n) = &raw else {
            return Err(retry.wrong_type(&path, TOTAL_EXPECTED, &raw));
        };
        let total = match n.as_u64() {
            Some(total) => validate::retry_total(&retry.at(&path), total)?,
            None => return Err(retry.at(&path).invalid(n, TOTAL_EXPECTED)),
        };
        layer.retry_total = retry.sourced(total);
    }
    if let Some(factor) = retry.seconds(ConfigKey::RetryBackoffFactor)? {
        layer.retry_backoff_factor = retry.sourced(factor);
    }
    if let Some((path, raw)) = retry.take_key(ConfigKey::RetryStatusForcelist)? {
        const LIST_EXPECTED: &str = "a list of HTTP status codes such as [500, 502, 503, 504]";
        let Value::Array(items) = &raw else {
            return Err(retry.wrong_type(&path, LIST_EXPECTED, &raw));
        };
        let mut codes = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let item_path = format!("{path}[{i}]");
            match item {
                Value::Number(n) => match n.as_u64() {
                    Some(code) => codes.push(code),
                    None => {
                        return Err(retry
                            .at(&item_path)
                            .invalid(n, "HTTP status codes from 100 to 599"));
                    }
                },
                other => {
                    return Err(retry.wrong_type(
                        &item_path,
                        "an HTTP status code (a whole number)",
                        other,
                    ));
                }
            }
        }
        let codes = validate::status_codes(&retry.at(&path), &codes)?;
        layer.retry_status_forcelist = retry.sourced(codes);
    }
    if let Some(jitter) = retry.boolean(ConfigKey::RetryJitter)? {
        layer.retry_jitter = retry.sourced(jitter);
    }
    if let Some(max) = retry.seconds(ConfigKey::RetryMaxBackoff)? {
        layer.retry_max_backoff = retry.sourced(max);
    }
    if let Some(max) = retry.seconds(ConfigKey::RetryMaxRetryAfter)? {
        layer.retry_max_retry_after = retry.sourced(max);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
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
        let rows = |c: &crate::Config| {
            c.describe()
                .into_iter()
                .map(|r| r.value)
                .collect::<Vec<_>>()
        };
        assert_eq!(rows(&snake), rows(&camel));
        assert_eq!(snake.base_url().as_str(), "https://y.example/");
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
    fn a_secret_of_the_wrong_type_is_not_echoed() {
        let err = layer_from_value(json!({"client_secret": ["hunter2"]}), &ValueSource::Value)
            .unwrap_err();
        assert!(!format!("{err} {err:?}").contains("hunter2"));
    }
}
