//! End-to-end: the `bluebutton` binary against the sandbox running in this process. Login is
//! driven by an HTTP client that follows the printed authorize URL and delivers the callback.

mod common;

use std::collections::HashSet;

use bluebutton_sandbox::{Approval, Fault};
use common::{Env, free_port};
use serde_json::Value;

fn ndjson(text: &str) -> Vec<Value> {
    text.lines()
        .map(|line| serde_json::from_str(line).expect("one JSON document per line"))
        .collect()
}

#[test]
fn login_prints_the_url_then_one_line_and_stores_a_private_token() {
    let env = Env::start();
    let (outcome, status, page) = env.login(&[]);
    let outcome = outcome.expect_code(0);
    assert_eq!(status, 200);
    assert!(page.contains("You can close this tab"), "{page}");
    let lines: Vec<&str> = outcome.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    let authorize = url::Url::parse(lines[0]).expect("the first line is a URL alone");
    assert!(authorize.path().ends_with("/v2/o/authorize/"));
    let patient = &env.sandbox.beneficiaries()[0].patient_id;
    assert!(
        lines[1].starts_with(&format!("Logged in as patient {patient} ")),
        "{}",
        lines[1]
    );
    assert!(
        lines[1].contains("patient/ExplanationOfBenefit"),
        "{}",
        lines[1]
    );

    // The token is sealed with the key beside the file: nothing of it is in clear text.
    let stored: Value =
        serde_json::from_str(&std::fs::read_to_string(&env.store).expect("token file")).unwrap();
    let records = stored.as_object().expect("a map of logins");
    assert_eq!(records.len(), 1);
    let (key, record) = records.iter().next().unwrap();
    // Keyed by profile and issuer (origin, client id, API version).
    assert_eq!(
        key,
        &format!(
            "default {} {} v2",
            env.sandbox.base_url().origin().ascii_serialization(),
            env.sandbox.client_id()
        )
    );
    let record = record.as_str().expect("one sealed record");
    assert!(record.starts_with("bbtk1."), "{record}");
    assert!(!record.contains(patient.as_str()));
    let key_file = env.store.with_file_name("tokens.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&env.store).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "token file mode {mode:o}");
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "key file mode {mode:o}");
        let dir_mode = std::fs::metadata(env.store.parent().unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(dir_mode & 0o777, 0o700, "token dir mode {dir_mode:o}");
    }
    assert_eq!(env.sandbox.counters().codes_exchanged, 1);
}

#[test]
fn login_with_scopes_asks_for_them() {
    let env = Env::start();
    let (outcome, _, _, callback) =
        env.login_with_callback(&["-vv", "--scope", "patient/Coverage.rs", "--scope", "openid"]);
    let outcome = outcome.expect_code(0);
    let authorize = url::Url::parse(outcome.stdout.lines().next().unwrap()).unwrap();
    // Verbose logs never show the state, the PKCE challenge's verifier or the code.
    let callback = url::Url::parse(&callback).unwrap();
    for (name, value) in callback.query_pairs() {
        assert!(
            !outcome.stderr.contains(value.as_ref()),
            "{name} leaked into the logs"
        );
    }
    assert!(!outcome.stderr.is_empty(), "-vv logs to stderr");
    let scope = authorize
        .query_pairs()
        .find(|(k, _)| k == "scope")
        .map(|(_, v)| v.into_owned())
        .expect("scope parameter");
    let asked: HashSet<&str> = scope.split(' ').collect();
    assert_eq!(asked, HashSet::from(["patient/Coverage.rs", "openid"]));
}

#[test]
fn a_denied_login_exits_3_with_a_one_line_reason() {
    let env = Env::start();
    env.sandbox.queue_approval(Approval::Deny);
    let (outcome, status, page) = env.login(&[]);
    let outcome = outcome.expect_code(3);
    assert_eq!(status, 400);
    assert!(page.contains("denied"), "{page}");
    let reason: Vec<&str> = outcome
        .stderr
        .lines()
        .filter(|l| l.contains("error"))
        .collect();
    assert_eq!(reason.len(), 1, "{}", outcome.stderr);
    assert!(reason[0].contains("access_denied"), "{}", reason[0]);
    assert_eq!(env.sandbox.counters().token_posts, 0, "no code exchange");
    assert!(!env.store.exists());
}

