//! Help, shell completions and the `--json` summaries, through the binary.

mod common;

use common::Env;
use serde_json::Value;

#[test]
fn global_options_have_their_own_heading() {
    let env = Env::start();
    let help = env.run(&["patient", "--help"]).expect_code(0).stdout;
    let heading = help.find("Global options:").expect(&help);
    for option in [
        "--config",
        "--token-store",
        "--token-key-file",
        "--profile",
        "--verbose",
    ] {
        let at = help
            .find(option)
            .unwrap_or_else(|| panic!("{option} in {help}"));
        assert!(at > heading, "{option} is under Global options:\n{help}");
    }
    let export = env.run(&["export", "--help"]).expect_code(0).stdout;
    let options = export.find("Options:").expect(&export);
    let global = export.find("Global options:").expect(&export);
    let force = export.find("--force").expect(&export);
    assert!(options < force && force < global, "{export}");
}

#[test]
fn completions_are_printed_for_each_shell() {
    let env = Env::start();
    let bash = env.run(&["completions", "bash"]).expect_code(0).stdout;
    assert!(
        bash.contains("_bluebutton") && bash.contains("export"),
        "{bash}"
    );
    let zsh = env.run(&["completions", "zsh"]).expect_code(0).stdout;
    assert!(zsh.starts_with("#compdef bluebutton"), "{zsh}");
    env.run(&["completions", "tcsh"]).expect_code(2);
}

#[test]
fn config_show_login_and_export_summaries_as_json() {
    let env = Env::start();
    let shown: Value =
        serde_json::from_str(&env.run(&["config", "show", "--json"]).expect_code(0).stdout)
            .unwrap();
    let client_id = shown["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "client_id")
        .unwrap();
    assert_eq!(client_id["value"], env.sandbox.client_id());
    assert_eq!(
        client_id["source"],
        format!("config file {}", env.config.display())
    );
    assert_eq!(shown["errors"], serde_json::json!([]));
    assert!(!shown.to_string().contains(env.sandbox.client_secret()));

    let (outcome, status, _) = env.login(&["--json"]);
    let outcome = outcome.expect_code(0);
    assert_eq!(status, 200);
    let login: Value = serde_json::from_str(outcome.stdout.lines().last().unwrap()).unwrap();
    assert_eq!(login["profile"], "default");
    assert_eq!(
        login["patient"],
        env.sandbox.beneficiaries()[0].patient_id.as_str()
    );
    assert!(login["scopes"].as_array().is_some_and(|s| !s.is_empty()));

    let out = env.path("export");
    let summary: Value = serde_json::from_str(
        &env.run(&["export", "--out", out.to_str().unwrap(), "--json"])
            .expect_code(0)
            .stdout,
    )
    .unwrap();
    assert_eq!(summary["patients"], 1);
    assert_eq!(summary["explanation_of_benefits"], env.first_claim_count());
    assert_eq!(summary["files"].as_array().unwrap().len(), 3);
    assert_eq!(summary["csv_rows"], Value::Null);
}

#[test]
fn the_manual_page_covers_every_command() {
    let env = Env::start();
    let page = env.run(&["man"]).expect_code(0).stdout;
    assert!(
        page.starts_with(".ie") || page.contains(".TH bluebutton"),
        "{page}"
    );
    for command in ["export", "completions", "config", "sandbox"] {
        assert!(page.contains(command), "{command} in the manual page");
    }
    let help = env.run(&["--help"]).expect_code(0).stdout;
    assert!(
        !help.lines().any(|l| l.trim_start().starts_with("man ")),
        "`man` is not listed: {help}"
    );
}
