//! Every source (builder, value, file, discovery, environment) and their precedence:
//! builder > environment > file > default, key by key, with provenance.

use std::path::PathBuf;
use std::time::Duration;

use bluebutton_config::{
    ApiVersion, Config, ConfigError, ConfigKey, ConfigLoader, Environment, RetrySettings, Timeouts,
    ValueSource,
};
use serde_json::json;

fn data(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(path)
}

fn env(name: &str) -> ValueSource {
    ValueSource::Env(name.to_owned())
}

const NO_VARS: [(&str, &str); 0] = [];

fn required_vars() -> Vec<(&'static str, &'static str)> {
    vec![
        ("BLUEBUTTON_CLIENT_ID", "env-id"),
        ("BLUEBUTTON_CLIENT_SECRET", "env-secret"),
        ("BLUEBUTTON_CALLBACK_URL", "https://env.example/cb"),
    ]
}

#[test]
fn builder_alone() {
    let config = Config::builder()
        .client_id("id")
        .client_secret("secret")
        .callback_url(url::Url::parse("https://app.example/cb").unwrap())
        .environment(Environment::Local)
        .version(ApiVersion::V3)
        .token_refresh_on_expire(false)
        .retry_settings(RetrySettings::disabled())
        .timeouts(Timeouts::new(
            Duration::from_secs(1),
            Duration::from_secs(2),
        ))
        .build()
        .unwrap();
    assert_eq!(config.base_url().as_str(), "http://localhost:8000/");
    assert_eq!(
        config.endpoints().token.as_str(),
        "http://localhost:8000/v3/o/token/"
    );
    assert_eq!(
        config.endpoints_for(ApiVersion::V1).token.as_str(),
        "http://localhost:8000/v1/o/token/"
    );
    assert_eq!(config.retry_settings().total, 0);
    assert!(!config.token_refresh_on_expire());
    assert_eq!(config.timeouts().request, Duration::from_secs(2));
    assert!(
        config
            .provenance()
            .iter()
            .all(|(k, s)| if k == ConfigKey::BaseUrl {
                s == &ValueSource::Default
            } else {
                s == &ValueSource::Builder
            })
    );
}

#[test]
fn builder_granular_retry_and_timeout_setters() {
    let config = Config::builder()
        .client_id("id")
        .client_secret("secret")
        .callback_url("https://app.example/cb")
        .base_url("http://[::1]:9000/prefix")
        .retry_total(4)
        .retry_backoff_factor(Duration::from_millis(100))
        .retry_status_forcelist([429, 503])
        .retry_jitter(true)
        .retry_max_backoff(Duration::from_secs(9))
        .retry_max_retry_after(Duration::from_secs(8))
        .connect_timeout(Duration::from_secs(3))
        .request_timeout(Duration::from_secs(4))
        .build()
        .unwrap();
    let r = config.retry_settings();
    assert_eq!(
        (
            r.total,
            r.backoff_factor,
            r.status_forcelist.clone(),
            r.jitter,
            r.max_backoff,
            r.max_retry_after
        ),
        (
            4,
            Duration::from_millis(100),
            vec![429, 503],
            true,
            Duration::from_secs(9),
            Duration::from_secs(8)
        )
    );
    assert_eq!(
        config.timeouts(),
        &Timeouts::new(Duration::from_secs(3), Duration::from_secs(4))
    );
    assert_eq!(
        config.endpoints().fhir_base.as_str(),
        "http://[::1]:9000/prefix/v2/fhir/"
    );
    assert_eq!(config.environment(), Environment::Sandbox);
}

