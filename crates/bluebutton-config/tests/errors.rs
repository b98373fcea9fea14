//! Every validation error, with its message snapshotted; no message, `Debug` or source holds the secret.

use std::error::Error as _;
use std::path::Path;
use std::time::Duration;

use bluebutton_config::{Config, ConfigError, ConfigLoader, Timeouts};
use serde_json::{Value, json};

const SECRET: &str = "TOP-SECRET-42";

/// Fails if the secret is anywhere in the error: Display, Debug, or any source's Display/Debug.
fn assert_no_secret(err: &ConfigError) {
    let mut texts = vec![err.to_string(), format!("{err:?}"), format!("{err:#?}")];
    let mut source = err.source();
    while let Some(s) = source {
        texts.push(s.to_string());
        texts.push(format!("{s:?}"));
        source = s.source();
    }
    for text in texts {
        assert!(!text.contains(SECRET), "the secret leaked: {text}");
    }
}

fn valid() -> Value {
    json!({
        "environment": "SANDBOX",
        "client_id": "my-client",
        "client_secret": SECRET,
        "callback_url": "https://app.example/callback",
    })
}

/// `valid()` with `patch` merged in (top level and one level down).
fn with(patch: Value) -> Value {
    let mut base = valid();
    for (k, v) in patch.as_object().unwrap() {
        base[k] = v.clone();
    }
    base
}

fn render(cases: Vec<(&str, ConfigError)>) -> String {
    cases
        .iter()
        .map(|(name, err)| {
            assert_no_secret(err);
            format!("{name}:\n  {err}\n")
        })
        .collect()
}

fn value_err(value: Value) -> ConfigError {
    match Config::from_value(value) {
        Ok(config) => panic!("accepted: {config:?}"),
        Err(err) => err,
    }
}

fn file_err(path: &str) -> ConfigError {
    match Config::from_file(path) {
        Ok(config) => panic!("{path} accepted: {config:?}"),
        Err(err) => err,
    }
}

fn env_err(vars: &[(&str, &str)]) -> ConfigError {
    let mut all = vec![
        ("BLUEBUTTON_CLIENT_ID", "my-client"),
        ("BLUEBUTTON_CLIENT_SECRET", SECRET),
        ("BLUEBUTTON_CALLBACK_URL", "https://app.example/callback"),
    ];
    all.extend_from_slice(vars);
    match Config::from_env_vars(all) {
        Ok(config) => panic!("accepted: {config:?}"),
        Err(err) => err,
    }
}

#[test]
fn file_errors() {
    let cases = vec![
        (
            "unsupported extension",
            file_err("tests/data/invalid/config.xxx"),
        ),
        (
            "missing file",
            file_err("tests/data/invalid/does-not-exist.json"),
        ),
        (
            "truncated JSON",
            file_err("tests/data/invalid/truncated.json"),
        ),
        ("broken YAML", file_err("tests/data/invalid/broken.yaml")),
        ("YAML list", file_err("tests/data/invalid/list.yaml")),
        ("empty YAML", file_err("tests/data/invalid/empty.yaml")),
        (
            "version as a list",
            file_err("tests/data/invalid/version-list.json"),
        ),
        (
            "retry_settings as a string",
            file_err("tests/data/invalid/retry-string.yaml"),
        ),
        (
            "negative backoff (camelCase)",
            file_err("tests/data/invalid/negative-backoff.yaml"),
        ),
    ];
    assert!(matches!(
        cases[0].1,
        ConfigError::UnsupportedExtension { .. }
    ));
    assert!(matches!(cases[1].1, ConfigError::FileNotFound { .. }));
    assert!(matches!(cases[2].1, ConfigError::InvalidJson { .. }));
    assert!(matches!(cases[3].1, ConfigError::InvalidYaml { .. }));
    assert!(matches!(cases[4].1, ConfigError::NotAMapping { .. }));
    assert!(matches!(cases[5].1, ConfigError::NotAMapping { .. }));
    assert!(matches!(cases[6].1, ConfigError::WrongType { .. }));
    assert!(matches!(cases[7].1, ConfigError::WrongType { .. }));
    assert!(matches!(cases[8].1, ConfigError::InvalidValue { .. }));
    insta::assert_snapshot!(render(cases));
}

#[test]
fn unsupported_extension_is_checked_before_the_file_is_opened() {
    let err = file_err("tests/data/invalid/absent.toml");
    assert!(
        matches!(err, ConfigError::UnsupportedExtension { .. }),
        "{err}"
    );
    let err = file_err("tests/data/invalid/no-extension");
    assert!(
        matches!(err, ConfigError::UnsupportedExtension { .. }),
        "{err}"
    );
}

