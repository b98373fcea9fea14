//! `/v1/` serves FHIR STU3: every resource parses with the STU3 models of `bluebutton-fhir`, with
//! no member those models do not know, writes back equal, and the Blue Button views read it
//! (claim types and totals of all eight claim types, Coverage parts, paging links).

mod common;

use std::collections::BTreeMap;

use bluebutton_fhir::bluebutton::prelude::*;
use bluebutton_fhir::bluebutton::{ClaimUse, CoverageView};
use bluebutton_fhir::{ClaimType, IssueKind, Validate, from_json_str, stu3, to_json_string};
use bluebutton_sandbox::Sandbox;
use common::*;
use serde_json::Value;

/// Parses `text` as an STU3 resource, checks every member is typed and the round trip is equal.
fn stu3_round_trip(text: &str) -> stu3::Resource {
    let resource: stu3::Resource = from_json_str(text).unwrap_or_else(|e| {
        let shown: String = text.chars().take(300).collect();
        panic!("parse as STU3: {e}\n{shown}…")
    });
    assert!(
        !matches!(resource, stu3::Resource::Other(_)),
        "typed: {}",
        resource.resource_type()
    );
    let unknown: Vec<String> = resource
        .validate()
        .into_iter()
        .filter(|i| i.kind == IssueKind::UnknownElement)
        .map(|i| i.path)
        .collect();
    assert!(
        unknown.is_empty(),
        "members STU3 does not define: {unknown:?}"
    );
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
async fn v1_serves_stu3_that_the_stu3_models_and_views_read() {
    let sb = Sandbox::builder()
        .claims_per_beneficiary(30)
        .start()
        .await
        .expect("start");
    let bene = sb.beneficiaries()[0].clone();
    let token = login(&sb, "").await;
    let token = at(&token);

    let patient =
        stu3_round_trip(&text(&sb, &format!("/v1/fhir/Patient/{}", bene.patient_id), token).await);
    let patient = patient.as_patient().expect("a Patient");
    assert_eq!(patient.patient_id(), Some(bene.patient_id.as_str()));
    assert_eq!(patient.current_mbi(), None, "v1 sends the MBI hash only");
    assert!(
        patient
            .display_name()
            .is_some_and(|n| n.contains(&bene.family_name))
    );

    let coverages = stu3_round_trip(&text(&sb, "/v1/fhir/Coverage/", token).await);
    let coverages = coverages.as_bundle().expect("a Bundle");
    let parts: Vec<_> = coverages.coverages().map(CoverageView::part).collect();
    assert_eq!(parts.len(), 4);
    assert!(parts.iter().all(Option::is_some), "{parts:?}");
    assert!(coverages.coverages().all(|c| c.grouping.is_some()));

    let mut next = Some(url(&sb, "/v1/fhir/ExplanationOfBenefit?_count=7"));
    let mut totals: BTreeMap<ClaimType, (bool, bool)> = BTreeMap::new();
    let mut eobs = 0;
    while let Some(page_url) = next.take() {
        assert!(page_url.contains("/v1/"), "{page_url}");
        let body = client()
            .get(&page_url)
            .bearer_auth(token)
            .send()
            .await
            .expect("get")
            .text()
            .await
            .expect("body");
        let bundle = stu3_round_trip(&body);
        let bundle = bundle.as_bundle().expect("a Bundle");
        for eob in bundle.explanation_of_benefits() {
            let claim_type = eob.claim_type().expect("claim type recognised");
            assert_eq!(eob.claim_use(), ClaimUse::Claim);
            assert!(eob.claim_id().is_some());
            let lines = eob.line_items();
            assert!(!lines.is_empty());
            assert!(
                lines
                    .iter()
                    .all(|l| l.submitted.is_some() && l.paid.is_some() && l.product.is_some()),
                "{claim_type}: every line's code and amounts: {lines:?}"
            );
            assert!(eob.insurance.is_some(), "one insurance object");
            let t = eob.totals();
            let seen = totals.entry(claim_type).or_default();
            seen.0 |= t.submitted.is_some();
            seen.1 |= t.paid.is_some();
            let id = eob.eob_id().expect("id");
            let read = stu3_round_trip(
                &text(&sb, &format!("/v1/fhir/ExplanationOfBenefit/{id}"), token).await,
            );
            assert_eq!(
                read.as_explanation_of_benefit().map(|r| r.totals()),
                Some(t)
            );
            eobs += 1;
        }
        next = bundle.next_link().map(str::to_owned);
    }
    assert_eq!(eobs, 30);
    assert_eq!(
        totals.keys().copied().collect::<Vec<_>>(),
        ClaimType::ALL,
        "all eight claim types"
    );
    assert!(
        totals.values().all(|&(submitted, paid)| submitted && paid),
        "submitted and paid totals for every claim type: {totals:?}"
    );

    let metadata = client()
        .get(url(&sb, "/v1/fhir/metadata"))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    let metadata = stu3_round_trip(&metadata);
    let statement = metadata
        .as_capability_statement()
        .expect("CapabilityStatement");
    assert_eq!(statement.fhir_version.as_deref(), Some("3.0.2"));
}

#[tokio::test]
async fn v2_still_serves_r4() {
    let sb = Sandbox::builder()
        .claims_per_beneficiary(8)
        .start()
        .await
        .expect("start");
    let token = login(&sb, "").await;
    let body = text(&sb, "/v2/fhir/ExplanationOfBenefit/", at(&token)).await;
    assert!(from_json_str::<bluebutton_fhir::Bundle>(&body).is_ok());
    assert!(
        from_json_str::<stu3::Bundle>(&body).is_err(),
        "R4 is not STU3"
    );
}
