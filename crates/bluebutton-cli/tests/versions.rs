//! Every API version end to end, as the real server serves it: v1 (FHIR STU3), v2 and v3
//! (FHIR R4; v3 with `_offset` paging, CARIN BB 2.1 data, prior authorizations, the SAMHSA
//! consent choice and the insurance card). Each runs login, patient, coverage, userinfo,
//! every EOB page, export, CSV and a refresh against the sandbox.

mod common;

use std::collections::HashSet;

use common::Env;
use serde_json::Value;

fn ndjson(text: &str) -> Vec<Value> {
    text.lines()
        .map(|line| serde_json::from_str(line).expect("one JSON document per line"))
        .collect()
}

/// How many requests reached the EOB search of `version`, with or without the slash.
fn eob_pages(env: &Env, version: u8) -> u64 {
    let counters = env.sandbox.counters();
    counters.requests_to(&format!("/v{version}/fhir/ExplanationOfBenefit/"))
        + counters.requests_to(&format!("/v{version}/fhir/ExplanationOfBenefit"))
}

/// The claims of one logged-in version: every page, then export, CSV and refresh. Returns
/// the claims.
fn every_call(env: &Env, version: u8) -> Vec<Value> {
    let patient: Value =
        serde_json::from_str(&env.run(&["patient"]).expect_code(0).stdout).expect("JSON");
    assert_eq!(patient["resourceType"], "Bundle", "v{version}");
    assert_eq!(
        patient["entry"][0]["resource"]["id"],
        env.sandbox.beneficiaries()[0].patient_id.as_str(),
        "v{version}"
    );
    let coverage: Value =
        serde_json::from_str(&env.run(&["coverage"]).expect_code(0).stdout).expect("JSON");
    let coverages = coverage["entry"].as_array().expect("entries");
    assert!(!coverages.is_empty(), "v{version}");
    assert!(
        coverages
            .iter()
            .all(|e| e["resource"]["resourceType"] == "Coverage"),
        "v{version}"
    );
    // userinfo serves only application/json: the sandbox answers 406 to FHIR JSON, as the
    // real server does.
    let userinfo: Value =
        serde_json::from_str(&env.run(&["userinfo"]).expect_code(0).stdout).expect("JSON");
    assert_eq!(
        userinfo["patient"],
        env.sandbox.beneficiaries()[0].patient_id.as_str(),
        "v{version}"
    );

    let before = eob_pages(env, version);
    let claims = ndjson(
        &env.run(&["eob", "--all", "--format", "ndjson", "--count", "5"])
            .expect_code(0)
            .stdout,
    );
    assert!(!claims.is_empty(), "v{version}");
    let ids: HashSet<&str> = claims.iter().filter_map(|c| c["id"].as_str()).collect();
    assert_eq!(ids.len(), claims.len(), "v{version}: no claim twice");
    assert_eq!(
        eob_pages(env, version) - before,
        claims.len().div_ceil(5) as u64,
        "v{version}: every page fetched once"
    );

    let out = env.path(&format!("export-v{version}"));
    let exported = env
        .run(&["export", "--out", out.to_str().unwrap(), "--count", "7"])
        .expect_code(0);
    let read = |name: &str| std::fs::read_to_string(out.join(name)).expect(name);
    assert_eq!(
        ndjson(&read("ExplanationOfBenefit.ndjson")).len(),
        claims.len(),
        "v{version}"
    );
    assert_eq!(ndjson(&read("Patient.ndjson")).len(), 1, "v{version}");
    assert!(
        exported
            .stdout
            .contains(&format!("{} ExplanationOfBenefit", claims.len())),
        "{}",
        exported.stdout
    );

    let csv = env
        .run(&["eob", "--all", "--format", "csv", "--count", "50"])
        .expect_code(0)
        .stdout;
    let mut rows = csv::Reader::from_reader(csv.as_bytes());
    let headers = rows.headers().expect("header").clone();
    let claim_column = headers
        .iter()
        .position(|h| h == "claim_id")
        .expect("claim_id column");
    let mut claims_in_csv = HashSet::new();
    for row in rows.records() {
        let row = row.expect("a CSV row");
        claims_in_csv.insert(row[claim_column].to_owned());
    }
    assert_eq!(
        claims_in_csv.len(),
        claims.len(),
        "v{version}: every claim has CSV rows"
    );

    let refreshed = env.run(&["token", "refresh"]).expect_code(0);
    assert!(
        refreshed.stdout.starts_with("Refreshed: patient "),
        "{}",
        refreshed.stdout
    );
    // The refreshed token works.
    env.run(&["eob", "--format", "ndjson", "--count", "1"])
        .expect_code(0);
    claims
}

#[test]
fn v1_serves_typed_stu3_end_to_end() {
    let env = Env::start().on_version(1).logged_in();
    let claims = every_call(&env, 1);
    assert_eq!(claims.len(), env.first_claim_count());
    // STU3 shapes: `item.service`, not R4's `item.productOrService`.
    assert!(claims.iter().any(|c| c["item"][0].get("service").is_some()));
    assert!(
        claims
            .iter()
            .all(|c| c["item"][0].get("productOrService").is_none())
    );
}

#[test]
fn v2_end_to_end() {
    let env = Env::start().on_version(2).logged_in();
    let claims = every_call(&env, 2);
    assert_eq!(claims.len(), env.first_claim_count());
}

#[test]
fn v3_end_to_end_with_samhsa_declined_then_shared() {
    let env = Env::start().on_version(3);
    // The consent page's SAMHSA box is unticked by default: the beneficiary declines.
    env.login_with_choice("&sandbox_samhsa=decline")
        .expect_code(0);
    let declined = every_call(&env, 3);
    let samhsa = |claims: &[Value]| {
        claims
            .iter()
            .filter(|c| {
                c["meta"]["security"]
                    .as_array()
                    .is_some_and(|labels| labels.iter().any(|l| l["code"] == "42CFRPart2"))
            })
            .count()
    };
    assert_eq!(samhsa(&declined), 0, "declined: no 42 CFR Part 2 claim");
    for claim in &declined {
        let source = claim["meta"]["source"].as_str().unwrap_or_default();
        assert!(
            ["NationalClaimsHistory", "DDPS"].contains(&source),
            "{source}"
        );
    }
    assert!(
        declined.iter().any(|c| c["use"] == "preauthorization"),
        "v3 searches return prior authorizations too"
    );

    let card: Value =
        serde_json::from_str(&env.run(&["insurance-card"]).expect_code(0).stdout).expect("JSON");
    assert_eq!(card["resourceType"], "Bundle");
    let types: HashSet<&str> = card["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["resource"]["resourceType"].as_str())
        .collect();
    assert_eq!(
        types,
        HashSet::from(["Patient", "Coverage", "Organization"])
    );

    // A new login that shares SAMHSA data sees the labelled claims as well.
    env.login_with_choice("&sandbox_samhsa=share")
        .expect_code(0);
    let shared = ndjson(
        &env.run(&["eob", "--all", "--format", "ndjson", "--count", "50"])
            .expect_code(0)
            .stdout,
    );
    assert!(
        samhsa(&shared) > 0,
        "shared: the 42 CFR Part 2 claims are back"
    );
    assert_eq!(shared.len(), declined.len() + samhsa(&shared));
}

#[test]
fn the_insurance_card_needs_v3() {
    let env = Env::start().on_version(2).logged_in();
    let outcome = env.run(&["insurance-card"]).expect_code(2);
    assert!(
        outcome.stderr.contains("configure `version: 3`"),
        "{}",
        outcome.stderr
    );
}
