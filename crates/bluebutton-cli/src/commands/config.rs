//! `config show`: the resolved configuration, each value with where it came from; with a broken
//! configuration, what did resolve, then every error (exit 2).

use std::io::Write;

use bluebutton::Config;
use bluebutton_config::{ConfigKey, REDACTED, ValueSource, describe_unknown_key};

use crate::cli::Cli;
use crate::context::{config_loader, token_key_source, token_store_path};
use crate::error::CliError;
use crate::exit::Exit;

/// One line of `config show`: a setting, its value as text and where it came from.
struct Row<'a> {
    key: ConfigKey,
    value: String,
    /// `None` for a required setting no source gave.
    source: Option<&'a ValueSource>,
}

/// Every setting as text with its source, in [`ConfigKey::ALL`] order; the client secret is
/// `[redacted]`, and the settings of `unresolved` are `(missing)`.
fn rows<'a>(config: &'a Config, unresolved: &[ConfigKey]) -> Vec<Row<'a>> {
    ConfigKey::ALL
        .into_iter()
        .map(|key| {
            if unresolved.contains(&key) {
                Row {
                    key,
                    value: "(missing)".to_owned(),
                    source: None,
                }
            } else {
                Row {
                    key,
                    value: value_text(config, key),
                    source: Some(config.source_of(key)),
                }
            }
        })
        .collect()
}

/// A setting's value as `config show` prints it: durations in seconds (`10s`), statuses
/// comma-separated.
fn value_text(config: &Config, key: ConfigKey) -> String {
    let seconds = |d: std::time::Duration| format!("{}s", d.as_secs_f64());
    let r = config.retry_settings();
    match key {
        ConfigKey::ClientId => config.client_id().to_owned(),
        ConfigKey::ClientSecret => REDACTED.to_owned(),
        ConfigKey::CallbackUrl => config.callback_url().to_string(),
        ConfigKey::Environment => config.environment().to_string(),
        ConfigKey::BaseUrl => config.base_url().to_string(),
        ConfigKey::Version => config.version().number().to_string(),
        ConfigKey::TokenRefreshOnExpire => config.token_refresh_on_expire().to_string(),
        ConfigKey::RetryTotal => r.total.to_string(),
        ConfigKey::RetryBackoffFactor => seconds(r.backoff_factor),
        ConfigKey::RetryStatusForcelist => r
            .status_forcelist
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(","),
        ConfigKey::RetryJitter => r.jitter.to_string(),
        ConfigKey::RetryMaxBackoff => seconds(r.max_backoff),
        ConfigKey::RetryMaxRetryAfter => seconds(r.max_retry_after),
        ConfigKey::ConnectTimeout => seconds(config.timeouts().connect),
        ConfigKey::RequestTimeout => seconds(config.timeouts().request),
        // A setting added to the config crate later: shown, without a format of its own.
        _ => "(set)".to_owned(),
    }
}

/// The lines of `config show` (the client secret is `[redacted]`).
pub(crate) fn render(
    config: &Config,
    unresolved: &[ConfigKey],
    token_store: (&str, &str),
    token_key: (&str, &str),
) -> String {
    let rows = rows(config, unresolved);
    let width = rows
        .iter()
        .map(|r| r.key.path().len())
        .chain(["token_store".len()])
        .max()
        .unwrap_or(0);
    let mut text = String::new();
    for row in rows {
        let source = row
            .source
            .map_or_else(|| "not set".to_owned(), ToString::to_string);
        text.push_str(&format!(
            "{:width$} = {} ({source})\n",
            row.key.path(),
            row.value,
        ));
    }
    for (name, (value, source)) in [("token_store", token_store), ("token_key", token_key)] {
        text.push_str(&format!("{name:width$} = {value} ({source})\n"));
    }
    for key in config.unknown_keys() {
        text.push_str(&format!(
            "unknown key ignored: {}\n",
            describe_unknown_key(key)
        ));
    }
    text
}

/// The same as [`render`], as one JSON object: `settings` (key, value, source; `null` for a
/// missing one), `token_store`, `token_key`, `unknown_keys` (key and the closest known key)
/// and `errors`.
fn render_json(
    diagnosis: &bluebutton_config::Diagnosis,
    token_store: (&str, &str),
    token_key: (&str, &str),
) -> serde_json::Value {
    let settings: Vec<serde_json::Value> = rows(diagnosis.config(), diagnosis.unresolved())
        .into_iter()
        .map(|row| {
            let value = row.source.map(|_| row.value.clone());
            serde_json::json!({
                "key": row.key.path(),
                "value": value,
                "source": row.source.map(ToString::to_string),
            })
        })
        .collect();
    let unknown: Vec<serde_json::Value> = diagnosis
        .config()
        .unknown_keys()
        .iter()
        .map(|key| {
            serde_json::json!({
                "key": key,
                "did_you_mean": ConfigKey::closest_spelling(key),
            })
        })
        .collect();
    let errors: Vec<String> = diagnosis.errors().iter().map(ToString::to_string).collect();
    serde_json::json!({
        "settings": settings,
        "token_store": {"value": token_store.0, "source": token_store.1},
        "token_key": {"value": token_key.0, "source": token_key.1},
        "unknown_keys": unknown,
        "errors": errors,
    })
}