#[test]
fn a_login_nobody_completes_times_out_with_exit_3() {
    let env = Env::start();
    let outcome = env
        .run(&["login", "--no-browser", "--timeout", "1"])
        .expect_code(3);
    assert_eq!(outcome.stdout.lines().count(), 1, "only the URL");
    assert!(
        outcome.stderr.contains("timed out after 1s"),
        "{}",
        outcome.stderr
    );
}

#[test]
fn a_callback_url_that_is_not_loopback_is_a_config_error() {
    let env = Env::start();
    let mut document: Value =
        serde_json::from_str(&std::fs::read_to_string(&env.config).unwrap()).unwrap();
    document["callback_url"] = "http://app.example/callback".into();
    std::fs::write(&env.config, document.to_string()).unwrap();
    let outcome = env.run(&["login", "--no-browser"]).expect_code(2);
    assert!(outcome.stdout.is_empty());
    assert!(
        outcome.stderr.contains("not loopback"),
        "{}",
        outcome.stderr
    );
}

#[test]
fn eob_all_ndjson_returns_every_claim_exactly_once() {
    let env = Env::start().logged_in();
    let outcome = env
        .run(&["eob", "--all", "--format", "ndjson", "--count", "5"])
        .expect_code(0);
    let claims = ndjson(&outcome.stdout);
    assert_eq!(claims.len(), env.first_claim_count());
    let ids: HashSet<&str> = claims.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), claims.len(), "no claim twice");
    assert!(
        claims
            .iter()
            .all(|c| c["resourceType"] == "ExplanationOfBenefit")
    );
    let pages = env
        .sandbox
        .counters()
        .requests_to("/v2/fhir/ExplanationOfBenefit/")
        + env
            .sandbox
            .counters()
            .requests_to("/v2/fhir/ExplanationOfBenefit");
    assert_eq!(pages as usize, env.first_claim_count().div_ceil(5));
}

#[test]
fn eob_filters_pages_and_formats() {
    let env = Env::start().logged_in();
    // The first page only, as the server sent it.
    let first = env.run(&["eob", "--count", "4"]).expect_code(0);
    let page: Value = serde_json::from_str(&first.stdout).unwrap();
    assert_eq!(page["resourceType"], "Bundle");
    assert_eq!(page["entry"].as_array().unwrap().len(), 4);
    assert!(first.stderr.contains("more remain"), "{}", first.stderr);

    // Two pages merged into one Bundle.
    let two = env
        .run(&[
            "eob",
            "--count",
            "4",
            "--max-pages",
            "2",
            "--format",
            "json",
        ])
        .expect_code(0);
    let merged: Value = serde_json::from_str(&two.stdout).unwrap();
    assert_eq!(merged["entry"].as_array().unwrap().len(), 8);
    assert_eq!(merged["total"], 8);

    // Every page merged.
    let all = env.run(&["eob", "--all", "--count", "50"]).expect_code(0);
    let merged: Value = serde_json::from_str(&all.stdout).unwrap();
    assert_eq!(merged["total"], env.first_claim_count());
    assert!(all.stderr.is_empty(), "{}", all.stderr);

    // Service dates and last update.
    let every = ndjson(
        &env.run(&["eob", "--all", "--format", "ndjson"])
            .expect_code(0)
            .stdout,
    );
    let mut ends: Vec<String> = every
        .iter()
        .map(|c| {
            let period = &c["billablePeriod"];
            period["end"].as_str().or(period["start"].as_str()).unwrap()[..10].to_owned()
        })
        .collect();
    ends.sort();
    let (since, until) = (
        ends[ends.len() / 4].clone(),
        ends[ends.len() * 3 / 4].clone(),
    );
    let expected = ends.iter().filter(|d| **d >= since && **d <= until).count();
    let window = env
        .run(&[
            "eob", "--all", "--format", "ndjson", "--since", &since, "--until", &until,
        ])
        .expect_code(0);
    assert_eq!(ndjson(&window.stdout).len(), expected);
    assert!(expected < every.len());
    let future = env
        .run(&[
            "eob",
            "--all",
            "--format",
            "ndjson",
            "--updated-since",
            "2100-01-01T00:00:00Z",
        ])
        .expect_code(0);
    assert!(future.stdout.is_empty(), "{}", future.stdout);

    // A claim type filter keeps only that type.
    let pde = env
        .run(&["eob", "--all", "--type", "pde", "--format", "ndjson"])
        .expect_code(0);
    let claims = ndjson(&pde.stdout);
    assert!(!claims.is_empty());
    assert!(
        claims
            .iter()
            .all(|c| c["id"].as_str().unwrap().starts_with("pde-"))
    );
}