#[test]
fn billion_laughs_yaml_fails_fast() {
    // Expanded, the document would hold 9^9 strings; yaml_serde stops at its repetition limit.
    let err = file_err("tests/data/invalid/billion-laughs.yaml");
    assert!(matches!(err, ConfigError::InvalidYaml { .. }), "{err}");
    insta::assert_snapshot!(err.to_string());
}

#[test]
fn value_errors() {
    let cases = vec![
        ("not a mapping", value_err(json!(["client_id"]))),
        (
            "both spellings",
            value_err(with(json!({"clientId": "other"}))),
        ),
        ("empty client_id", value_err(with(json!({"client_id": ""})))),
        (
            "blank client_secret",
            value_err(with(json!({"client_secret": "  "}))),
        ),
        (
            "client_secret a number",
            value_err(with(json!({"client_secret": 42}))),
        ),
        (
            "client_id a list",
            value_err(with(json!({"client_id": [SECRET]}))),
        ),
        (
            "callback not a URL",
            value_err(with(json!({"callback_url": "localhost/callback"}))),
        ),
        (
            "callback scheme",
            value_err(with(json!({"callback_url": "ftp://app.example/cb"}))),
        ),
        (
            "callback fragment",
            value_err(with(json!({"callback_url": "https://app.example/cb#frag"}))),
        ),
        (
            "callback credentials",
            value_err(with(
                json!({"callback_url": format!("https://u:{SECRET}@app.example/cb")}),
            )),
        ),
        (
            "base_url plain http",
            value_err(with(
                json!({"base_url": "http://sandbox.bluebutton.cms.gov"}),
            )),
        ),
        (
            "base_url with the version",
            value_err(with(
                json!({"base_url": "https://sandbox.bluebutton.cms.gov/v2/"}),
            )),
        ),
        (
            "baseUrl with query",
            value_err(with(json!({"baseUrl": "https://proxy.example/?a=b"}))),
        ),
        (
            "environment unknown",
            value_err(with(json!({"environment": "PROD"}))),
        ),
        (
            "environment a number",
            value_err(with(json!({"environment": 1}))),
        ),
        ("version 4", value_err(with(json!({"version": 4})))),
        ("version v9", value_err(with(json!({"version": "v9"})))),
        ("version 2.5", value_err(with(json!({"version": 2.5})))),
        ("version bool", value_err(with(json!({"version": true})))),
        (
            "token_refresh_on_expire a string",
            value_err(with(json!({"token_refresh_on_expire": "yes"}))),
        ),
        (
            "retry total negative",
            value_err(with(json!({"retry_settings": {"total": -1}}))),
        ),
        (
            "retry total fractional",
            value_err(with(json!({"retry_settings": {"total": 1.5}}))),
        ),
        (
            "retry total a string",
            value_err(with(json!({"retry_settings": {"total": "3"}}))),
        ),
        (
            "retry total too big",
            value_err(with(json!({"retry_settings": {"total": 5_000_000_000u64}}))),
        ),
        (
            "backoff a string",
            value_err(with(json!({"retry_settings": {"backoff_factor": "5"}}))),
        ),
        (
            "backoff negative",
            value_err(with(json!({"retry_settings": {"backoff_factor": -0.5}}))),
        ),
        (
            "backoff huge",
            value_err(with(json!({"retry_settings": {"backoff_factor": 1e300}}))),
        ),
        (
            "forcelist not a list",
            value_err(with(json!({"retry_settings": {"status_forcelist": 500}}))),
        ),
        (
            "forcelist 99",
            value_err(with(
                json!({"retry_settings": {"status_forcelist": [500, 99]}}),
            )),
        ),
        (
            "forcelist 600",
            value_err(with(json!({"retry_settings": {"statusForcelist": [600]}}))),
        ),
        (
            "forcelist string item",
            value_err(with(
                json!({"retry_settings": {"status_forcelist": ["500"]}}),
            )),
        ),
        (
            "forcelist negative item",
            value_err(with(
                json!({"retry_settings": {"status_forcelist": [-500]}}),
            )),
        ),
        (
            "both retry spellings",
            value_err(with(json!({"retry_settings": {}, "retrySettings": {}}))),
        ),
        (
            "both backoff spellings",
            value_err(with(
                json!({"retry_settings": {"backoff_factor": 1, "backoffFactor": 2}}),
            )),
        ),
        (
            "jitter a string",
            value_err(with(json!({"retry_settings": {"jitter": "on"}}))),
        ),
        (
            "max_backoff negative",
            value_err(with(json!({"retry_settings": {"max_backoff": -1}}))),
        ),
        ("timeouts a number", value_err(with(json!({"timeouts": 5})))),
        (
            "connect timeout zero",
            value_err(with(json!({"timeouts": {"connect": 0}}))),
        ),
        (
            "request timeout a string",
            value_err(with(json!({"timeouts": {"request": "60s"}}))),
        ),
    ];
    insta::assert_snapshot!(render(cases));
}

