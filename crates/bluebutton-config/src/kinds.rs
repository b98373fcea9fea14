//! The kinds of value a setting holds, and how each is read from a file, an environment
//! variable or the builder, with the same checks and messages for every source.

use std::time::Duration;

use serde_json::Value;
use url::Url;

use crate::environment::Environment;
use crate::error::{ConfigError, kind_of};
use crate::secret::ClientSecret;
use crate::validate::{self, At};
use crate::version::ApiVersion;

const VERSION_EXPECTED: &str = "1, 2 or 3, as a number or a string such as \"2\" or \"v2\"";
const ENVIRONMENT_EXPECTED: &str = "LOCAL, TEST, SANDBOX or PRODUCTION (any case)";
const TOTAL_EXPECTED: &str = "a whole number from 0 to 4294967295";
const FLAG_ENV_EXPECTED: &str = "true/false, 1/0, yes/no or on/off";

/// How one kind of setting is read and checked.
pub(crate) trait Kind {
    /// The checked value.
    type Value: Clone + std::fmt::Debug;
    /// What the builder takes.
    type Input: Clone + std::fmt::Debug;
    /// From a parsed file or value (never `null`: that is absent).
    fn from_json(raw: &Value, at: &At<'_>) -> Result<Self::Value, ConfigError>;
    /// From the text of an environment variable (never empty: that is unset).
    fn from_env(text: &str, at: &At<'_>) -> Result<Self::Value, ConfigError>;
    /// From a builder setter.
    fn from_input(input: Self::Input, at: &At<'_>) -> Result<Self::Value, ConfigError>;
}

fn wrong_type(at: &At<'_>, expected: &'static str, found: &Value) -> ConfigError {
    ConfigError::WrongType {
        origin: at.origin.clone(),
        key: at.key.to_owned(),
        expected,
        found: kind_of(found),
    }
}

fn string<'v>(raw: &'v Value, at: &At<'_>) -> Result<&'v str, ConfigError> {
    raw.as_str().ok_or_else(|| wrong_type(at, "a string", raw))
}

/// A required text (the client id): not blank.
pub(crate) struct Text;

impl Kind for Text {
    type Value = String;
    type Input = String;
    fn from_json(raw: &Value, at: &At<'_>) -> Result<String, ConfigError> {
        Self::from_input(string(raw, at)?.to_owned(), at)
    }
    fn from_env(text: &str, at: &At<'_>) -> Result<String, ConfigError> {
        Self::from_input(text.to_owned(), at)
    }
    fn from_input(input: String, at: &At<'_>) -> Result<String, ConfigError> {
        validate::non_empty(at, &input)?;
        Ok(input)
    }
}

/// The client secret: not blank, never echoed.
pub(crate) struct Secret;

impl Kind for Secret {
    type Value = ClientSecret;
    type Input = ClientSecret;
    fn from_json(raw: &Value, at: &At<'_>) -> Result<ClientSecret, ConfigError> {
        Self::from_input(ClientSecret::new(string(raw, at)?), at)
    }
    fn from_env(text: &str, at: &At<'_>) -> Result<ClientSecret, ConfigError> {
        Self::from_input(ClientSecret::new(text), at)
    }
    fn from_input(input: ClientSecret, at: &At<'_>) -> Result<ClientSecret, ConfigError> {
        validate::non_empty(at, input.expose_secret())?;
        Ok(input)
    }
}

/// The OAuth redirect URI.
pub(crate) struct CallbackUrl;

impl Kind for CallbackUrl {
    type Value = Url;
    type Input = String;
    fn from_json(raw: &Value, at: &At<'_>) -> Result<Url, ConfigError> {
        validate::callback_url(at, string(raw, at)?)
    }
    fn from_env(text: &str, at: &At<'_>) -> Result<Url, ConfigError> {
        validate::callback_url(at, text)
    }
    fn from_input(input: String, at: &At<'_>) -> Result<Url, ConfigError> {
        validate::callback_url(at, &input)
    }
}

/// The base URL override.
pub(crate) struct BaseUrl;

impl Kind for BaseUrl {
    type Value = Url;
    type Input = String;
    fn from_json(raw: &Value, at: &At<'_>) -> Result<Url, ConfigError> {
        validate::base_url(at, string(raw, at)?)
    }
    fn from_env(text: &str, at: &At<'_>) -> Result<Url, ConfigError> {
        validate::base_url(at, text)
    }
    fn from_input(input: String, at: &At<'_>) -> Result<Url, ConfigError> {
        validate::base_url(at, &input)
    }
}

/// The deployment's name, any case.
pub(crate) struct EnvironmentName;

impl Kind for EnvironmentName {
    type Value = Environment;
    type Input = Environment;
    fn from_json(raw: &Value, at: &At<'_>) -> Result<Environment, ConfigError> {
        Self::from_env(string(raw, at)?, at)
    }
    fn from_env(text: &str, at: &At<'_>) -> Result<Environment, ConfigError> {
        text.parse::<Environment>()
            .map_err(|_| at.invalid(format!("{text:?}"), ENVIRONMENT_EXPECTED))
    }
    fn from_input(input: Environment, _: &At<'_>) -> Result<Environment, ConfigError> {
        Ok(input)
    }
}

/// The API version: a number, or a string such as `"2"` or `"v2"`.
pub(crate) struct Version;

impl Kind for Version {
    type Value = ApiVersion;
    type Input = ApiVersion;
    fn from_json(raw: &Value, at: &At<'_>) -> Result<ApiVersion, ConfigError> {
        let version = match raw {
            Value::Number(n) => n.as_u64().and_then(ApiVersion::from_number),
            Value::String(s) => s.parse::<ApiVersion>().ok(),
            other => return Err(wrong_type(at, VERSION_EXPECTED, other)),
        };
        version.ok_or_else(|| at.invalid(raw.to_string(), VERSION_EXPECTED))
    }
    fn from_env(text: &str, at: &At<'_>) -> Result<ApiVersion, ConfigError> {
        text.parse::<ApiVersion>()
            .map_err(|_| at.invalid(format!("{text:?}"), "1, 2 or 3 (or v1, v2, v3)"))
    }
    fn from_input(input: ApiVersion, _: &At<'_>) -> Result<ApiVersion, ConfigError> {
        Ok(input)
    }
}

/// A boolean; in the environment also `1`/`0`, `yes`/`no`, `on`/`off`, any case.
pub(crate) struct Flag;

pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

impl Kind for Flag {
    type Value = bool;
    type Input = bool;
    fn from_json(raw: &Value, at: &At<'_>) -> Result<bool, ConfigError> {
        raw.as_bool()
            .ok_or_else(|| wrong_type(at, "true or false", raw))
    }
    fn from_env(text: &str, at: &At<'_>) -> Result<bool, ConfigError> {
        parse_bool(text).ok_or_else(|| at.invalid(format!("{text:?}"), FLAG_ENV_EXPECTED))
    }
    fn from_input(input: bool, _: &At<'_>) -> Result<bool, ConfigError> {
        Ok(input)
    }
}

/// How many retries: a whole number that fits in 32 bits.
pub(crate) struct RetryCount;

impl Kind for RetryCount {
    type Value = u32;
    type Input = u32;
    fn from_json(raw: &Value, at: &At<'_>) -> Result<u32, ConfigError> {
        let Value::Number(n) = raw else {
            return Err(wrong_type(at, TOTAL_EXPECTED, raw));
        };
        match n.as_u64() {
            Some(total) => validate::retry_total(at, total),
            None => Err(at.invalid(n, TOTAL_EXPECTED)),
        }
    }
    fn from_env(text: &str, at: &At<'_>) -> Result<u32, ConfigError> {
        let total: u64 = text
            .trim()
            .parse()
            .map_err(|_| at.invalid(format!("{text:?}"), TOTAL_EXPECTED))?;
        validate::retry_total(at, total)
    }
    fn from_input(input: u32, _: &At<'_>) -> Result<u32, ConfigError> {
        Ok(input)
    }
}

fn json_seconds(raw: &Value, at: &At<'_>, positive: bool) -> Result<Duration, ConfigError> {
    let Value::Number(n) = raw else {
        return Err(wrong_type(at, "a number of seconds", raw));
    };
    validate::seconds(at, n.as_f64().unwrap_or(f64::NAN), n, positive)
}

fn env_seconds(text: &str, at: &At<'_>, positive: bool) -> Result<Duration, ConfigError> {
    let secs: f64 = text
        .trim()
        .parse()
        .map_err(|_| at.invalid(format!("{text:?}"), "a number of seconds"))?;
    validate::seconds(at, secs, &format!("{text:?}"), positive)
}

/// A wait in seconds, 0 or more, fractions allowed.
pub(crate) struct Seconds;

impl Kind for Seconds {
    type Value = Duration;
    type Input = Duration;
    fn from_json(raw: &Value, at: &At<'_>) -> Result<Duration, ConfigError> {
        json_seconds(raw, at, false)
    }
    fn from_env(text: &str, at: &At<'_>) -> Result<Duration, ConfigError> {
        env_seconds(text, at, false)
    }
    fn from_input(input: Duration, _: &At<'_>) -> Result<Duration, ConfigError> {
        Ok(input)
    }
}

/// A time limit in seconds, above 0, fractions allowed.
pub(crate) struct Timeout;

impl Kind for Timeout {
    type Value = Duration;
    type Input = Duration;
    fn from_json(raw: &Value, at: &At<'_>) -> Result<Duration, ConfigError> {
        json_seconds(raw, at, true)
    }
    fn from_env(text: &str, at: &At<'_>) -> Result<Duration, ConfigError> {
        env_seconds(text, at, true)
    }
    fn from_input(input: Duration, at: &At<'_>) -> Result<Duration, ConfigError> {
        if input.is_zero() {
            return Err(at.invalid(format!("{}s", input.as_secs_f64()), "a duration above 0"));
        }
        Ok(input)
    }
}

/// The retried HTTP statuses: a list in files, comma-separated in the environment.
pub(crate) struct StatusList;

impl Kind for StatusList {
    type Value = Vec<u16>;
    type Input = Vec<u16>;
    fn from_json(raw: &Value, at: &At<'_>) -> Result<Vec<u16>, ConfigError> {
        const LIST_EXPECTED: &str = "a list of HTTP status codes such as [500, 502, 503, 504]";
        let Value::Array(items) = raw else {
            return Err(wrong_type(at, LIST_EXPECTED, raw));
        };
        let mut codes = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let item_key = format!("{}[{i}]", at.key);
            let item_at = At {
                origin: at.origin,
                key: &item_key,
            };
            match item {
                Value::Number(n) => match n.as_u64() {
                    Some(code) => codes.push(code),
                    None => return Err(item_at.invalid(n, "HTTP status codes from 100 to 599")),
                },
                other => {
                    return Err(wrong_type(
                        &item_at,
                        "an HTTP status code (a whole number)",
                        other,
                    ));
                }
            }
        }
        validate::status_codes(at, &codes)
    }
    fn from_env(text: &str, at: &At<'_>) -> Result<Vec<u16>, ConfigError> {
        let expected = "a comma-separated list of HTTP status codes such as 500,502,503,504";
        let codes = text
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                item.parse::<u64>()
                    .map_err(|_| at.invalid(format!("{text:?}"), expected))
            })
            .collect::<Result<Vec<u64>, ConfigError>>()?;
        validate::status_codes(at, &codes)
    }
    fn from_input(input: Vec<u16>, at: &At<'_>) -> Result<Vec<u16>, ConfigError> {
        let wide: Vec<u64> = input.iter().map(|&c| u64::from(c)).collect();
        validate::status_codes(at, &wide)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans() {
        for t in ["true", "TRUE", "1", "yes", "On"] {
            assert_eq!(parse_bool(t), Some(true), "{t}");
        }
        for f in ["false", "0", "no", "OFF", " False "] {
            assert_eq!(parse_bool(f), Some(false), "{f}");
        }
        assert_eq!(parse_bool("maybe"), None);
    }
}
