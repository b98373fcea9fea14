//! `export` replaces a previous export whole or not at all: Ctrl-C mid-way (the binary as a
//! real process, signalled while it waits on a slow sandbox) and a destination already in use.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use bluebutton_sandbox::Faults;
use common::Env;

/// Each file of `dir` with its bytes and, on Unix, its inode (a replaced file has a new one).
fn snapshot(dir: &Path) -> BTreeMap<String, (Vec<u8>, u64)> {
    std::fs::read_dir(dir)
        .expect("read the export directory")
        .map(|entry| {
            let entry = entry.unwrap();
            let name = entry.file_name().into_string().unwrap();
            let bytes = std::fs::read(entry.path()).unwrap_or_else(|e| panic!("{name}: {e}"));
            #[cfg(unix)]
            let inode = std::os::unix::fs::MetadataExt::ino(&entry.metadata().unwrap());
            #[cfg(not(unix))]
            let inode = 0;
            (name, (bytes, inode))
        })
        .collect()
}

fn claim_searches(env: &Env) -> u64 {
    let counters = env.sandbox.counters();
    counters.requests_to("/v2/fhir/ExplanationOfBenefit/")
        + counters.requests_to("/v2/fhir/ExplanationOfBenefit")
}

#[cfg(unix)]
#[test]
fn ctrl_c_mid_export_replaces_nothing_and_exits_130() {
    // 200 claims read one per page, each answer 100 ms late: the export is surely still running
    // when the signal arrives, however loaded the machine.
    let env = Env::with(|b| {
        b.claims_per_beneficiary(200)
            .faults(Faults::none().latency(Duration::from_millis(100)))
    })
    .logged_in();
    let out = env.path("export");
    let out_arg = out.to_str().unwrap();
    env.run(&["export", "--out", out_arg]).expect_code(0);
    let previous = snapshot(&out);
    assert_eq!(
        previous.keys().collect::<Vec<_>>(),
        [
            "Coverage.ndjson",
            "ExplanationOfBenefit.ndjson",
            "Patient.ndjson"
        ]
    );

    let before = claim_searches(&env);
    let mut child = env
        .command(&["export", "--out", out_arg, "--force", "--count", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn export");
    // Evidence that the export is under way: it has asked for a second page of claims (so
    // Patient and Coverage are already written, in the new set).
    let deadline = Instant::now() + Duration::from_secs(120);
    while claim_searches(&env) < before + 2 {
        assert!(
            child.try_wait().expect("poll the export").is_none(),
            "the export ended before it was interrupted"
        );
        assert!(Instant::now() < deadline, "the export never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let signalled = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(signalled.success());
    let outcome = common::Outcome::from(child.wait_with_output().expect("wait for the export"));
    let outcome = outcome.expect_code(130);
    assert!(
        outcome.stderr.contains("interrupted: nothing replaced"),
        "{}",
        outcome.stderr
    );
    assert!(outcome.stdout.is_empty(), "no summary: {}", outcome.stdout);
    let after = snapshot(&out);
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        previous.keys().collect::<Vec<_>>(),
        "no partial or temporary file is left"
    );
    assert!(
        after == previous,
        "the previous export is intact byte for byte"
    );
}

#[test]
fn an_existing_export_is_replaced_only_with_force() {
    let env = Env::start().logged_in();
    let out = env.path("export");
    let out_arg = out.to_str().unwrap();
    env.run(&["export", "--out", out_arg]).expect_code(0);
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let previous = snapshot(&out);

    let refused = env
        .run(&["export", "--out", out_arg, "--format", "csv"])
        .expect_code(2);
    assert!(
        refused.stderr.contains("already holds an export")
            && refused.stderr.contains("ExplanationOfBenefit.ndjson")
            && refused.stderr.contains("--force"),
        "{}",
        refused.stderr
    );
    assert!(
        snapshot(&out) == previous,
        "a refused export touches nothing"
    );

    env.run(&["export", "--out", out_arg, "--format", "csv", "--force"])
        .expect_code(0);
    let after = snapshot(&out);
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        [
            "Coverage.ndjson",
            "ExplanationOfBenefit.csv",
            "Patient.ndjson",
            "notes.txt"
        ],
        "the new set replaces the old one whole; other files stay"
    );
    assert_eq!(after["notes.txt"], previous["notes.txt"]);
}

#[test]
fn out_naming_a_file_says_so() {
    let env = Env::start().logged_in();
    let file = env.path("claims.ndjson");
    std::fs::write(&file, "keep").unwrap();
    let outcome = env
        .run(&["export", "--out", file.to_str().unwrap()])
        .expect_code(2);
    assert!(
        outcome.stderr.contains("this is a file") && outcome.stderr.contains("directory"),
        "{}",
        outcome.stderr
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep");
}
