//! API v1 end to end against the sandbox: login, then Patient, Coverage, every EOB page, the
//! resource stream and a read as typed FHIR STU3 (`bluebutton::stu3`), read through the views;
//! and the wrong release for the version refused before anything is sent, in both directions.

mod common;

use std::collections::BTreeSet;

use bluebutton::prelude::*;
use bluebutton::{ApiVersion, ClaimUse, FhirVersion, Operation, stu3};
use bluebutton_sandbox::Sandbox;

#[tokio::test]
async fn v1_reads_every_resource_as_typed_stu3() {
    let sandbox = common::start(Sandbox::builder().claims_per_beneficiary(23)).await;
    let bb = BlueButton::new(common::config(&sandbox, ApiVersion::V1)).unwrap();
    let beneficiary = common::connect(&bb).await;
    let info = sandbox.beneficiaries()[0].clone();

    let patients: stu3::Bundle = beneficiary.patient().first().await.unwrap();
    let patient = patients.patients().next().expect("one Patient");
    assert_eq!(patient.id.as_deref(), Some(info.patient_id.as_str()));
    assert!(
        patient
            .display_name()
            .is_some_and(|n| n.starts_with(&info.given_name) && n.ends_with(&info.family_name)),
        "{:?}",
        patient.display_name()
    );

    let coverages: stu3::Bundle = beneficiary.coverage().first().await.unwrap();
    let parts: BTreeSet<_> = coverages.coverages().filter_map(|c| c.part()).collect();
    assert_eq!(parts.len(), 4, "Parts A to D");

    let pages: Vec<stu3::Bundle> = beneficiary
        .explanation_of_benefit()
        .page_size(5)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 5, "23 claims in pages of 5");
    let eobs: Vec<&stu3::ExplanationOfBenefit> = pages
        .iter()
        .flat_map(|p| p.explanation_of_benefits())
        .collect();
    assert_eq!(eobs.len(), 23);
    let types: BTreeSet<ClaimType> = eobs.iter().filter_map(|e| e.claim_type()).collect();
    assert_eq!(types.into_iter().collect::<Vec<_>>(), ClaimType::ALL);
    assert!(eobs.iter().all(|e| e.claim_use() == ClaimUse::Claim));
    assert!(eobs.iter().all(|e| e.totals().paid.is_some()));

    // Streamed one resource at a time, the same claims in the same order.
    let streamed: Vec<stu3::ExplanationOfBenefit> = beneficiary
        .explanation_of_benefit()
        .page_size(5)
        .resources::<stu3::ExplanationOfBenefit>()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed.iter().collect::<Vec<_>>(), eobs);
    let all_coverages: Vec<stu3::Coverage> = beneficiary.coverage().all().await.unwrap();
    assert_eq!(all_coverages.len(), 4);
    let error = beneficiary
        .explanation_of_benefit()
        .all::<bluebutton::ExplanationOfBenefit>()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::WrongFhirVersion {
                needs: FhirVersion::R4,
                instead: "bluebutton::stu3::ExplanationOfBenefit",
                ..
            }
        ),
        "{error:?}"
    );

    let first = eobs[0];
    let id = first.id.as_deref().unwrap();
    let read: stu3::ExplanationOfBenefit = beneficiary
        .get(&format!("fhir/ExplanationOfBenefit/{id}"))
        .await
        .unwrap();
    assert_eq!(&read, first, "a read gives the resource of the search");
    let by_id: stu3::ExplanationOfBenefit = beneficiary.read(id).await.unwrap();
    assert_eq!(&by_id, first);
    let patient_by_id: stu3::Patient = beneficiary.read(&info.patient_id).await.unwrap();
    assert_eq!(Some(&patient_by_id), patients.patients().next());
    let error = beneficiary
        .read::<bluebutton::ExplanationOfBenefit>(id)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::WrongFhirVersion {
                operation: Operation::Read("ExplanationOfBenefit"),
                instead: "bluebutton::stu3::ExplanationOfBenefit",
                ..
            }
        ),
        "{error:?}"
    );

    let statement: stu3::CapabilityStatement = bb.metadata().await.unwrap();
    assert_eq!(statement.fhir_version.as_deref(), Some("3.0.2"));
}

#[tokio::test]
async fn the_wrong_release_is_refused_before_sending_with_the_type_to_use() {
    let sandbox = common::start(Sandbox::builder().claims_per_beneficiary(2)).await;
    let v2 = BlueButton::new(common::config(&sandbox, ApiVersion::V2)).unwrap();
    let beneficiary = common::connect(&v2).await;
    let before = sandbox.counters().requests_per_path.clone();
    let error = beneficiary
        .explanation_of_benefit()
        .first::<stu3::Bundle>()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::WrongFhirVersion {
                operation: Operation::Search("ExplanationOfBenefit"),
                version: ApiVersion::V2,
                needs: FhirVersion::Stu3,
                serves: FhirVersion::R4,
                instead: "bluebutton::Bundle",
                ..
            }
        ),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains("`bluebutton::Bundle`"), "{message}");
    let error = beneficiary
        .get::<stu3::Resource>("fhir/Patient/")
        .await
        .unwrap_err();
    assert!(matches!(error, Error::WrongFhirVersion { .. }), "{error:?}");
    let error = beneficiary
        .coverage()
        .all::<stu3::Coverage>()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::WrongFhirVersion {
                instead: "bluebutton::Coverage",
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(sandbox.counters().requests_per_path, before, "nothing sent");

    let v1 = BlueButton::new(common::config(&sandbox, ApiVersion::V1)).unwrap();
    let error = v1
        .metadata::<bluebutton::CapabilityStatement>()
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("read it as `bluebutton::stu3::CapabilityStatement`"),
        "{error}"
    );
}
