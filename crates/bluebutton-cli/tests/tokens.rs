//! Logins under real deployments, with the binary as separate OS processes: many processes
//! sharing one token store with 2 s tokens, a login bound to the server and app that issued
//! it, and a one-time app's token.

mod common;

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use bluebutton_sandbox::DataAccessType;
use common::{Env, Outcome};

const PROCESSES: usize = 8;
const CLAIMS: usize = 300;
/// Added to every FHIR response: 30 pages then take at least 3 s per process, longer than a
/// token's 2 s life, so every run meets refreshes by other processes.
const LATENCY: Duration = Duration::from_millis(100);

/// Starts `PROCESSES` `eob --all --count 10 --format ndjson` runs at once over the env's
/// token store and checks that every one of them got every claim, with no refresh token
/// spent twice and at most one refresh per second of the whole run (2 s tokens refresh once
/// half their life is left, single flight across processes).
fn processes_share_one_store(env: &Env) {
    let claims = env.first_claim_count();
    assert_eq!(claims, CLAIMS);
    let started = Instant::now();
    let children: Vec<Child> = (0..PROCESSES)
        .map(|_| {
            env.command(&["eob", "--all", "--count", "10", "--format", "ndjson"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn eob")
        })
        .collect();
    // One reader per child, so no child blocks on a full stdout pipe while another is read.
    let readers: Vec<_> = children
        .into_iter()
        .map(|child| std::thread::spawn(move || child.wait_with_output().expect("wait")))
        .collect();
    let outcomes: Vec<Outcome> = readers
        .into_iter()
        .map(|reader| Outcome::from(reader.join().expect("reader")))
        .collect();
    let elapsed = started.elapsed();
    for outcome in &outcomes {
        assert_eq!(outcome.code, Some(0), "{outcome:?}");
        assert_eq!(outcome.stdout.lines().count(), claims, "every claim");
    }
    let counters = env.sandbox.counters();
    assert_eq!(counters.refresh_token_reuses, 0, "no refresh token reused");
    let bound = 1 + elapsed.as_secs_f64().ceil() as u64;
    assert!(
        counters.refreshes >= 1,
        "3 s of paging outlived the 2 s token"
    );
    assert!(
        counters.refreshes <= bound,
        "{} refreshes in {elapsed:?}: more than one per second (bound {bound})",
        counters.refreshes
    );
    println!(
        "{PROCESSES} processes x {claims} claims in {elapsed:.1?}: 0 failures, {} refreshes \
         (bound {bound}), {} replays after another process rotated, 0 refresh-token reuses",
        counters.refreshes, counters.invalid_token_requests
    );
}

fn short_tokens() -> Env {
    Env::with(|b| {
        b.beneficiaries(1)
            .claims_per_beneficiary(CLAIMS)
            .access_token_ttl(Duration::from_secs(2))
            .faults(bluebutton_sandbox::Faults::none().latency(LATENCY))
    })
}

#[test]
fn eight_processes_share_one_token_file() {
    let env = short_tokens().logged_in();
    processes_share_one_store(&env);
}

#[test]
fn eight_processes_share_one_sqlite_store() {
    let mut env = short_tokens();
    env.store = env.dir.path().join("private").join("tokens.sqlite3");
    let env = env.logged_in();
    assert!(env.store.is_file(), "the login went into the SQLite store");
    processes_share_one_store(&env);
}

#[test]
fn a_login_is_only_sent_to_the_server_that_issued_it() {
    let a = Env::start().logged_in();
    // A second server, and a config pointing at it, over A's token store.
    let b = Env::start();
    let b_config = a.path("b.json");
    std::fs::copy(&b.config, &b_config).unwrap();
    let before = b.sandbox.counters();

    let refused = a.run_with_config(&b_config, &["eob"]).expect_code(3);
    assert!(
        refused.stderr.contains(&format!(
            "no login for profile `default` on {}",
            b.sandbox.base_url().origin().ascii_serialization()
        )),
        "{}",
        refused.stderr
    );
    assert!(
        refused
            .stderr
            .contains(&a.sandbox.base_url().origin().ascii_serialization()),
        "names the login the store has: {}",
        refused.stderr
    );
    let after = b.sandbox.counters();
    assert_eq!(
        after.requests_per_path, before.requests_per_path,
        "B received no request at all"
    );
    assert_eq!(after.invalid_token_requests, 0);
    // A's login is intact and works.
    a.run(&["eob"]).expect_code(0);
    let shown: serde_json::Value =
        serde_json::from_str(&a.run(&["token", "show"]).expect_code(0).stdout).unwrap();
    let logins = shown["logins"].as_array().unwrap();
    assert_eq!(logins.len(), 1);
    assert_eq!(logins[0]["in_use"], true);
    assert!(
        shown["issuer"]
            .as_str()
            .unwrap()
            .starts_with(&a.sandbox.base_url().origin().ascii_serialization())
    );
}

#[test]
fn switching_servers_keeps_both_logins() {
    let a = Env::start().logged_in();
    let b = Env::start();
    // Log in to B with A's token store too.
    let b_over_a = Env {
        store: a.store.clone(),
        ..b
    };
    let (outcome, status, _) = b_over_a.login(&[]);
    assert_eq!(outcome.code, Some(0), "{outcome:?}");
    assert_eq!(status, 200);
    a.run(&["eob"]).expect_code(0);
    b_over_a.run(&["eob"]).expect_code(0);
    let shown: serde_json::Value =
        serde_json::from_str(&a.run(&["token", "show"]).expect_code(0).stdout).unwrap();
    assert_eq!(shown["logins"].as_array().unwrap().len(), 2, "{shown}");
}

#[test]
fn a_one_time_login_is_kept_until_its_token_expires() {
    let env = Env::with(|b| b.data_access_type(DataAccessType::OneTime)).logged_in();
    // The refresh is refused (one-time apps may not refresh), but the access token works.
    env.run(&["token", "refresh"]).expect_code(3);
    env.run(&["eob"]).expect_code(0);
    // The server's clock passes the token's hour: the API refuses it, and the CLI says why.
    env.sandbox.advance_clock(Duration::from_secs(3601));
    let ended = env.run(&["eob"]).expect_code(3);
    assert!(ended.stderr.contains("one-time access"), "{}", ended.stderr);
    assert_eq!(env.sandbox.counters().refresh_token_reuses, 0);
}
