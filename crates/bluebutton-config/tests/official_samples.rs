//! The sample configurations of the official Python and Node SDK test suites, recreated, resolve
//! to the same base URL and settings here.

use std::path::PathBuf;
use std::time::Duration;

use bluebutton_config::{ApiVersion, Config, ConfigError, ConfigKey, Environment, ValueSource};
use serde_json::json;

fn data(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(path)
}

fn load(path: &str) -> Config {
    Config::from_file(data(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The Python SDK's "valid" files: ids, callback, version 1, and the environment's base URL.
#[test]
fn python_valid_files_resolve_per_environment() {
    for (file, env, base) in [
        (
            "sample-config-valid-local.json",
            Environment::Local,
            "http://localhost:8000/",
        ),
        (
            "sample-config-valid-test.json",
            Environment::Test,
            "https://test.bluebutton.cms.gov/",
        ),
        (
            "sample-config-valid-sbx.json",
            Environment::Sandbox,
            "https://sandbox.bluebutton.cms.gov/",
        ),
        (
            "sample-config-valid-prod.json",
            Environment::Production,
            "https://api.bluebutton.cms.gov/",
        ),
    ] {
        let config = load(&format!("python/json/{file}"));
        assert_eq!(config.environment(), env, "{file}");
        assert_eq!(config.base_url().as_str(), base, "{file}");
        assert_eq!(config.client_id(), "<client_id>");
        assert_eq!(config.client_secret().expose_secret(), "<client_secret>");
        assert_eq!(
            config.callback_url().as_str(),
            "https://www.fake.com/callback"
        );
        assert_eq!(config.version(), ApiVersion::V1);
        assert!(config.token_refresh_on_expire());
        assert_eq!(config.retry_settings().total, 3);
        assert!(config.unknown_keys().is_empty());
        assert_eq!(
            config.endpoints().authorize.as_str(),
            format!("{base}v1/o/authorize/"),
            "{file}"
        );
    }
}

/// Python `test_read_config_json_yaml`: the JSON and YAML sandbox files mean the same.
#[test]
fn python_json_and_yaml_files_are_equal() {
    let json = load("python/json/sample-config-valid-sbx.json");
    let yaml = load("python/yaml/sample-config-valid-sbx.yaml");
    let values = |c: &Config| {
        format!(
            "{:?}",
            (
                c.client_id(),
                c.callback_url(),
                c.environment(),
                c.base_url(),
                c.version(),
                c.token_refresh_on_expire(),
                c.retry_settings(),
                c.timeouts(),
            )
        )
    };
    assert_eq!(values(&json), values(&yaml));
    assert_eq!(
        json.client_secret().expose_secret(),
        yaml.client_secret().expose_secret()
    );
}

/// Python's dict config: defaults for refresh and retry.
#[test]
fn python_dict_config() {
    let config = Config::from_value(json!({
        "environment": "SANDBOX",
        "client_id": "<client_id>",
        "client_secret": "<client_secret>",
        "callback_url": "https://www.fake.com/callback",
        "version": 1,
    }))
    .unwrap();
    assert_eq!(
        config.base_url().as_str(),
        "https://sandbox.bluebutton.cms.gov/"
    );
    assert_eq!(config.client_id(), "<client_id>");
    assert_eq!(
        config.callback_url().as_str(),
        "https://www.fake.com/callback"
    );
    assert_eq!(config.version(), ApiVersion::V1);
    assert!(config.token_refresh_on_expire());
    let retry = config.retry_settings();
    assert_eq!(
        (
            retry.total,
            retry.backoff_factor,
            retry.status_forcelist.clone()
        ),
        (3, Duration::from_secs(5), vec![500, 502, 503, 504])
    );
    assert_eq!(config.source_of(ConfigKey::ClientId), &ValueSource::Value);
    assert_eq!(
        config.source_of(ConfigKey::RetryTotal),
        &ValueSource::Default
    );
}

#[test]
fn python_retry_files() {
    let with_retry = load("python/json/sample-config-w-retry.json");
    let r = with_retry.retry_settings();
    assert_eq!(
        (r.total, r.backoff_factor, r.status_forcelist.clone()),
        (7, Duration::from_secs(10), vec![500, 502])
    );

    let disabled = load("python/json/sample-config-retry-disable.json");
    let r = disabled.retry_settings();
    assert_eq!(
        (r.total, r.backoff_factor, r.status_forcelist.clone()),
        (0, Duration::from_secs(7), vec![500, 502, 508])
    );
}

#[test]
fn python_token_refresh_disabled() {
    assert!(
        !load("python/json/sample-config-token-refresh-disable.json").token_refresh_on_expire()
    );
}

#[test]
fn python_missing_version_is_2() {
    let config = load("python/json/sample-config-no-version.json");
    assert_eq!(config.version(), ApiVersion::V2);
    assert_eq!(config.source_of(ConfigKey::Version), &ValueSource::Default);
}

/// Python raises here; its README and the Node SDK say SANDBOX: we follow them.
#[test]
fn missing_environment_is_sandbox() {
    let config = load("python/json/sample-config-no-env.json");
    assert_eq!(config.environment(), Environment::Sandbox);
    assert_eq!(
        config.base_url().as_str(),
        "https://sandbox.bluebutton.cms.gov/"
    );
}

/// The Python tests pass `base_url` "to no effect"; here it is the override, and equal to the environment's.
#[test]
fn python_base_url_key_is_honoured() {
    let config = load("python/json/sample-config-with-base-url.json");
    assert_eq!(
        config.base_url().as_str(),
        "https://sandbox.bluebutton.cms.gov/"
    );
    assert!(config.base_url_override().is_some());
    assert!(config.unknown_keys().is_empty());
}

#[test]
fn python_missing_required_settings_and_wrong_environment() {
    for (file, key) in [
        ("sample-config-no-client-id.json", ConfigKey::ClientId),
        (
            "sample-config-no-client-secret.json",
            ConfigKey::ClientSecret,
        ),
        ("sample-config-no-callback-url.json", ConfigKey::CallbackUrl),
    ] {
        match Config::from_file(data(&format!("python/json/{file}"))) {
            Err(ConfigError::Missing { key: missing, .. }) => assert_eq!(missing, key, "{file}"),
            other => panic!("{file}: {other:?}"),
        }
    }
    let err = Config::from_file(data("python/json/sample-config-wrong-env.json")).unwrap_err();
    assert!(
        matches!(err, ConfigError::InvalidValue { ref key, .. } if key == "environment"),
        "{err}"
    );
}

/// A YAML file with quoted values, lower-case environment, "v3" and our timeouts.
#[test]
fn yaml_with_every_python_section() {
    let config = load("python/yaml/sample-config-w-retry.yml");
    assert_eq!(config.environment(), Environment::Production);
    assert_eq!(config.version(), ApiVersion::V3);
    assert!(!config.token_refresh_on_expire());
    let r = config.retry_settings();
    assert_eq!(
        (r.total, r.backoff_factor, r.status_forcelist.clone()),
        (7, Duration::from_millis(500), vec![500, 502])
    );
    assert_eq!(config.timeouts().connect, Duration::from_secs(5));
    assert_eq!(config.timeouts().request, Duration::from_secs(30));
}

/// Node `index.test.ts`: the environment files give `baseUrl`.
#[test]
fn node_environment_files() {
    for (file, base) in [
        ("bluebutton-config-local.json", "http://localhost:8000/"),
        (
            "bluebutton-config-sbx.json",
            "https://sandbox.bluebutton.cms.gov/",
        ),
        (
            "bluebutton-config-test.json",
            "https://test.bluebutton.cms.gov/",
        ),
        (
            "bluebutton-config-prod.json",
            "https://api.bluebutton.cms.gov/",
        ),
    ] {
        let config = load(&format!("node/{file}"));
        assert_eq!(config.base_url().as_str(), base, "{file}");
        assert_eq!(config.client_id(), "foo");
        assert_eq!(config.client_secret().expose_secret(), "bar");
        assert_eq!(config.callback_url().as_str(), "http://localhost/callback/");
    }
}

/// Node: version defaults to "2", environment to SANDBOX, refresh to true.
#[test]
fn node_defaults() {
    let config = load("node/bluebutton-config-defaults.json");
    assert_eq!(config.version(), ApiVersion::V2);
    assert_eq!(config.environment(), Environment::Sandbox);
    assert!(config.token_refresh_on_expire());
    assert_eq!(
        config.retry_settings(),
        &bluebutton_config::RetrySettings::default()
    );
    assert_eq!(config.timeouts(), &bluebutton_config::Timeouts::default());
}

/// Node: a PRODUCTION config given as an object.
#[test]
fn node_object_config() {
    let config = Config::from_value(json!({
        "clientId": "foo", "clientSecret": "bar", "callbackUrl": "http://localhost/callback/",
        "environment": "PRODUCTION", "version": "1",
    }))
    .unwrap();
    assert_eq!(
        config.base_url().as_str(),
        "https://api.bluebutton.cms.gov/"
    );
    assert_eq!(config.version(), ApiVersion::V1);
}

/// Every camelCase key, plus our extensions under their camelCase names.
#[test]
fn node_camel_case_file_with_every_key() {
    let config = load("node/bluebutton-config-full.json");
    assert_eq!(config.environment(), Environment::Test);
    assert_eq!(config.version(), ApiVersion::V1);
    assert_eq!(config.base_url().as_str(), "http://127.0.0.1:8000/");
    assert!(!config.token_refresh_on_expire());
    let r = config.retry_settings();
    assert_eq!(r.total, 2);
    assert_eq!(r.backoff_factor, Duration::from_millis(250));
    assert_eq!(r.status_forcelist, vec![429, 503]);
    assert!(r.jitter);
    assert_eq!(r.max_backoff, Duration::from_secs(30));
    assert_eq!(r.max_retry_after, Duration::from_secs(45));
    assert_eq!(config.timeouts().connect, Duration::from_millis(2500));
    assert_eq!(config.timeouts().request, Duration::from_secs(20));
    assert!(config.unknown_keys().is_empty());
    let path = data("node/bluebutton-config-full.json");
    assert!(
        config
            .provenance()
            .iter()
            .all(|(_, s)| s == &ValueSource::File(path.clone()))
    );
}

/// Node rejects `backoffFactor = 0`; we accept it as "retry without waiting".
#[test]
fn backoff_factor_zero_means_no_wait() {
    let config = load("node/bluebutton-config-backoff-zero.json");
    assert_eq!(config.retry_settings().backoff_factor, Duration::ZERO);
    assert_eq!(config.retry_settings().backoff(3), Duration::ZERO);
    assert_eq!(config.retry_settings().total, 3);
}

/// Node: `null` means "use the default".
#[test]
fn nulls_are_defaults() {
    let config = load("node/bluebutton-config-nulls.json");
    assert_eq!(config.environment(), Environment::Sandbox);
    assert_eq!(config.version(), ApiVersion::V2);
    assert!(config.token_refresh_on_expire());
    assert_eq!(config.retry_settings().total, 3);
    assert_eq!(
        config.retry_settings().backoff_factor,
        Duration::from_secs(1)
    );
}