#[test]
fn from_env_vars_alone() {
    let mut vars = required_vars();
    vars.extend([
        ("BLUEBUTTON_ENVIRONMENT", "production"),
        ("BLUEBUTTON_VERSION", "v1"),
        ("BLUEBUTTON_BASE_URL", "https://proxy.example/bb"),
        ("BLUEBUTTON_TOKEN_REFRESH_ON_EXPIRE", "no"),
        ("BLUEBUTTON_RETRY_TOTAL", "5"),
        ("BLUEBUTTON_RETRY_BACKOFF_FACTOR", "0.5"),
        ("BLUEBUTTON_RETRY_STATUS_FORCELIST", "500, 429,"),
        ("BLUEBUTTON_RETRY_JITTER", "true"),
        ("BLUEBUTTON_RETRY_MAX_BACKOFF", "15"),
        ("BLUEBUTTON_RETRY_MAX_RETRY_AFTER", "16"),
        ("BLUEBUTTON_CONNECT_TIMEOUT", "1.5"),
        ("BLUEBUTTON_REQUEST_TIMEOUT", "90"),
        ("PATH", "/usr/bin"),
        ("BLUEBUTTON_SOMETHING_ELSE", "ignored"),
    ]);
    let config = Config::from_env_vars(vars).unwrap();
    assert_eq!(config.client_id(), "env-id");
    assert_eq!(config.client_secret().expose_secret(), "env-secret");
    assert_eq!(config.environment(), Environment::Production);
    assert_eq!(config.version(), ApiVersion::V1);
    assert_eq!(
        config.endpoints().token.as_str(),
        "https://proxy.example/bb/v1/o/token/"
    );
    assert!(!config.token_refresh_on_expire());
    let r = config.retry_settings();
    assert_eq!(
        (r.total, r.backoff_factor, r.status_forcelist.clone()),
        (5, Duration::from_millis(500), vec![500, 429])
    );
    assert!(r.jitter);
    assert_eq!(r.max_backoff, Duration::from_secs(15));
    assert_eq!(r.max_retry_after, Duration::from_secs(16));
    assert_eq!(
        config.timeouts(),
        &Timeouts::new(Duration::from_millis(1500), Duration::from_secs(90))
    );
    for key in ConfigKey::ALL {
        assert_eq!(config.source_of(key), &env(key.env_var()), "{key}");
    }
    assert!(config.unknown_keys().is_empty());
}

#[test]
fn empty_env_values_count_as_unset() {
    let mut vars = required_vars();
    vars.extend([("BLUEBUTTON_VERSION", ""), ("BLUEBUTTON_RETRY_TOTAL", "")]);
    let config = Config::from_env_vars(vars).unwrap();
    assert_eq!(config.version(), ApiVersion::V2);
    assert_eq!(config.source_of(ConfigKey::Version), &ValueSource::Default);
}

#[test]
fn env_forcelist_can_be_emptied() {
    let mut vars = required_vars();
    vars.push(("BLUEBUTTON_RETRY_STATUS_FORCELIST", " , "));
    let config = Config::from_env_vars(vars).unwrap();
    assert!(config.retry_settings().status_forcelist.is_empty());
}

#[test]
fn env_overrides_file_key_by_key() {
    let config = ConfigLoader::new()
        .file(data("python/json/sample-config-w-retry.json"))
        .env_vars([
            ("BLUEBUTTON_CLIENT_SECRET", "env-secret"),
            ("BLUEBUTTON_RETRY_BACKOFF_FACTOR", "1"),
            ("BLUEBUTTON_ENVIRONMENT", "TEST"),
        ])
        .load()
        .unwrap();
    let file = ValueSource::File(data("python/json/sample-config-w-retry.json"));
    assert_eq!(config.client_id(), "<client_id>");
    assert_eq!(config.source_of(ConfigKey::ClientId), &file);
    assert_eq!(config.client_secret().expose_secret(), "env-secret");
    assert_eq!(
        config.source_of(ConfigKey::ClientSecret),
        &env("BLUEBUTTON_CLIENT_SECRET")
    );
    assert_eq!(config.environment(), Environment::Test);
    // The file's other retry keys survive an env override of one of them.
    let r = config.retry_settings();
    assert_eq!(
        (r.total, r.backoff_factor, r.status_forcelist.clone()),
        (7, Duration::from_secs(1), vec![500, 502])
    );
    assert_eq!(config.source_of(ConfigKey::RetryTotal), &file);
    assert_eq!(
        config.source_of(ConfigKey::RetryBackoffFactor),
        &env("BLUEBUTTON_RETRY_BACKOFF_FACTOR")
    );
    assert_eq!(
        config.source_of(ConfigKey::ConnectTimeout),
        &ValueSource::Default
    );
}

#[test]
fn builder_overrides_env_and_file() {
    let config = ConfigLoader::new()
        .file(data("python/json/sample-config-valid-prod.json"))
        .env_vars([
            ("BLUEBUTTON_CLIENT_ID", "env-id"),
            ("BLUEBUTTON_VERSION", "3"),
        ])
        .overrides(
            Config::builder()
                .client_id("builder-id")
                .base_url("http://127.0.0.1:4000"),
        )
        .load()
        .unwrap();
    assert_eq!(config.client_id(), "builder-id");
    assert_eq!(config.source_of(ConfigKey::ClientId), &ValueSource::Builder);
    assert_eq!(config.version(), ApiVersion::V3);
    assert_eq!(config.environment(), Environment::Production);
    assert_eq!(config.base_url().as_str(), "http://127.0.0.1:4000/");
    assert_eq!(
        config.endpoints().authorize.as_str(),
        "http://127.0.0.1:4000/v3/o/authorize/"
    );
}

