//! The commands that need no login: `fhir check`, `sandbox serve` (as a child process), usage.

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use common::{Outcome, binary, fixtures};

fn bluebutton(args: &[&str]) -> Command {
    let mut command = Command::new(binary());
    command.args(args);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("BLUEBUTTON_") {
            command.env_remove(name);
        }
    }
    command
}

fn run(command: &mut Command) -> Outcome {
    Outcome::from(command.output().expect("run"))
}

/// Good files: the CARIN and sandbox fixtures when present, else resources made here.
fn good_files(dir: &std::path::Path) -> Vec<PathBuf> {
    if let Some(root) = fixtures() {
        let mut files: Vec<PathBuf> = ["carin-bb/v2.0.0", "sandbox/v2-eob-pages"]
            .iter()
            .flat_map(|sub| std::fs::read_dir(root.join(sub)).into_iter().flatten())
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        assert!(files.len() >= 10, "{files:?}");
        return files;
    }
    println!("fixtures not found: checking generated resources instead");
    let documents = [
        r#"{"resourceType":"Patient","id":"p1","birthDate":"1950-01-01","name":[{"family":"Doe"}]}"#,
        r#"{"resourceType":"ExplanationOfBenefit","id":"carrier-1","status":"active","total":[{"amount":{"value":10.50,"currency":"USD"}}]}"#,
        r#"{"resourceType":"Coverage","id":"part-a","status":"active","extension":[{"url":"x","valueDecimal":0.10}]}"#,
    ];
    documents
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let path = dir.join(format!("good-{i}.json"));
            std::fs::write(&path, text).unwrap();
            path
        })
        .collect()
}

#[test]
fn fhir_check_accepts_good_files_and_reports_broken_ones() {
    let dir = tempfile::tempdir().unwrap();
    let good = good_files(dir.path());
    let args: Vec<&str> = good.iter().map(|p| p.to_str().unwrap()).collect();
    let mut all = vec!["fhir", "check"];
    all.extend(&args);
    let outcome = run(&mut bluebutton(&all)).expect_code(0);
    assert_eq!(outcome.stdout.lines().count(), good.len());
    assert!(
        outcome.stdout.lines().all(|l| l.starts_with("ok ")),
        "{}",
        outcome.stdout
    );

    let broken = [
        ("truncated.json", r#"{"resourceType":"Patient","id":"#),
        ("untyped.json", r#"{"resourceType":"Basic","id":"b"}"#),
        ("not-a-resource.json", r#"[1, 2, 3]"#),
    ];
    let mut paths = vec![good[0].clone()];
    for (name, text) in broken {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        paths.push(path);
    }
    paths.push(dir.path().join("missing.json"));
    let mut all = vec!["fhir", "check"];
    all.extend(paths.iter().map(|p| p.to_str().unwrap()));
    let outcome = run(&mut bluebutton(&all)).expect_code(1);
    let lines: Vec<&str> = outcome.stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{lines:?}");
    assert!(lines[0].starts_with("ok "));
    assert!(
        lines[1].contains("truncated.json: does not parse"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].contains("Basic has no typed model"),
        "{}",
        lines[2]
    );
    assert!(lines[3].contains("does not parse"), "{}", lines[3]);
    assert!(lines[4].contains("cannot read"), "{}", lines[4]);
    assert!(
        outcome.stderr.contains("4 of 5 files failed the check"),
        "{}",
        outcome.stderr
    );
}

#[test]
fn usage_errors_exit_2_and_version_exits_0() {
    run(&mut bluebutton(&["fhir", "check"])).expect_code(2);
    run(&mut bluebutton(&["frobnicate"])).expect_code(2);
    let version = run(&mut bluebutton(&["--version"])).expect_code(0);
    assert_eq!(
        version.stdout.trim(),
        format!("bluebutton {}", env!("CARGO_PKG_VERSION"))
    );
}

/// Kills the child on drop, so a failing test leaves no server behind.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn sandbox_serve_prints_credentials_and_a_working_config() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Child(
        bluebutton(&[
            "sandbox",
            "serve",
            "--claims",
            "4",
            "--beneficiaries",
            "2",
            "--config-dir",
            dir.path().to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap(),
    );
    let stdout = BufReader::new(child.0.stdout.take().unwrap());
    let mut values = std::collections::BTreeMap::new();
    let mut beneficiaries = 0;
    for line in stdout.lines() {
        let line = line.unwrap();
        if line == "ready" {
            break;
        }
        let (key, value) = line.split_once('=').expect("key=value");
        if key == "beneficiary" {
            beneficiaries += 1;
            assert!(value.ends_with(" claims=4"), "{line}");
        } else {
            values.insert(key.to_owned(), value.to_owned());
        }
    }
    assert_eq!(beneficiaries, 2);
    let keys: Vec<&str> = values.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "base_url",
            "callback_url",
            "client_id",
            "client_secret",
            "config"
        ]
    );
    let config = PathBuf::from(&values["config"]);
    assert_eq!(config, dir.path().join(".bluebutton-config.json"));
    let document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    assert_eq!(document["base_url"], values["base_url"].as_str());
    assert_eq!(document["client_secret"], values["client_secret"].as_str());
    assert_eq!(document["environment"], "LOCAL");

    // The written config is found by discovery in its directory and reaches the sandbox.
    let outcome = run(bluebutton(&["metadata"]).current_dir(dir.path())).expect_code(0);
    let metadata: serde_json::Value = serde_json::from_str(&outcome.stdout).unwrap();
    assert_eq!(metadata["resourceType"], "CapabilityStatement");

    // SIGTERM stops it cleanly.
    #[cfg(unix)]
    {
        let pid = child.0.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success());
        let status = child.0.wait().unwrap();
        assert_eq!(status.code(), Some(0), "{status:?}");
    }
    drop(child);
}

#[test]
fn fhir_check_strict_fails_files_with_spec_issues() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stu3-ish.json");
    std::fs::write(
        &path,
        r#"{"resourceType":"Coverage","id":"c","status":"active","grouping":{"subGroup":"Medicare"}}"#,
    )
    .unwrap();
    let file = path.to_str().unwrap();
    let relaxed = run(&mut bluebutton(&["fhir", "check", file])).expect_code(0);
    assert!(
        relaxed.stdout.starts_with("ok ")
            && relaxed
                .stdout
                .contains("Coverage.grouping: unknown element"),
        "{}",
        relaxed.stdout
    );
    let strict = run(&mut bluebutton(&["fhir", "check", "--strict", file])).expect_code(1);
    assert!(strict.stdout.starts_with("FAILED"), "{}", strict.stdout);
}

#[cfg(target_os = "linux")]
#[test]
fn the_default_token_file_is_in_the_user_config_directory() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("cfg.yaml");
    std::fs::write(
        &config,
        "client_id: abc\nclient_secret: shh-secret\ncallback_url: http://127.0.0.1:8765/callback\n",
    )
    .unwrap();
    let home = dir.path().join("xdg");
    let outcome = run(
        bluebutton(&["config", "show", "--config", config.to_str().unwrap()])
            .env("XDG_CONFIG_HOME", &home)
            .env_remove("BLUEBUTTON_TOKEN_STORE"),
    )
    .expect_code(0);
    let expected = home.join("bluebutton").join("tokens.json");
    assert!(
        outcome
            .stdout
            .contains(&format!("= {} (default)", expected.display())),
        "{}",
        outcome.stdout
    );
    assert!(!outcome.stdout.contains("shh-secret"));
    assert!(!home.exists(), "config show creates nothing");
}
