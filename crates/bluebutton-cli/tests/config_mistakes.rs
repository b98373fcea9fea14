//! Configuration mistakes as a user makes them, through the binary: a misspelled key, an
//! incomplete file under `config show`, no file at all, and `metadata` without credentials.

mod common;

use std::process::Command;

use common::{Env, Outcome};

/// Writes `document` as a config file of `env` and returns its path.
fn config_file(env: &Env, name: &str, document: serde_json::Value) -> std::path::PathBuf {
    let path = env.path(name);
    std::fs::write(&path, document.to_string()).expect("write config");
    path
}

#[test]
fn a_misspelled_key_is_named_with_its_suggestion() {
    let env = Env::start();
    let config = config_file(
        &env,
        "typo.json",
        serde_json::json!({
            "client_id": env.sandbox.client_id(),
            "client_secert": env.sandbox.client_secret(),
            "callback_url": env.callback_url,
            "environment": "LOCAL",
            "base_url": env.sandbox.base_url().as_str(),
        }),
    );
    let outcome = env.run_with_config(&config, &["patient"]).expect_code(2);
    assert!(
        outcome
            .stderr
            .contains("unknown key `client_secert` (did you mean `client_secret`?)"),
        "{}",
        outcome.stderr
    );
    assert!(
        outcome.stderr.contains(&config.display().to_string())
            && outcome.stderr.contains("BLUEBUTTON_CLIENT_SECRET"),
        "names the file and the variable: {}",
        outcome.stderr
    );
    assert!(
        !outcome.stderr.contains(env.sandbox.client_secret()),
        "the secret is never shown"
    );
}

#[test]
fn a_file_with_a_bad_value_still_names_its_misspelled_keys() {
    let env = Env::start();
    let config = config_file(
        &env,
        "bad-value.json",
        serde_json::json!({
            "client_id": env.sandbox.client_id(),
            "client_secert": env.sandbox.client_secret(),
            "callback_url": env.callback_url,
            "environment": "LOCAL",
            "version": 9,
        }),
    );
    let outcome = env.run_with_config(&config, &["patient"]).expect_code(2);
    assert!(outcome.stderr.contains("version"), "{}", outcome.stderr);
    assert!(
        outcome
            .stderr
            .contains("unknown key `client_secert` (did you mean `client_secret`?)"),
        "{}",
        outcome.stderr
    );
    assert!(!outcome.stderr.contains(env.sandbox.client_secret()));
}

#[test]
fn config_show_on_a_broken_config_prints_what_resolved_then_the_errors() {
    let env = Env::start();
    let config = config_file(
        &env,
        "broken.json",
        serde_json::json!({
            "client_id": "my-app",
            "client_secert": "hunter2-secret",
            "environment": "LOCAL",
            "retry_settings": {"total": 7},
        }),
    );
    let outcome = env
        .run_with_config(&config, &["config", "show"])
        .expect_code(2);
    let shown = outcome.stdout.replace(&config.display().to_string(), "CFG");
    for line in [
        "client_id                       = my-app (config file CFG)",
        "client_secret                   = (missing) (not set)",
        "callback_url                    = (missing) (not set)",
        "environment                     = LOCAL (config file CFG)",
        "retry_settings.total            = 7 (config file CFG)",
        "unknown key ignored: `client_secert` (did you mean `client_secret`?)",
    ] {
        assert!(shown.contains(line), "{line:?} in:\n{shown}");
    }
    let errors: Vec<&str> = outcome.stderr.lines().collect();
    assert_eq!(errors.len(), 2, "{}", outcome.stderr);
    assert!(
        errors[0].contains("`client_secret` is missing"),
        "{}",
        errors[0]
    );
    assert!(
        errors[1].contains("`callback_url` is missing"),
        "{}",
        errors[1]
    );
    assert!(!outcome.stdout.contains("hunter2") && !outcome.stderr.contains("hunter2"));
}

#[test]
fn without_any_config_the_error_names_the_files_it_looked_for() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(common::binary());
    command
        .current_dir(dir.path())
        .args(["--token-store"])
        .arg(dir.path().join("tokens.json"))
        .arg("patient");
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("BLUEBUTTON_") {
            command.env_remove(name);
        }
    }
    let outcome = Outcome::from(command.output().unwrap()).expect_code(2);
    assert!(
        outcome.stderr.contains(".bluebutton-config.json")
            && outcome.stderr.contains(".bluebutton-config.yaml")
            && outcome.stderr.contains("BLUEBUTTON_CLIENT_ID"),
        "{}",
        outcome.stderr
    );
    assert!(!outcome.stderr.contains("builder"), "{}", outcome.stderr);
}

#[test]
fn metadata_needs_no_client_credentials() {
    let env = Env::start();
    let config = config_file(
        &env,
        "server-only.json",
        serde_json::json!({
            "environment": "LOCAL",
            "base_url": env.sandbox.base_url().as_str(),
        }),
    );
    let outcome = env.run_with_config(&config, &["metadata"]).expect_code(0);
    let statement: serde_json::Value = serde_json::from_str(&outcome.stdout).unwrap();
    assert_eq!(statement["resourceType"], "CapabilityStatement");
    assert!(!env.store.exists(), "no token file is created");
}

#[test]
fn a_misspelled_optional_key_is_warned_about_by_every_command() {
    let env = Env::start();
    let text = std::fs::read_to_string(&env.config).unwrap();
    let mut document: serde_json::Value = serde_json::from_str(&text).unwrap();
    document["retry_setings"] = serde_json::json!({"total": 0});
    std::fs::write(&env.config, document.to_string()).unwrap();
    let outcome = env.run(&["metadata"]).expect_code(0);
    assert_eq!(
        outcome.stderr.trim(),
        "warning: configuration: unknown key `retry_setings` (did you mean `retry_settings`?) ignored"
    );
}