/// Prints the resolved configuration (as JSON with `json`); with errors, prints what resolved,
/// then each error on standard error, and exits 2.
pub(crate) fn show(cli: &Cli, json: bool) -> Result<Exit, CliError> {
    let diagnosis = config_loader(cli).diagnose();
    let path = token_store_path(cli)?;
    let source = if cli.token_store.is_some() {
        "--token-store or BLUEBUTTON_TOKEN_STORE"
    } else {
        "default"
    };
    let (key, key_source) = token_key_source(cli)?.describe();
    let store = path.display().to_string();
    let text = if json {
        let mut text = render_json(&diagnosis, (&store, source), (&key, key_source)).to_string();
        text.push('\n');
        text
    } else {
        render(
            diagnosis.config(),
            diagnosis.unresolved(),
            (&store, source),
            (&key, key_source),
        )
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    if diagnosis.errors().is_empty() {
        return Ok(Exit::Success);
    }
    let mut err = std::io::stderr().lock();
    for error in diagnosis.errors() {
        writeln!(err, "bluebutton: error: configuration: {error}")?;
    }
    Ok(Exit::Usage)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_every_value_with_its_source_and_never_the_secret() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cfg.json");
        std::fs::write(
            &path,
            r#"{"client_id":"abc","client_secret":"top-secret-value","callback_url":"http://127.0.0.1:8765/callback","environment":"LOCAL","colour":"blue"}"#,
        )
        .unwrap();
        let config = bluebutton_config::ConfigLoader::new()
            .file(&path)
            .env_vars([("BLUEBUTTON_RETRY_TOTAL", "7")])
            .load()
            .unwrap();
        let text = render(
            &config,
            &[],
            ("/home/u/.config/bluebutton/tokens.json", "default"),
            ("/home/u/.local/share/bluebutton/tokens.key", "default"),
        )
        .replace(&path.display().to_string(), "CFG");
        assert!(!text.contains("top-secret-value"));
        insta::assert_snapshot!(text);
    }

    #[test]
    fn every_setting_has_a_value_and_a_source_from_each_layer() {
        let file = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../bluebutton-config/tests/data/python/json/sample-config-w-retry.json"
        );
        let config = bluebutton_config::ConfigLoader::new()
            .file(file)
            .env_vars([
                ("BLUEBUTTON_CLIENT_SECRET", "TOP-SECRET-42"),
                ("BLUEBUTTON_CONNECT_TIMEOUT", "2"),
            ])
            .overrides(Config::builder().retry_jitter(true))
            .load()
            .unwrap();
        let rows = rows(&config, &[]);
        assert_eq!(rows.len(), ConfigKey::ALL.len());
        let rendered: Vec<String> = rows
            .iter()
            .map(|r| {
                format!("{} = {} ({})", r.key, r.value, r.source.unwrap()).replace(file, "CFG")
            })
            .collect();
        let rendered = rendered.join("\n");
        assert!(!rendered.contains("TOP-SECRET-42"));
        assert!(
            !rendered.contains("(set)"),
            "a setting without a format: {rendered}"
        );
        insta::assert_snapshot!(rendered, @r"
        client_id = <client_id> (config file CFG)
        client_secret = [redacted] (environment variable BLUEBUTTON_CLIENT_SECRET)
        callback_url = https://www.fake.com/callback (config file CFG)
        environment = SANDBOX (config file CFG)
        base_url = https://sandbox.bluebutton.cms.gov/ (default)
        version = 1 (config file CFG)
        token_refresh_on_expire = true (default)
        retry_settings.total = 7 (config file CFG)
        retry_settings.backoff_factor = 10s (config file CFG)
        retry_settings.status_forcelist = 500,502 (config file CFG)
        retry_settings.jitter = true (builder)
        retry_settings.max_backoff = 120s (default)
        retry_settings.max_retry_after = 120s (default)
        timeouts.connect = 2s (environment variable BLUEBUTTON_CONNECT_TIMEOUT)
        timeouts.request = 60s (default)
        ");
    }
}
