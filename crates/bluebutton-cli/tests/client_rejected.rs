//! A wrong client secret: the error names the settings to check, where they came from, and
//! what the server answered.

mod common;

use common::Env;

#[test]
fn a_wrong_client_secret_names_the_config_file_and_keys() {
    let env = Env::start();
    let text = std::fs::read_to_string(&env.config).unwrap();
    let mut document: serde_json::Value = serde_json::from_str(&text).unwrap();
    document["client_secret"] = "not-the-registered-secret".into();
    std::fs::write(&env.config, document.to_string()).unwrap();

    let (outcome, _, _) = env.login(&[]);
    let outcome = outcome.expect_code(2);
    let file = env.config.display().to_string();
    for part in [
        "error=invalid_client",
        &format!("`client_id` (config file {file})"),
        &format!("`client_secret` (config file {file})"),
    ] {
        assert!(
            outcome.stderr.contains(part),
            "{part:?} in {}",
            outcome.stderr
        );
    }
    assert!(!outcome.stderr.contains("not-the-registered-secret"));
    assert!(
        !outcome
            .stderr
            .contains("bluebutton login` to sign in again")
    );
}