#[test]
fn value_with_env_and_builder() {
    let config = ConfigLoader::new()
        .value(
            json!({"client_id": "v", "client_secret": "s", "callback_url": "https://a.example/cb"}),
        )
        .env_vars([("BLUEBUTTON_RETRY_TOTAL", "1")])
        .load()
        .unwrap();
    assert_eq!(config.source_of(ConfigKey::ClientId), &ValueSource::Value);
    assert_eq!(config.retry_settings().total, 1);
}

/// Discovery in `dir` with the given variables instead of the process environment.
fn discover_in<I, K, V>(dir: PathBuf, vars: I) -> Result<Config, ConfigError>
where
    I: IntoIterator<Item = (K, V)>,
    K: Into<String>,
    V: Into<String>,
{
    ConfigLoader::new().discover_in(dir).env_vars(vars).load()
}

#[test]
fn discovery_prefers_json_then_yaml_then_yml() {
    for (dir, id) in [
        ("discover/json-and-yaml", "from-json"),
        ("discover/yaml-and-yml", "from-yaml"),
        ("discover/yml-only", "from-yml"),
    ] {
        let config = discover_in(data(dir), NO_VARS).unwrap();
        assert_eq!(config.client_id(), id, "{dir}");
    }
    let yml = discover_in(data("discover/yml-only"), NO_VARS).unwrap();
    assert_eq!(yml.environment(), Environment::Local);
    assert_eq!(yml.retry_settings().backoff_factor, Duration::from_secs(2));
    assert_eq!(
        yml.source_of(ConfigKey::Environment),
        &ValueSource::File(data("discover/yml-only/.bluebutton-config.yml"))
    );
}

#[test]
fn discovery_applies_env_on_top() {
    let config = discover_in(
        data("discover/yml-only"),
        [
            ("BLUEBUTTON_ENVIRONMENT", "SANDBOX"),
            ("BLUEBUTTON_RETRY_TOTAL", "9"),
        ],
    )
    .unwrap();
    assert_eq!(config.client_id(), "from-yml");
    assert_eq!(config.environment(), Environment::Sandbox);
    assert_eq!(config.retry_settings().total, 9);
}

#[test]
fn discovery_without_a_file_uses_env_alone() {
    let config = discover_in(data("discover/empty"), required_vars()).unwrap();
    assert_eq!(config.client_id(), "env-id");
    let err = discover_in(data("discover/empty"), NO_VARS).unwrap_err();
    assert!(
        matches!(
            err,
            ConfigError::Missing {
                key: ConfigKey::ClientId,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn loader_without_sources_reports_missing_settings() {
    let err = ConfigLoader::new().load().unwrap_err();
    insta::assert_snapshot!(err.to_string(), @"required setting `client_id` is missing (no source was given); set `client_id` (or `clientId`) in a config file or the environment variable BLUEBUTTON_CLIENT_ID");
}

#[test]
fn missing_message_lists_every_source_consulted() {
    let err = ConfigLoader::new()
        .file("tests/data/python/json/sample-config-no-callback-url.json")
        .env_vars(NO_VARS)
        .overrides(Config::builder().version(ApiVersion::V1))
        .load()
        .unwrap_err();
    insta::assert_snapshot!(err.to_string(), @"required setting `callback_url` is missing (looked in: config file tests/data/python/json/sample-config-no-callback-url.json, environment variable BLUEBUTTON_CALLBACK_URL, builder); set `callback_url` (or `callbackUrl`) in a config file, the builder or the environment variable BLUEBUTTON_CALLBACK_URL");
}

#[test]
fn unknown_keys_are_reported_by_dotted_path() {
    let config = Config::from_value(json!({
        "client_id": "id", "client_secret": "s", "callback_url": "https://a.example/cb",
        "retry_settings": {"total": 1, "foo": 2},
        "retrySettingz": {},
        "timeouts": {"read": 1},
        "scope": ["openid"],
    }))
    .unwrap();
    assert_eq!(
        config.unknown_keys(),
        [
            "retrySettingz",
            "retry_settings.foo",
            "scope",
            "timeouts.read"
        ]
    );
}

#[test]
fn from_env_reads_the_process_environment_without_mutating_it() {
    // The process environment is whatever the test runner has; both entry points must agree.
    let direct = Config::from_env()
        .map(|c| c.client_id().to_owned())
        .map_err(|e| e.to_string());
    let vars: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect();
    let injected = Config::from_env_vars(vars)
        .map(|c| c.client_id().to_owned())
        .map_err(|e| e.to_string());
    assert_eq!(direct, injected);
}
