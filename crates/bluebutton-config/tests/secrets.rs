//! The client secret never appears in `Debug` or `Display` of any public type, whatever the source.

use bluebutton_config::{Config, ConfigLoader};
use serde_json::json;

const SECRET: &str = "TOP-SECRET-42";

fn assert_hidden(what: &str, text: &str) {
    assert!(!text.contains(SECRET), "{what} shows the secret: {text}");
}

fn check_config(config: &Config) {
    assert_eq!(config.client_secret().expose_secret(), SECRET);
    assert_hidden("Config Debug", &format!("{config:?}"));
    assert_hidden("Config pretty Debug", &format!("{config:#?}"));
    assert_hidden("ClientSecret Display", &config.client_secret().to_string());
    assert_hidden(
        "ClientSecret Debug",
        &format!("{:?}", config.client_secret()),
    );
    assert_hidden("Provenance Debug", &format!("{:?}", config.provenance()));
}

#[test]
fn from_builder() {
    let builder = Config::builder()
        .client_id("id")
        .client_secret(SECRET)
        .callback_url("https://app.example/cb");
    assert_hidden("ConfigBuilder Debug", &format!("{builder:?}"));
    check_config(&builder.build().unwrap());
}

#[test]
fn from_value_file_and_env() {
    let value =
        json!({"clientId": "id", "clientSecret": SECRET, "callbackUrl": "https://app.example/cb"});
    check_config(&Config::from_value(value).unwrap());

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.yaml");
    std::fs::write(
        &path,
        format!("client_id: id\nclient_secret: {SECRET}\ncallback_url: https://a.example/cb\n"),
    )
    .unwrap();
    check_config(&Config::from_file(&path).unwrap());

    let vars = [
        ("BLUEBUTTON_CLIENT_ID", "id"),
        ("BLUEBUTTON_CLIENT_SECRET", SECRET),
        ("BLUEBUTTON_CALLBACK_URL", "https://a.example/cb"),
    ];
    let loader = ConfigLoader::new().env_vars(vars);
    assert_hidden("ConfigLoader Debug", &format!("{loader:?}"));
    check_config(&loader.load().unwrap());
}