#[test]
fn eob_csv_has_the_header_and_one_row_per_line_item() {
    let env = Env::start().logged_in();
    let claims = ndjson(
        &env.run(&["eob", "--all", "--format", "ndjson"])
            .expect_code(0)
            .stdout,
    );
    let expected_rows: usize = claims
        .iter()
        .map(|c| c["item"].as_array().map_or(0, Vec::len).max(1))
        .sum();
    let outcome = env
        .run(&["eob", "--all", "--format", "csv", "--count", "10"])
        .expect_code(0);
    let mut lines = outcome.stdout.lines();
    assert_eq!(
        lines.next(),
        Some(
            "eob_id,claim_id,claim_type,use,line,service_start,service_end,code_system,code,description,submitted,allowed,paid,deductible,coinsurance,patient_paid,provider_npi,provider_name,prescriber_npi,claim_submitted,claim_allowed,claim_paid"
        )
    );
    let mut reader = csv::Reader::from_reader(outcome.stdout.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), expected_rows);
    let eob_ids: HashSet<&str> = rows.iter().map(|r| r.get(0).unwrap()).collect();
    assert_eq!(eob_ids.len(), claims.len(), "every claim has rows");
    assert!(
        rows.iter().all(|r| !r[7].starts_with("http")),
        "code systems by short name"
    );
    let part_d: Vec<_> = rows.iter().filter(|r| &r[2] == "pde").collect();
    assert!(
        part_d.iter().all(|r| !r[18].is_empty() && &r[7] == "NDC"),
        "Part D rows name the prescriber and the NDC"
    );
    assert!(
        rows.iter().any(|r| !r[14].is_empty()) && rows.iter().all(|r| !r[21].is_empty()),
        "coinsurance where the data has it, and the claim's paid total on every row"
    );
    assert!(
        rows.iter().any(|r| &r[17] == "Fake Hospital"),
        "the provider's name where the claim has one"
    );
}