#[test]
fn env_errors() {
    let cases = vec![
        (
            "retry total",
            env_err(&[("BLUEBUTTON_RETRY_TOTAL", "three")]),
        ),
        ("version", env_err(&[("BLUEBUTTON_VERSION", "4")])),
        (
            "environment",
            env_err(&[("BLUEBUTTON_ENVIRONMENT", "prod")]),
        ),
        (
            "callback",
            env_err(&[("BLUEBUTTON_CALLBACK_URL", "not a url")]),
        ),
        (
            "base url",
            env_err(&[("BLUEBUTTON_BASE_URL", "http://example.org")]),
        ),
        (
            "refresh flag",
            env_err(&[("BLUEBUTTON_TOKEN_REFRESH_ON_EXPIRE", "maybe")]),
        ),
        ("jitter flag", env_err(&[("BLUEBUTTON_RETRY_JITTER", "2")])),
        (
            "forcelist item",
            env_err(&[("BLUEBUTTON_RETRY_STATUS_FORCELIST", "500,abc")]),
        ),
        (
            "forcelist range",
            env_err(&[("BLUEBUTTON_RETRY_STATUS_FORCELIST", "500,700")]),
        ),
        (
            "backoff",
            env_err(&[("BLUEBUTTON_RETRY_BACKOFF_FACTOR", "-1")]),
        ),
        (
            "backoff nan",
            env_err(&[("BLUEBUTTON_RETRY_BACKOFF_FACTOR", "NaN")]),
        ),
        (
            "connect timeout",
            env_err(&[("BLUEBUTTON_CONNECT_TIMEOUT", "0")]),
        ),
        (
            "request timeout",
            env_err(&[("BLUEBUTTON_REQUEST_TIMEOUT", "1m")]),
        ),
        (
            "max retry after",
            env_err(&[("BLUEBUTTON_RETRY_MAX_RETRY_AFTER", "inf")]),
        ),
        (
            "blank secret",
            env_err(&[("BLUEBUTTON_CLIENT_SECRET", "   ")]),
        ),
    ];
    insta::assert_snapshot!(render(cases));
}

#[test]
fn builder_errors() {
    let base = || {
        Config::builder()
            .client_id("my-client")
            .client_secret(SECRET)
            .callback_url("https://app.example/callback")
    };
    let err = |b: bluebutton_config::ConfigBuilder| b.build().unwrap_err();
    let cases = vec![
        ("empty id", err(base().client_id(""))),
        ("empty secret", err(base().client_secret(""))),
        (
            "missing secret",
            err(Config::builder()
                .client_id("x")
                .callback_url("https://a.example/cb")),
        ),
        (
            "callback",
            err(base().callback_url("mailto:someone@example.org")),
        ),
        ("base url", err(base().base_url("http://10.0.0.1:8000"))),
        ("forcelist", err(base().retry_status_forcelist([500, 42]))),
        (
            "zero timeout",
            err(base().timeouts(Timeouts::new(Duration::ZERO, Duration::from_secs(1)))),
        ),
        (
            "zero request timeout",
            err(base().request_timeout(Duration::ZERO)),
        ),
    ];
    insta::assert_snapshot!(render(cases));
}

#[test]
fn loader_errors_name_the_layer() {
    let err = ConfigLoader::new()
        .file("tests/data/python/json/sample-config-valid-sbx.json")
        .overrides(Config::builder().base_url("http://example.org"))
        .load()
        .unwrap_err();
    assert_no_secret(&err);
    insta::assert_snapshot!(err.to_string(), @"builder: `base_url` = http://example.org/ uses plain http, which is accepted only for loopback hosts (localhost, 127.0.0.0/8, [::1]); use https");
}

#[test]
fn io_errors_keep_their_source_and_path() {
    let err = file_err("tests/data/invalid/does-not-exist.yml");
    let ConfigError::FileNotFound { path, source } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(path, Path::new("tests/data/invalid/does-not-exist.yml"));
    assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
    assert!(err.source().is_some());
    let dir_err = file_err("tests/data/invalid/a-directory.json");
    assert!(
        matches!(
            dir_err,
            ConfigError::ReadFile { .. } | ConfigError::FileNotFound { .. }
        ),
        "{dir_err:?}"
    );
}
