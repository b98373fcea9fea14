//! Every generated resource parses with `bluebutton-fhir` and round-trips losslessly, and the
//! Blue Button helpers of that crate recognise it (claim type, MBI, Coverage part, paging links).

mod common;

use bluebutton_fhir::bluebutton::prelude::*;
use bluebutton_fhir::{Resource, Validate, from_json_str, to_json_string};
use bluebutton_sandbox::Sandbox;
use common::*;
use serde_json::Value;

/// Parses `text` as a typed resource and checks that writing it back gives the same JSON.
fn round_trip(text: &str) -> Resource {
    let resource: Resource = from_json_str(text).unwrap_or_else(|e| {
        let shown: String = text.chars().take(300).collect();
        panic!("parse: {e}\n{shown}…")
    });
    let written = to_json_string(&resource).expect("serialize");
    let before: Value = serde_json::from_str(text).expect("json");
    let after: Value = serde_json::from_str(&written).expect("json");
    assert_eq!(before, after, "round trip changed the resource");
    resource
}

async fn text(sb: &bluebutton_sandbox::SandboxHandle, path: &str, token: &str) -> String {
    let response = get(sb, path, token).await;
    assert_eq!(response.status(), 200, "{path}");
    response.text().await.expect("body")
}

#[tokio::test]
async fn every_generated_resource_parses_with_bluebutton_fhir_and_round_trips() {
    let sb = Sandbox::builder()
        .claims_per_beneficiary(40)
        .start()
        .await
        .expect("start");
    let bene = sb.beneficiaries()[0].clone();
    let token = login(&sb, "").await;
    let token = at(&token);

    let patient =
        round_trip(&text(&sb, &format!("/v2/fhir/Patient/{}", bene.patient_id), token).await);
    let patient = patient.as_patient().expect("a Patient");
    assert_eq!(patient.current_mbi(), Some(bene.mbi.as_str()));
    assert!(patient.validate().is_empty(), "{:?}", patient.validate());

    let coverages = round_trip(&text(&sb, "/v2/fhir/Coverage/", token).await);
    let coverages = coverages.as_bundle().expect("a Bundle");
    let parts: Vec<_> = coverages.coverages().map(|c| c.part()).collect();
    assert_eq!(parts.len(), 4);
    assert!(parts.iter().all(Option::is_some), "{parts:?}");
    for coverage in coverages.coverages() {
        let id = coverage.id.as_deref().expect("id");
        round_trip(&text(&sb, &format!("/v2/fhir/Coverage/{id}"), token).await);
    }

    let mut next = Some(url(&sb, "/v2/fhir/ExplanationOfBenefit?_count=25"));
    let mut eobs = 0;
    let mut types = std::collections::BTreeSet::new();
    while let Some(page_url) = next.take() {
        let body = client()
            .get(&page_url)
            .bearer_auth(token)
            .send()
            .await
            .expect("get")
            .text()
            .await
            .expect("body");
        let bundle = round_trip(&body);
        let bundle = bundle.as_bundle().expect("a Bundle");
        for eob in bundle.explanation_of_benefits() {
            let claim_type = eob.claim_type().expect("claim type recognised");
            types.insert(claim_type.code());
            assert!(eob.claim_id().is_some());
            assert!(!eob.line_items().is_empty());
            assert!(eob.validate().is_empty(), "{:?}", eob.validate());
            if !matches!(claim_type.code(), "CARRIER" | "DME" | "PDE") {
                assert!(
                    eob.provider_organization().is_some(),
                    "contained provider-org"
                );
            }
            let id = eob.id.as_deref().expect("id");
            round_trip(&text(&sb, &format!("/v2/fhir/ExplanationOfBenefit/{id}"), token).await);
            eobs += 1;
        }
        next = bundle.next_link().map(str::to_owned);
    }
    assert_eq!(eobs, 40);
    assert_eq!(types.len(), 8, "{types:?}");

    let metadata = client()
        .get(url(&sb, "/v2/fhir/metadata"))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    assert!(round_trip(&metadata).as_capability_statement().is_some());
}
