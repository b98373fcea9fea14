//! Reads the `BLUEBUTTON_*` environment variables into a validated layer.
//!
//! A variable set to the empty string counts as unset, so `export BLUEBUTTON_VERSION=` does not
//! fail loading. Other `BLUEBUTTON_*` names are ignored (other tools may use the prefix).

use std::collections::BTreeMap;
use std::ffi::OsString;

use crate::environment::Environment;
use crate::error::ConfigError;
use crate::layer::{Layer, Searched, Sourced};
use crate::provenance::{ConfigKey, ValueSource};
use crate::secret::ClientSecret;
use crate::validate::{self, At};
use crate::version::ApiVersion;

/// The prefix of every variable read.
pub(crate) const PREFIX: &str = "BLUEBUTTON_";

/// The process's variables that this crate reads; a known one that is not UTF-8 is an error.
pub(crate) fn process_vars() -> Result<BTreeMap<String, String>, ConfigError> {
    collect_os(std::env::vars_os())
}

fn collect_os(
    vars: impl IntoIterator<Item = (OsString, OsString)>,
) -> Result<BTreeMap<String, String>, ConfigError> {
    let mut out = BTreeMap::new();
    for (name, value) in vars {
        let Some(name) = name.to_str() else { continue };
        if !ConfigKey::ALL.iter().any(|k| k.env_var() == name) {
            continue;
        }
        let value = value.into_string().map_err(|_| ConfigError::NotUnicode {
            var: name.to_owned(),
        })?;
        out.insert(name.to_owned(), value);
    }
    Ok(out)
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// Reads the known variables among `vars` (any other name is ignored).
pub(crate) fn layer_from_vars(vars: &BTreeMap<String, String>) -> Result<Layer, ConfigError> {
    let mut layer = Layer {
        searched: vec![Searched::Env],
        ..Layer::default()
    };
    for key in ConfigKey::ALL {
        let var = key.env_var();
        let Some(text) = vars.get(var).filter(|v| !v.is_empty()) else {
            continue;
        };
        let origin = ValueSource::Env(var.to_owned());
        let at = At {
            origin: &origin,
            key: key.path(),
        };
        let seconds = || -> Result<Sourced<std::time::Duration>, ConfigError> {
            let expected = "a number of seconds";
            let secs: f64 = text
                .trim()
                .parse()
                .map_err(|_| at.invalid(format!("{text:?}"), expected))?;
            Ok(Sourced::new(
                validate::seconds(&at, secs, &format!("{text:?}"), key)?,
                origin.clone(),
            ))
        };
        let boolean = || -> Result<Sourced<bool>, ConfigError> {
            let value = parse_bool(text).ok_or_else(|| {
                at.invalid(format!("{text:?}"), "true/false, 1/0, yes/no or on/off")
            })?;
            Ok(Sourced::new(value, origin.clone()))
        };
        match key {
            ConfigKey::ClientId => {
                validate::non_empty(&at, text)?;
                layer.client_id = Some(Sourced::new(text.clone(), origin.clone()));
            }
            ConfigKey::ClientSecret => {
                validate::non_empty(&at, text)?;
                layer.client_secret = Some(Sourced::new(
                    ClientSecret::new(text.as_str()),
                    origin.clone(),
                ));
            }
            ConfigKey::CallbackUrl => {
                let url = validate::callback_url(&at, text)?;
                layer.callback_url = Some(Sourced::new(url, origin.clone()));
            }
            ConfigKey::BaseUrl => {
                let url = validate::base_url(&at, text)?;
                layer.base_url = Some(Sourced::new(url, origin.clone()));
            }
            ConfigKey::Environment => {
                let env = text.parse::<Environment>().map_err(|_| {
                    at.invalid(
                        format!("{text:?}"),
                        "LOCAL, TEST, SANDBOX or PRODUCTION (any case)",
                    )
                })?;
                layer.environment = Some(Sourced::new(env, origin.clone()));
            }
            ConfigKey::Version => {
                let version = text
                    .parse::<ApiVersion>()
                    .map_err(|_| at.invalid(format!("{text:?}"), "1, 2 or 3 (or v1, v2, v3)"))?;
                layer.version = Some(Sourced::new(version, origin.clone()));
            }
            ConfigKey::TokenRefreshOnExpire => layer.token_refresh_on_expire = Some(boolean()?),
            ConfigKey::RetryJitter => layer.retry_jitter = Some(boolean()?),
            ConfigKey::RetryTotal => {
                let expected = "a whole number from 0 to 4294967295";
                let total: u64 = text
                    .trim()
                    .parse()
                    .map_err(|_| at.invalid(format!("{text:?}"), expected))?;
                let total = validate::retry_total(&at, total)?;
                layer.retry_total = Some(Sourced::new(total, origin.clone()));
            }
            ConfigKey::RetryStatusForcelist => {
                let expected =
                    "a comma-separated list of HTTP status codes such as 500,502,503,504";
                let codes = text
                    .split(',')
                    .map(str::trim)
                    .filter(|item| !item.is_empty())
                    .map(|item| {
                        item.parse::<u64>()
                            .map_err(|_| at.invalid(format!("{text:?}"), expected))
                    })
                    .collect::<Result<Vec<u64>, ConfigError>>()?;
                let codes = validate::status_codes(&at, &codes)?;
                layer.retry_status_forcelist = Some(Sourced::new(codes, origin.clone()));
            }
            ConfigKey::RetryBackoffFactor => layer.retry_backoff_factor = Some(seconds()?),
            ConfigKey::RetryMaxBackoff => layer.retry_max_backoff = Some(seconds()?),
            ConfigKey::RetryMaxRetryAfter => layer.retry_max_retry_after = Some(seconds()?),
            ConfigKey::ConnectTimeout => layer.connect_timeout = Some(seconds()?),
            ConfigKey::RequestTimeout => layer.request_timeout = Some(seconds()?),
        }
    }
    Ok(layer)
}

/// Keeps the known `BLUEBUTTON_*` variables among `vars`.
pub(crate) fn collect<I, K, V>(vars: I) -> BTreeMap<String, String>
where
    I: IntoIterator<Item = (K, V)>,
    K: Into<String>,
    V: Into<String>,
{
    vars.into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .filter(|(k, _)| k.starts_with(PREFIX))
        .collect()
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

    #[cfg(unix)]
    #[test]
    fn non_unicode_known_variable_is_an_error_and_unknown_is_ignored() {
        use std::os::unix::ffi::OsStringExt;
        let bad = OsString::from_vec(vec![0xff, 0xfe]);
        let err = collect_os([(OsString::from("BLUEBUTTON_CLIENT_ID"), bad.clone())]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable BLUEBUTTON_CLIENT_ID is not valid UTF-8"
        );
        let ok = collect_os([
            (OsString::from("BLUEBUTTON_OTHER"), bad.clone()),
            (OsString::from("PATH"), bad),
            (OsString::from("BLUEBUTTON_VERSION"), OsString::from("3")),
        ])
        .unwrap();
        assert_eq!(
            ok.into_iter().collect::<Vec<_>>(),
            [("BLUEBUTTON_VERSION".to_owned(), "3".to_owned())]
        );
    }
}