#[test]
fn export_writes_every_resource_and_a_summary() {
    let env = Env::start().logged_in();
    let out = env.path("export");
    let outcome = env
        .run(&["export", "--out", out.to_str().unwrap(), "--count", "7"])
        .expect_code(0);
    let read = |name: &str| std::fs::read_to_string(out.join(name)).expect(name);
    let patients = ndjson(&read("Patient.ndjson"));
    let coverages = ndjson(&read("Coverage.ndjson"));
    let claims = ndjson(&read("ExplanationOfBenefit.ndjson"));
    assert_eq!(patients.len(), 1);
    assert_eq!(
        patients[0]["id"],
        env.sandbox.beneficiaries()[0].patient_id.as_str()
    );
    assert!(!coverages.is_empty());
    assert!(coverages.iter().all(|c| c["resourceType"] == "Coverage"));
    assert_eq!(claims.len(), env.first_claim_count());
    let ids: HashSet<&str> = claims.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), claims.len());
    assert_eq!(
        outcome.stdout.trim(),
        format!(
            "Exported 1 Patient, {} Coverage, {} ExplanationOfBenefit ({} pages) to {}",
            coverages.len(),
            claims.len(),
            claims.len().div_ceil(7),
            out.display()
        )
    );
    assert!(
        outcome.stderr.is_empty(),
        "no progress bar off a terminal: {}",
        outcome.stderr
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(out.join("ExplanationOfBenefit.ndjson"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "exported health data is private: {mode:o}"
        );
    }
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    let csv_out = env.path("export-csv");
    let outcome = env
        .run(&[
            "export",
            "--out",
            csv_out.to_str().unwrap(),
            "--format",
            "csv",
        ])
        .expect_code(0);
    let text = std::fs::read_to_string(csv_out.join("ExplanationOfBenefit.csv")).unwrap();
    let rows = text.lines().count() - 1;
    assert!(rows >= claims.len());
    assert!(
        outcome
            .stdout
            .contains(&format!("{rows} CSV line-item rows")),
        "{}",
        outcome.stdout
    );
}

#[test]
fn export_without_demographics_skips_the_patient() {
    let env = Env::start();
    env.sandbox
        .queue_approval(Approval::approve_without_demographics());
    let env = env.logged_in();
    let out = env.path("export");
    let outcome = env
        .run(&["export", "--out", out.to_str().unwrap()])
        .expect_code(0);
    assert!(!out.join("Patient.ndjson").exists());
    assert!(outcome.stderr.contains("did not share demographic data"));
    assert!(
        outcome
            .stdout
            .starts_with("Exported no Patient (demographics not shared)")
    );
    // The Patient and userinfo commands say why they cannot work.
    let patient = env.run(&["patient"]).expect_code(3);
    assert!(patient.stderr.contains("scope"), "{}", patient.stderr);
    env.run(&["userinfo"]).expect_code(3);
}

#[test]
fn patient_coverage_userinfo_and_metadata_print_json() {
    let env = Env::start();
    // metadata needs no login.
    let metadata: Value =
        serde_json::from_str(&env.run(&["metadata"]).expect_code(0).stdout).unwrap();
    assert_eq!(metadata["resourceType"], "CapabilityStatement");
    let env = env.logged_in();
    let patient: Value =
        serde_json::from_str(&env.run(&["patient"]).expect_code(0).stdout).unwrap();
    assert_eq!(patient["resourceType"], "Bundle");
    assert_eq!(patient["entry"][0]["resource"]["resourceType"], "Patient");
    let coverage: Value =
        serde_json::from_str(&env.run(&["coverage"]).expect_code(0).stdout).unwrap();
    assert_eq!(coverage["entry"][0]["resource"]["resourceType"], "Coverage");
    let userinfo: Value =
        serde_json::from_str(&env.run(&["userinfo"]).expect_code(0).stdout).unwrap();
    assert_eq!(
        userinfo["sub"],
        env.sandbox.beneficiaries()[0].patient_id.as_str()
    );
}

