//! Every setting of the key table loads from a file under each of its spellings (snake_case,
//! as the Python SDK writes them, and the camelCase of the Node SDK), in JSON and in YAML, and
//! from its `BLUEBUTTON_*` environment variable.

use std::path::Path;
use std::time::Duration;

use bluebutton_config::{ApiVersion, Config, ConfigKey, Environment, ValueSource};
use serde_json::{Map, Value, json};

/// A value for `key` that differs from its default.
fn sample(key: ConfigKey) -> Value {
    match key {
        ConfigKey::ClientId => json!("id-1"),
        ConfigKey::ClientSecret => json!("secret-1"),
        ConfigKey::CallbackUrl => json!("http://127.0.0.1:8765/callback"),
        ConfigKey::Environment => json!("production"),
        ConfigKey::BaseUrl => json!("https://bb.example/api"),
        ConfigKey::Version => json!("v3"),
        ConfigKey::TokenRefreshOnExpire => json!(false),
        ConfigKey::RetryTotal => json!(9),
        ConfigKey::RetryBackoffFactor => json!(0.25),
        ConfigKey::RetryStatusForcelist => json!([429, 503]),
        ConfigKey::RetryJitter => json!(true),
        ConfigKey::RetryMaxBackoff => json!(30),
        ConfigKey::RetryMaxRetryAfter => json!(45),
        ConfigKey::ConnectTimeout => json!(1.5),
        ConfigKey::RequestTimeout => json!(20),
        other => panic!("no sample value for `{other}`: add one here"),
    }
}

/// What the samples load as.
fn assert_samples(config: &Config, what: &str) {
    assert_eq!(config.client_id(), "id-1", "{what}");
    assert_eq!(config.client_secret().expose_secret(), "secret-1", "{what}");
    assert_eq!(
        config.callback_url().as_str(),
        "http://127.0.0.1:8765/callback",
        "{what}"
    );
    assert_eq!(config.environment(), Environment::Production, "{what}");
    assert_eq!(
        config.base_url().as_str(),
        "https://bb.example/api",
        "{what}"
    );
    assert_eq!(config.version(), ApiVersion::V3, "{what}");
    assert!(!config.token_refresh_on_expire(), "{what}");
    let retry = config.retry_settings();
    assert_eq!(retry.total, 9, "{what}");
    assert_eq!(retry.backoff_factor, Duration::from_millis(250), "{what}");
    assert_eq!(retry.status_forcelist, [429, 503], "{what}");
    assert!(retry.jitter, "{what}");
    assert_eq!(retry.max_backoff, Duration::from_secs(30), "{what}");
    assert_eq!(retry.max_retry_after, Duration::from_secs(45), "{what}");
    assert_eq!(
        config.timeouts().connect,
        Duration::from_millis(1500),
        "{what}"
    );
    assert_eq!(config.timeouts().request, Duration::from_secs(20), "{what}");
}

/// One spelling of the keys: the dotted path it gives each key.
type Spelling = fn(&ConfigKey) -> &'static str;

/// A document setting every key under the dotted spelling `path` gives it.
fn document(path: Spelling) -> Value {
    let mut top = Map::new();
    for key in ConfigKey::ALL {
        let mut map = &mut top;
        let mut segments: Vec<&str> = path(&key).split('.').collect();
        let leaf = segments.pop().unwrap();
        for segment in segments {
            map = map
                .entry(segment)
                .or_insert_with(|| Value::Object(Map::new()))
                .as_object_mut()
                .unwrap();
        }
        map.insert(leaf.to_owned(), sample(key));
    }
    Value::Object(top)
}

fn load(dir: &Path, name: &str, text: &str) -> Config {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    let config = Config::from_file(&path).unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
    for key in ConfigKey::ALL {
        assert_eq!(
            config.source_of(key),
            &ValueSource::File(path.clone()),
            "{name}: `{key}` did not come from the file\n{text}"
        );
    }
    assert!(
        config.unknown_keys().is_empty(),
        "{name}: {:?}",
        config.unknown_keys()
    );
    config
}

#[test]
fn every_key_loads_from_json_and_yaml_under_each_spelling() {
    let dir = tempfile::tempdir().unwrap();
    let spellings: [(&str, Spelling); 2] =
        [("snake", ConfigKey::path), ("camel", ConfigKey::camel_path)];
    for (spelling, path) in spellings {
        let doc = document(path);
        let json = serde_json::to_string_pretty(&doc).unwrap();
        let yaml = serde_yaml::to_string(&doc).unwrap();
        for (name, text) in [
            (format!("{spelling}.json"), json),
            (format!("{spelling}.yaml"), yaml),
        ] {
            let config = load(dir.path(), &name, &text);
            assert_samples(&config, &name);
        }
    }
}

#[test]
fn the_two_spellings_differ_where_the_node_sdk_writes_camel_case() {
    let differ: Vec<&str> = ConfigKey::ALL
        .iter()
        .filter(|k| k.path() != k.camel_path())
        .map(|k| k.camel_path())
        .collect();
    assert_eq!(
        differ,
        [
            "clientId",
            "clientSecret",
            "callbackUrl",
            "baseUrl",
            "tokenRefreshOnExpire",
            "retrySettings.total",
            "retrySettings.backoffFactor",
            "retrySettings.statusForcelist",
            "retrySettings.jitter",
            "retrySettings.maxBackoff",
            "retrySettings.maxRetryAfter",
        ]
    );
}

#[test]
fn each_camel_case_key_alone_loads_in_a_snake_case_file() {
    // Spellings mix freely: one camelCase key among snake_case ones still loads.
    for key in ConfigKey::ALL {
        let mut doc = document(ConfigKey::path);
        let snake: Vec<&str> = key.path().split('.').collect();
        let camel: Vec<&str> = key.camel_path().split('.').collect();
        let map = match snake.as_slice() {
            [_] => doc.as_object_mut().unwrap(),
            [group, _] => doc[group].as_object_mut().unwrap(),
            other => panic!("unexpected nesting {other:?}"),
        };
        let value = map.remove(*snake.last().unwrap()).unwrap();
        map.insert((*camel.last().unwrap()).to_owned(), value);
        let config = Config::from_value(doc).unwrap_or_else(|e| panic!("{key}: {e}"));
        assert_eq!(config.source_of(key), &ValueSource::Value, "{key}");
        assert_samples(&config, key.camel_path());
    }
}

#[test]
fn every_key_loads_from_its_environment_variable() {
    let vars: Vec<(&str, String)> = ConfigKey::ALL
        .into_iter()
        .map(|key| {
            let text = match sample(key) {
                Value::String(text) => text,
                Value::Array(items) => items
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                other => other.to_string(),
            };
            (key.env_var(), text)
        })
        .collect();
    let config = Config::from_env_vars(vars).unwrap();
    for key in ConfigKey::ALL {
        assert_eq!(
            config.source_of(key),
            &ValueSource::Env(key.env_var().to_owned()),
            "{key}"
        );
    }
    assert_samples(&config, "environment");
}
