//! Unsafe configuration is refused with a typed error naming the key and the rule: plain http
//! off loopback, keys given twice, oversized files, and nesting deep enough to stall a parser.

use std::path::{Path, PathBuf};

use bluebutton_config::{
    Config, ConfigError, ConfigLoader, MAX_CONFIG_DEPTH, MAX_CONFIG_FILE_BYTES,
};

const BASE: &str = r#""client_id": "id", "client_secret": "TOP-SECRET-42""#;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn load(path: &Path) -> Result<Config, ConfigError> {
    ConfigLoader::new().file(path).load()
}

/// The message with the temp dir replaced, for snapshots.
fn shown(error: &ConfigError, dir: &Path) -> String {
    error.to_string().replace(&dir.display().to_string(), "DIR")
}

#[test]
fn http_callback_urls_are_accepted_for_loopback_hosts_only() {
    let dir = tempfile::tempdir().unwrap();
    let with = |url: &str| {
        let path = write(
            dir.path(),
            "c.json",
            &format!(r#"{{{BASE}, "callback_url": "{url}"}}"#),
        );
        load(&path)
    };
    for good in [
        "http://127.0.0.1:8765/callback",
        "http://127.1.2.3/callback",
        "http://[::1]:8765/callback",
        "http://localhost/callback",
        "https://app.example/callback",
    ] {
        assert!(with(good).is_ok(), "{good}");
    }
    let mut messages = Vec::new();
    for bad in [
        "http://app.example/callback",
        "http://192.168.1.5:8765/callback",
    ] {
        let error = with(bad).unwrap_err();
        assert!(
            matches!(error, ConfigError::InsecureCallbackUrl { .. }),
            "{bad}: {error:?}"
        );
        messages.push(shown(&error, dir.path()));
    }
    // The same rule for the environment variable and the builder.
    let env = ConfigLoader::new()
        .env_vars([
            ("BLUEBUTTON_CLIENT_ID", "id"),
            ("BLUEBUTTON_CLIENT_SECRET", "s"),
            ("BLUEBUTTON_CALLBACK_URL", "http://app.example/cb"),
        ])
        .load()
        .unwrap_err();
    messages.push(env.to_string());
    let builder = Config::builder()
        .client_id("id")
        .client_secret("s")
        .callback_url("http://app.example/cb")
        .build()
        .unwrap_err();
    messages.push(builder.to_string());
    insta::assert_snapshot!(messages.join("\n"));
}

#[test]
fn an_http_base_url_with_production_is_refused_off_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "p.json",
        &format!(
            r#"{{{BASE}, "callback_url": "https://app.example/cb", "environment": "PRODUCTION", "base_url": "http://api.bluebutton.cms.gov"}}"#
        ),
    );
    let error = load(&path).unwrap_err();
    assert!(
        matches!(error, ConfigError::InsecureBaseUrl { ref key, .. } if key == "base_url"),
        "{error:?}"
    );
    assert!(error.to_string().contains("loopback hosts"), "{error}");
}

#[test]
fn a_key_given_twice_is_refused_naming_both_places() {
    let dir = tempfile::tempdir().unwrap();
    let json = write(
        dir.path(),
        "d.json",
        "{\n  \"client_id\": \"id\",\n  \"client_secret\": \"TOP-SECRET-42\",\n  \"callback_url\": \"https://a.example/cb\",\n  \"base_url\": \"https://api.bluebutton.cms.gov\",\n  \"base_url\": \"https://evil.example\"\n}\n",
    );
    let yaml = write(
        dir.path(),
        "d.yaml",
        "client_id: id\nclient_secret: TOP-SECRET-42\ncallback_url: https://a.example/cb\nretry_settings:\n  total: 1\n  total: 5\n",
    );
    let mut messages = Vec::new();
    for path in [&json, &yaml] {
        let error = load(path).unwrap_err();
        let ConfigError::RepeatedKey { first, second, .. } = &error else {
            panic!("{error:?}");
        };
        assert!(first.is_some() && second.is_some(), "{error:?}");
        assert!(!error.to_string().contains("TOP-SECRET-42"));
        messages.push(shown(&error, dir.path()));
    }
    insta::assert_snapshot!(messages.join("\n"));
}

#[test]
fn files_over_one_mebibyte_are_refused_before_being_read() {
    let dir = tempfile::tempdir().unwrap();
    // Exactly at the limit: read (and refused later for what it holds, not its size).
    let mut text = format!(r#"{{{BASE}, "callback_url": "https://a.example/cb", "pad": ""#);
    let fill = MAX_CONFIG_FILE_BYTES as usize - text.len() - 2;
    text.push_str(&"x".repeat(fill));
    text.push_str("\"}");
    let at_limit = write(dir.path(), "limit.json", &text);
    assert!(load(&at_limit).is_ok());
    text.insert(text.len() - 2, 'x');
    let over = write(dir.path(), "over.json", &text);
    let error = load(&over).unwrap_err();
    assert!(
        matches!(error, ConfigError::FileTooLarge { limit, .. } if limit == MAX_CONFIG_FILE_BYTES),
        "{error:?}"
    );
    // A 200 MB file (sparse: nothing is written) is refused from its size alone.
    let huge = dir.path().join("huge.yaml");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(200 * 1024 * 1024)
        .unwrap();
    let error = load(&huge).unwrap_err();
    assert!(
        matches!(error, ConfigError::FileTooLarge { .. }),
        "{error:?}"
    );
    insta::assert_snapshot!(shown(&error, dir.path()));
}

#[test]
fn nesting_deeper_than_the_limit_is_refused_before_parsing() {
    let dir = tempfile::tempdir().unwrap();
    let deep = 100_000;
    let cases = [
        (
            "flow.yaml",
            format!("client_id: {}{}\n", "[".repeat(deep), "]".repeat(deep)),
        ),
        (
            "compact.yaml",
            format!("client_id: x\nv:\n{}x\n", "- ".repeat(deep)),
        ),
        (
            "deep.json",
            format!(r#"{{"a": {}{}}}"#, "[".repeat(deep), "]".repeat(deep)),
        ),
    ];
    for (name, text) in cases {
        let path = write(dir.path(), name, &text);
        let error = load(&path).unwrap_err();
        assert!(
            matches!(error, ConfigError::TooDeep { limit, .. } if limit == MAX_CONFIG_DEPTH),
            "{name}: {error:?}"
        );
    }
    let path = write(
        dir.path(),
        "deep.yaml",
        &format!("client_id: x\nv: {}{}\n", "[".repeat(65), "]".repeat(65)),
    );
    insta::assert_snapshot!(shown(&load(&path).unwrap_err(), dir.path()));
}