#[test]
fn the_token_file_opens_only_with_its_key() {
    let env = Env::start().logged_in();
    let key_file = env.store.with_file_name("tokens.key");
    let key = std::fs::read_to_string(&key_file).unwrap();
    // The key given as BLUEBUTTON_TOKEN_KEY opens the same file (no key file needed).
    std::fs::rename(&key_file, env.dir.path().join("moved.key")).unwrap();
    env.command(&["token", "show"])
        .env("BLUEBUTTON_TOKEN_KEY", key.trim())
        .output()
        .map(|o| assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr)))
        .unwrap();
    // Without it, the token file cannot be opened: an authorization error that names the
    // missing key file, creates none, and shows no secret.
    let refused = env.run(&["token", "show"]).expect_code(3);
    assert!(
        refused.stderr.contains("its key file") && refused.stderr.contains("does not exist"),
        "{}",
        refused.stderr
    );
    assert!(
        !key_file.exists(),
        "a read-only command creates no key file"
    );
    assert!(!refused.stderr.contains(key.trim()));
    // With another key, the sealed token cannot be opened.
    std::fs::write(&key_file, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n").unwrap();
    #[cfg(unix)]
    std::fs::set_permissions(
        &key_file,
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    let refused = env.run(&["token", "show"]).expect_code(3);
    assert!(
        refused.stderr.contains("cannot be decrypted with this key"),
        "{}",
        refused.stderr
    );
    // A malformed key is a usage error.
    let bad = env
        .command(&["token", "show"])
        .env("BLUEBUTTON_TOKEN_KEY", "not-a-key")
        .output()
        .unwrap();
    assert_eq!(
        bad.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    assert!(String::from_utf8_lossy(&bad.stderr).contains("invalid token key"));
}

#[test]
fn token_show_refresh_and_revoke() {
    let env = Env::start().logged_in();
    let shown: Value =
        serde_json::from_str(&env.run(&["token", "show"]).expect_code(0).stdout).unwrap();
    assert_eq!(shown["access_token"], "[redacted]");
    assert_eq!(shown["refresh_token"], "[redacted]");
    assert_eq!(
        shown["patient"],
        env.sandbox.beneficiaries()[0].patient_id.as_str()
    );
    let revealed: Value = serde_json::from_str(
        &env.run(&["token", "show", "--reveal"])
            .expect_code(0)
            .stdout,
    )
    .unwrap();
    let first_access = revealed["access_token"].as_str().unwrap().to_owned();
    assert!(first_access.len() >= 20);

    let refreshed = env.run(&["token", "refresh"]).expect_code(0);
    assert!(
        refreshed.stdout.starts_with("Refreshed: patient "),
        "{}",
        refreshed.stdout
    );
    assert!(!refreshed.stdout.contains(&first_access));
    assert_eq!(env.sandbox.counters().refreshes, 1);
    let after: Value = serde_json::from_str(
        &env.run(&["token", "show", "--reveal"])
            .expect_code(0)
            .stdout,
    )
    .unwrap();
    assert_ne!(after["access_token"], first_access.as_str());
    env.run(&["eob"]).expect_code(0);

    let revoked = env.run(&["token", "revoke"]).expect_code(0);
    assert!(revoked.stdout.starts_with("Revoked"), "{}", revoked.stdout);
    let gone = env.run(&["token", "show"]).expect_code(3);
    assert!(
        gone.stderr.contains("no login for profile `default`"),
        "{}",
        gone.stderr
    );
    env.run(&["eob"]).expect_code(3);
}

#[test]
fn an_access_token_the_server_expired_is_refreshed_once_and_the_request_replayed() {
    let env = Env::start().logged_in();
    env.sandbox
        .advance_clock(std::time::Duration::from_secs(2 * 3600));
    let outcome = env
        .run(&["eob", "--all", "--format", "ndjson", "--count", "50"])
        .expect_code(0);
    assert_eq!(ndjson(&outcome.stdout).len(), env.first_claim_count());
    assert_eq!(env.sandbox.counters().refreshes, 1);
}

#[test]
fn a_revoked_grant_needs_a_new_login() {
    let env = Env::start().logged_in();
    let patient = env.sandbox.beneficiaries()[0].patient_id.clone();
    assert!(env.sandbox.expire_grant(&patient));
    let outcome = env.run(&["eob"]).expect_code(3);
    assert!(
        outcome.stderr.contains("bluebutton login"),
        "{}",
        outcome.stderr
    );
}

#[test]
fn errors_map_to_the_documented_exit_codes() {
    let env = Env::start();
    // Not logged in: auth, with a one-line message.
    let outcome = env.run(&["eob"]).expect_code(3);
    assert_eq!(outcome.stderr.lines().count(), 1, "{}", outcome.stderr);
    // Usage.
    env.run(&["eob", "--count", "51"]).expect_code(2);
    env.run(&["eob", "--type", "medical"]).expect_code(2);
    // A missing config file: configuration.
    let missing = env
        .run_with_config(&env.path("nope.json"), &["metadata"])
        .expect_code(2);
    assert!(
        missing.stderr.contains("does not exist"),
        "{}",
        missing.stderr
    );
    // Nobody listening: network.
    let mut document: Value =
        serde_json::from_str(&std::fs::read_to_string(&env.config).unwrap()).unwrap();
    document["base_url"] = format!("http://127.0.0.1:{}/", free_port()).into();
    let closed = env.path("closed.json");
    std::fs::write(&closed, document.to_string()).unwrap();
    env.run_with_config(&closed, &["metadata"]).expect_code(5);
    // An error status from the API (retries are off in the test config): API.
    let env = env.logged_in();
    env.sandbox.inject(Fault::ServerError, 1);
    let outcome = env.run(&["eob"]).expect_code(4);
    assert!(outcome.stderr.contains("502"), "{}", outcome.stderr);
}

#[test]
fn help_documents_the_exit_codes() {
    let outcome = common::Env::start().run(&["--help"]).expect_code(0);
    for line in [
        "0  success",
        "2  usage or configuration error",
        "3  authorization error",
        "4  API error",
        "5  network error",
    ] {
        assert!(outcome.stdout.contains(line), "{line}");
    }
}

#[test]
fn config_show_names_each_source_and_redacts_the_secret() {
    let env = Env::start();
    let outcome = env
        .command(&["config", "show"])
        .env("BLUEBUTTON_RETRY_TOTAL", "4")
        .output()
        .unwrap();
    let outcome = common::Outcome::from(outcome).expect_code(0);
    assert!(!outcome.stdout.contains(env.sandbox.client_secret()));
    assert!(
        outcome
            .stdout
            .contains("client_secret                   = [redacted]")
    );
    assert!(outcome.stdout.contains(&format!(
        "client_id                       = {} (config file {})",
        env.sandbox.client_id(),
        env.config.display()
    )));
    assert!(outcome.stdout.contains(
        "retry_settings.total            = 4 (environment variable BLUEBUTTON_RETRY_TOTAL)"
    ));
    assert!(outcome.stdout.contains(&format!(
        "token_store                     = {}",
        env.store.display()
    )));
}

#[test]
fn verbose_logs_never_show_secrets() {
    let env = Env::start().logged_in();
    let revealed: Value = serde_json::from_str(
        &env.run(&["token", "show", "--reveal"])
            .expect_code(0)
            .stdout,
    )
    .unwrap();
    let access = revealed["access_token"].as_str().unwrap().to_owned();
    let refresh = revealed["refresh_token"].as_str().unwrap().to_owned();
    let outcome = env.run(&["-vv", "token", "refresh"]).expect_code(0);
    let outcome2 = env
        .run(&["-vv", "eob", "--all", "--format", "ndjson"])
        .expect_code(0);
    for text in [&outcome.stderr, &outcome2.stderr] {
        assert!(!text.is_empty(), "verbose logs go to stderr");
        for secret in [&access, &refresh, &env.sandbox.client_secret().to_owned()] {
            assert!(
                !text.contains(secret.as_str()),
                "a secret leaked into the logs"
            );
        }
    }
}

#[test]
fn export_draws_a_progress_bar_on_a_terminal() {
    use std::process::Command;
    if Command::new("tmux").arg("-V").output().is_err() {
        println!("skipped: tmux is not installed");
        return;
    }
    let env = Env::with(|b| b.claims_per_beneficiary(60)).logged_in();
    let out = env.path("export");
    let script = env.path("export.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\n'{}' --config '{}' --token-store '{}' export --out '{}' --count 5\necho \"EXIT=$?\"\nsleep 120\n",
            common::binary(),
            env.config.display(),
            env.store.display(),
            out.display()
        ),
    )
    .unwrap();
    let socket = format!("bluebutton-cli-test-{}", std::process::id());
    let tmux = |args: &[&str]| {
        Command::new("tmux")
            .args(["-L", &socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .expect("tmux")
    };
    let started = tmux(&[
        "new-session",
        "-d",
        "-x",
        "200",
        "-y",
        "30",
        "sh",
        script.to_str().unwrap(),
    ]);
    assert!(started.status.success(), "{started:?}");
    let mut screen = String::new();
    for _ in 0..300 {
        let captured = tmux(&["capture-pane", "-p"]);
        screen = String::from_utf8_lossy(&captured.stdout).into_owned();
        if screen.contains("EXIT=") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    tmux(&["kill-server"]);
    println!("{}", screen.trim_end());
    assert!(screen.contains("EXIT=0"), "{screen}");
    assert!(
        screen.contains("ExplanationOfBenefit ["),
        "a bar is drawn: {screen}"
    );
    assert!(screen.contains("60/60"), "the bar ends full: {screen}");
    assert!(screen.contains("EOB/s"), "a rate with its unit: {screen}");
    assert!(
        screen.contains("Coverage") && screen.contains("Patient"),
        "every resource has progress: {screen}"
    );
    assert!(
        !screen.contains("\u{1b}["),
        "no stray escape sequences: {screen}"
    );
    assert!(screen.contains("Exported 1 Patient"), "{screen}");
}

#[cfg(unix)]
#[test]
fn login_opens_the_browser_with_the_printed_url() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::start();
    let opened = env.path("opened.txt");
    let browser = env.path("browser.sh");
    std::fs::write(
        &browser,
        format!("#!/bin/sh\nprintf '%s' \"$1\" > '{}'\n", opened.display()),
    )
    .unwrap();
    std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (outcome, status, _, _) = env.login_as_browser(&[], &[("BROWSER", browser.as_path())]);
    let outcome = outcome.expect_code(0);
    assert_eq!(status, 200);
    let printed = outcome.stdout.lines().next().unwrap();
    let mut launched = String::new();
    for _ in 0..100 {
        launched = std::fs::read_to_string(&opened).unwrap_or_default();
        if !launched.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(launched, printed, "the browser got the printed URL");
}

#[test]
fn a_failed_export_leaves_no_partial_file() {
    let env = Env::start().logged_in();
    let out = env.path("export");
    // A directory where the claims file should go is refused before anything is fetched.
    std::fs::create_dir_all(out.join("ExplanationOfBenefit.ndjson")).unwrap();
    let outcome = env
        .run(&["export", "--out", out.to_str().unwrap()])
        .expect_code(1);
    assert!(
        outcome.stderr.contains("ExplanationOfBenefit.ndjson"),
        "{}",
        outcome.stderr
    );
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["ExplanationOfBenefit.ndjson"], "nothing written");

    // An API failure mid-way exits 4, also without leftovers.
    let out = env.path("export-2");
    env.sandbox.inject(Fault::ServerError, 1);
    env.run(&["export", "--out", out.to_str().unwrap()])
        .expect_code(4);
    let leftovers = std::fs::read_dir(&out).unwrap().count();
    assert_eq!(leftovers, 0);
}

#[test]
fn revoke_deletes_the_local_token_even_when_the_server_is_unreachable() {
    let env = Env::start().logged_in();
    // The server that issued the login stops (the env keeps another, unused one).
    let Env {
        runtime,
        sandbox,
        dir,
        config,
        store,
        callback_url,
    } = env;
    runtime.block_on(sandbox.shutdown());
    let env = Env {
        runtime,
        sandbox: Env::start().sandbox,
        dir,
        config,
        store,
        callback_url,
    };
    let outcome = env.run(&["token", "revoke"]).expect_code(5);
    assert!(
        outcome.stderr.contains("could not connect"),
        "{}",
        outcome.stderr
    );
    env.run(&["token", "show"]).expect_code(3);
}
