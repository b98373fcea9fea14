//! The generated data: determinism, shapes of the eight claim types, scale, and the data directory.

mod common;

use std::path::PathBuf;
use std::time::Instant;

use bluebutton_sandbox::Sandbox;
use common::*;
use serde_json::Value;

async fn all_eobs(sb: &bluebutton_sandbox::SandboxHandle, token: &str) -> Vec<Value> {
    let body: Value = get(sb, "/v2/fhir/ExplanationOfBenefit?_count=50", token)
        .await
        .json()
        .await
        .expect("json");
    body["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| e["resource"].clone())
        .collect()
}

#[tokio::test]
async fn same_seed_same_data_other_seed_other_data() {
    let a = Sandbox::builder()
        .seed(7)
        .claims_per_beneficiary(20)
        .start()
        .await
        .expect("start");
    let b = Sandbox::builder()
        .seed(7)
        .claims_per_beneficiary(20)
        .start()
        .await
        .expect("start");
    let c = Sandbox::builder()
        .seed(8)
        .claims_per_beneficiary(20)
        .start()
        .await
        .expect("start");
    assert_eq!(a.beneficiaries(), b.beneficiaries());
    assert_ne!(a.beneficiaries()[0].mbi, c.beneficiaries()[0].mbi);
    let (ta, tb) = (login(&a, "").await, login(&b, "").await);
    let mut ea = all_eobs(&a, at(&ta)).await;
    let mut eb = all_eobs(&b, at(&tb)).await;
    for e in ea.iter_mut().chain(eb.iter_mut()) {
        assert!(e.is_object());
    }
    assert_eq!(ea, eb);
}

#[tokio::test]
async fn every_claim_type_is_shaped_like_bfd_v2() {
    let sb = Sandbox::builder()
        .claims_per_beneficiary(8)
        .start()
        .await
        .expect("start");
    let token = login(&sb, "").await;
    let eobs = all_eobs(&sb, at(&token)).await;
    let codes: Vec<&str> = eobs
        .iter()
        .map(|e| {
            e["type"]["coding"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|c| c["system"] == "https://bluebutton.cms.gov/resources/codesystem/eob-type")
                .and_then(|c| c["code"].as_str())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(
        codes,
        [
            "CARRIER",
            "DME",
            "HHA",
            "HOSPICE",
            "INPATIENT",
            "OUTPATIENT",
            "PDE",
            "SNF"
        ]
    );
    for eob in &eobs {
        let id = eob["id"].as_str().unwrap_or_default();
        let profile = eob["meta"]["profile"][0].as_str().unwrap_or_default();
        assert!(
            profile.starts_with(
                "http://hl7.org/fhir/us/carin-bb/StructureDefinition/C4BB-ExplanationOfBenefit-"
            ),
            "{id}"
        );
        assert_eq!(eob["patient"]["reference"], "Patient/-19990000000001");
        assert!(
            eob["item"][0]["adjudication"]
                .as_array()
                .is_some_and(|a| !a.is_empty()),
            "{id}"
        );
        assert!(
            eob["identifier"][0]["system"]
                .as_str()
                .unwrap_or_default()
                .starts_with("https://bluebutton.cms.gov/resources/variables/")
        );
        if id.starts_with("pde-") {
            assert!(eob.get("diagnosis").is_none());
        } else {
            assert!(
                eob["diagnosis"].as_array().is_some_and(|d| !d.is_empty()),
                "{id}"
            );
            assert!(
                eob["extension"][0]["url"]
                    .as_str()
                    .unwrap_or_default()
                    .starts_with("https://bluebutton.cms.gov/resources/variables/")
            );
            assert_eq!(eob["contained"].as_array().map(Vec::len), Some(1), "{id}");
        }
    }
}

#[tokio::test]
async fn one_hundred_thousand_claims_are_served_lazily() {
    let started = Instant::now();
    let sb = Sandbox::builder()
        .beneficiaries(1)
        .claims_per_beneficiary(100_000)
        .start()
        .await
        .expect("start");
    let start_time = started.elapsed();
    let token = login(&sb, "").await;
    let page: Value = get(
        &sb,
        "/v2/fhir/ExplanationOfBenefit?startIndex=99990&_count=50",
        at(&token),
    )
    .await
    .json()
    .await
    .expect("json");
    assert_eq!(page["total"], 100_000);
    assert_eq!(page["entry"].as_array().map(Vec::len), Some(10));
    assert!(
        page["link"]
            .as_array()
            .is_some_and(|l| l.iter().all(|x| x["relation"] != "next"))
    );
    println!("started in {start_time:?}");
}

fn fixtures() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/bfd/v2");
    dir.is_dir().then_some(dir)
}

#[tokio::test]
async fn a_directory_of_bfd_files_becomes_a_beneficiary() {
    let Some(dir) = fixtures() else {
        println!("skipped: shared/fixtures/bfd/v2 not found");
        return;
    };
    let sb = Sandbox::builder()
        .data_dir(&dir)
        .start()
        .await
        .expect("start");
    let benes = sb.beneficiaries();
    assert_eq!(benes.len(), 1);
    assert_eq!(benes[0].patient_id, "567834");
    // 8 claim types plus the extra claim of the SAMHSA search Bundle.
    assert!(benes[0].claim_count >= 8, "{}", benes[0].claim_count);
    let token = login(&sb, "").await;
    let bundle: Value = get(
        &sb,
        "/v2/fhir/ExplanationOfBenefit?type=carrier",
        at(&token),
    )
    .await
    .json()
    .await
    .expect("json");
    let ids: Vec<&str> = bundle["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["resource"]["id"].as_str())
        .collect();
    assert!(ids.contains(&"carrier-9991831999"), "{ids:?}");
    assert!(ids.iter().all(|id| id.starts_with("carrier-")), "{ids:?}");
    let coverage: Value = get(&sb, "/v2/fhir/Coverage/", at(&token))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(coverage["total"], 4);
    let read = get(&sb, "/v2/fhir/ExplanationOfBenefit/pde-89", at(&token)).await;
    assert_eq!(read.status(), 200);
}

#[tokio::test]
async fn an_empty_directory_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = Sandbox::builder()
        .data_dir(dir.path())
        .start()
        .await
        .expect_err("no patient");
    assert!(err.to_string().contains("no Patient"), "{err}");
}
