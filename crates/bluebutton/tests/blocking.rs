//! The blocking client against the sandbox (the sandbox runs on its own runtime; the client
//! is used from plain synchronous code).

mod common;

use std::time::Duration;

use bluebutton::blocking::BlueButton;
use bluebutton::{ApiVersion, BundleView as _, ClaimView as _, Error, ExplanationOfBenefit};
use bluebutton_sandbox::{Approval, Sandbox, SandboxHandle};

fn sandbox(
    builder: bluebutton_sandbox::SandboxBuilder,
) -> (tokio::runtime::Runtime, SandboxHandle) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let handle = rt.block_on(builder.start()).unwrap();
    (rt, handle)
}

/// The authorize step, done with a plain blocking HTTP exchange through a transport of its own
/// (pooled connections belong to the runtime that opened them, so the blocking client's
/// transport is not used from another runtime).
fn approve(bb: &BlueButton, request: &bluebutton::AuthRequest) -> String {
    let url = bb.authorize_url(request);
    let transport = bluebutton::Transport::new(bb.config()).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let response = rt
        .block_on(transport.send_raw(bluebutton_transport::Request::get(url)))
        .unwrap();
    let location = response.headers()[http::header::LOCATION].to_str().unwrap();
    url::Url::parse(location)
        .unwrap()
        .query()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn blocking_client_full_flow_with_paging_and_refresh() {
    let (_rt, sandbox) = sandbox(
        Sandbox::builder()
            .claims_per_beneficiary(21)
            .access_token_ttl(Duration::from_secs(1)),
    );
    let bb = BlueButton::new(common::config(&sandbox, ApiVersion::V2)).unwrap();
    let request = bb.new_auth_request();
    let query = approve(&bb, &request);
    let beneficiary = bb.exchange_code(request, &query).unwrap();
    assert_eq!(beneficiary.key(), sandbox.beneficiaries()[0].patient_id);

    let patient = beneficiary.patient().first::<bluebutton::Bundle>().unwrap();
    assert_eq!(patient.patients().count(), 1);
    assert!(
        !beneficiary
            .coverage()
            .all::<bluebutton::Coverage>()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        beneficiary.userinfo::<bluebutton::UserInfo>().unwrap().sub,
        beneficiary.key()
    );

    let pages: Vec<_> = beneficiary
        .explanation_of_benefit()
        .page_size(4)
        .pages::<bluebutton::Bundle>()
        .collect::<Result<_, Error>>()
        .unwrap();
    assert_eq!(pages.len(), 6);
    let eobs: Vec<ExplanationOfBenefit> = beneficiary
        .explanation_of_benefit()
        .page_size(3)
        .resources()
        .collect::<Result<_, Error>>()
        .unwrap();
    assert_eq!(eobs.len(), 21);
    let raw: Vec<bluebutton::RawPage> = beneficiary
        .explanation_of_benefit()
        .page_size(10)
        .pages::<bluebutton::RawPage>()
        .collect::<Result<_, Error>>()
        .unwrap();
    assert_eq!(raw.iter().map(|p| p.resources().len()).sum::<usize>(), 21);
    let kind = eobs[0].claim_type().unwrap();
    let filtered = beneficiary
        .explanation_of_benefit()
        .claim_type(kind)
        .all::<bluebutton::ExplanationOfBenefit>()
        .unwrap();
    assert!(
        !filtered.is_empty(),
        "the filter keeps the claims of that type"
    );
    assert!(filtered.iter().all(|e| e.claim_type() == Some(kind)));
    let expected = eobs.iter().filter(|e| e.claim_type() == Some(kind)).count();
    assert_eq!(filtered.len(), expected, "and only those");

    let statement = bb.metadata::<bluebutton::CapabilityStatement>().unwrap();
    assert!(statement.fhir_version.is_some(), "a CapabilityStatement");
    // Once the 1 s token has certainly expired, the next call refreshes it first.
    let before = beneficiary.stored_token().unwrap().unwrap();
    std::thread::sleep(Duration::from_millis(1100));
    assert!(before.is_expired());
    assert_eq!(
        beneficiary
            .get::<serde_json::Value>("fhir/Coverage/")
            .unwrap()["resourceType"],
        "Bundle"
    );
    let after = beneficiary.stored_token().unwrap().unwrap();
    assert_ne!(
        after.access_token().secret(),
        before.access_token().secret(),
        "the expired token was replaced"
    );
    let counters = sandbox.counters();
    assert!(counters.refreshes > 0, "1-second tokens were refreshed");
    assert_eq!(counters.refresh_token_reuses, 0);
}

#[test]
fn blocking_client_typed_errors() {
    let (_rt, sandbox) = sandbox(Sandbox::builder().claims_per_beneficiary(2));
    sandbox.queue_approval(Approval::approve_without_demographics());
    let bb = bluebutton::BlueButton::builder(common::config(&sandbox, ApiVersion::V2))
        .build_blocking()
        .unwrap();
    let request = bb.new_auth_request();
    let query = approve(&bb, &request);
    let beneficiary = bb.exchange_code(request, &query).unwrap();
    assert!(matches!(
        beneficiary.patient().first::<bluebutton::Bundle>(),
        Err(Error::ScopeNotGranted { .. })
    ));
    assert!(matches!(
        beneficiary
            .explanation_of_benefit()
            .page_size(0)
            .first::<bluebutton::Bundle>(),
        Err(Error::InvalidPageSize { value: 0 })
    ));
    assert_eq!(
        beneficiary
            .explanation_of_benefit()
            .all::<bluebutton::ExplanationOfBenefit>()
            .unwrap()
            .len(),
        2
    );

    sandbox.queue_approval(Approval::Deny);
    let request = bb.new_auth_request();
    let query = approve(&bb, &request);
    assert!(matches!(
        bb.exchange_code(request, &query),
        Err(Error::Auth(bluebutton::AuthError::AccessDenied { .. }))
    ));
}

#[test]
fn blocking_client_reads_v1_as_typed_stu3() {
    let (_rt, sandbox) = sandbox(Sandbox::builder().claims_per_beneficiary(9));
    let bb = BlueButton::new(common::config(&sandbox, ApiVersion::V1)).unwrap();
    let request = bb.new_auth_request();
    let query = approve(&bb, &request);
    let beneficiary = bb.exchange_code(request, &query).unwrap();
    let pages: Vec<bluebutton::stu3::Bundle> = beneficiary
        .explanation_of_benefit()
        .page_size(4)
        .pages()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(pages.len(), 3);
    let types: std::collections::BTreeSet<_> = pages
        .iter()
        .flat_map(|p| p.explanation_of_benefits())
        .filter_map(|e| e.claim_type())
        .collect();
    assert_eq!(types.len(), 8, "{types:?}");
    let streamed: Vec<bluebutton::stu3::ExplanationOfBenefit> = beneficiary
        .explanation_of_benefit()
        .resources()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(streamed.len(), 9);
    assert_eq!(
        beneficiary
            .coverage()
            .all::<bluebutton::stu3::Coverage>()
            .unwrap()
            .len(),
        4
    );
    assert!(matches!(
        beneficiary.patient().first::<bluebutton::Bundle>(),
        Err(Error::WrongFhirVersion { .. })
    ));
}
