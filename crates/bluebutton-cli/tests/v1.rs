//! The CLI on API v1 (FHIR STU3) end to end against the sandbox: login, `patient`, `coverage`,
//! `eob --format csv` and `export` (NDJSON and CSV) succeed, read with the STU3 models, with one
//! row per claim line and every claim exported.

mod common;

use std::collections::HashSet;

use common::Env;
use serde_json::Value;

fn ndjson(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).expect("one JSON document per line"))
        .collect()
}

/// A logged-in environment whose config asks for API v1.
fn v1() -> Env {
    let env = Env::start();
    let text = std::fs::read_to_string(&env.config).expect("config");
    let mut document: Value = serde_json::from_str(&text).expect("json");
    document["version"] = Value::from(1);
    std::fs::write(&env.config, document.to_string()).expect("write config");
    env.logged_in()
}

/// Whether a claim is STU3-shaped (R4 has a list of insurances, STU3 one object).
fn is_stu3_claim(claim: &Value) -> bool {
    claim["resourceType"] == "ExplanationOfBenefit" && claim["insurance"].is_object()
}

#[test]
fn patient_coverage_eob_csv_and_export_work_on_v1() {
    let env = v1();
    let bene = env.sandbox.beneficiaries()[0].clone();

    let patient: Value =
        serde_json::from_str(&env.run(&["patient"]).expect_code(0).stdout).expect("json");
    assert_eq!(
        patient["entry"][0]["resource"]["id"],
        bene.patient_id.as_str()
    );
    let coverage: Value =
        serde_json::from_str(&env.run(&["coverage"]).expect_code(0).stdout).expect("json");
    let groupings: Vec<&str> = coverage["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["resource"]["grouping"]["subPlan"].as_str())
        .collect();
    assert_eq!(groupings, ["Part A", "Part B", "Part C", "Part D"]);

    let claims = ndjson(
        &env.run(&["eob", "--all", "--format", "ndjson"])
            .expect_code(0)
            .stdout,
    );
    assert_eq!(claims.len(), env.first_claim_count());
    assert!(claims.iter().all(is_stu3_claim));
    let expected_rows: usize = claims
        .iter()
        .map(|c| c["item"].as_array().map_or(0, Vec::len).max(1))
        .sum();

    let outcome = env
        .run(&["eob", "--all", "--format", "csv", "--count", "10"])
        .expect_code(0);
    let mut reader = csv::Reader::from_reader(outcome.stdout.as_bytes());
    let header = reader.headers().expect("header").clone();
    assert_eq!(&header[3], "use");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), expected_rows);
    let ids: HashSet<&str> = rows.iter().map(|r| &r[0]).collect();
    assert_eq!(ids.len(), claims.len(), "every claim has rows");
    let types: HashSet<&str> = rows.iter().map(|r| &r[2]).collect();
    assert_eq!(types.len(), 8, "all eight claim types: {types:?}");
    assert!(rows.iter().all(|r| &r[3] == "claim"));
    assert!(
        rows.iter().all(|r| !r[8].is_empty() && !r[12].is_empty()),
        "every line has its code and paid amount"
    );

    let out = env.path("export");
    let outcome = env
        .run(&["export", "--out", out.to_str().unwrap(), "--count", "7"])
        .expect_code(0);
    let read = |name: &str| std::fs::read_to_string(out.join(name)).expect(name);
    let patients = ndjson(&read("Patient.ndjson"));
    let coverages = ndjson(&read("Coverage.ndjson"));
    let exported = ndjson(&read("ExplanationOfBenefit.ndjson"));
    assert_eq!(patients.len(), 1);
    assert_eq!(coverages.len(), 4);
    assert!(coverages.iter().all(|c| c["grouping"].is_object()));
    assert_eq!(exported, claims);
    assert_eq!(
        outcome.stdout.trim(),
        format!(
            "Exported 1 Patient, 4 Coverage, {} ExplanationOfBenefit ({} pages) to {}",
            claims.len(),
            claims.len().div_ceil(7),
            out.display()
        )
    );

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
    assert_eq!(text.lines().count() - 1, expected_rows);
    assert!(
        outcome
            .stdout
            .contains(&format!("{expected_rows} CSV line-item rows")),
        "{}",
        outcome.stdout
    );
}
