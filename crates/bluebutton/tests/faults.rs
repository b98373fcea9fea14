//! Server faults (5xx, 429, dropped connections) and scope refusals, against the sandbox.

mod common;

use bluebutton::prelude::*;
use bluebutton::{ApiVersion, Operation, ScopeCheck};
use bluebutton_sandbox::{Approval, Fault, Faults, Sandbox};

#[tokio::test]
async fn server_errors_and_throttling_are_retried_transparently() {
    let sandbox = common::start(Sandbox::builder().claims_per_beneficiary(12)).await;
    let bb = BlueButton::new(common::config(&sandbox, ApiVersion::V2)).unwrap();
    let beneficiary = common::connect(&bb).await;

    sandbox.inject(Fault::ServerError, 2);
    assert_eq!(
        beneficiary
            .explanation_of_benefit()
            .all::<bluebutton::ExplanationOfBenefit>()
            .await
            .unwrap()
            .len(),
        12
    );
    sandbox.inject(Fault::Throttle, 3);
    assert_eq!(
        beneficiary
            .explanation_of_benefit()
            .all::<bluebutton::ExplanationOfBenefit>()
            .await
            .unwrap()
            .len(),
        12
    );
    sandbox.inject(Fault::DropConnection, 1);
    assert_eq!(
        beneficiary
            .coverage()
            .all::<bluebutton::Coverage>()
            .await
            .unwrap()
            .len(),
        4
    );

    let faults = sandbox.counters().faults;
    assert_eq!(faults.server_errors, 2);
    assert_eq!(faults.throttled, 3);
    assert_eq!(faults.dropped_connections, 1);
}

#[tokio::test]
async fn random_faults_over_a_long_fetch_still_give_every_claim_once() {
    let sandbox = common::start(
        Sandbox::builder()
            .claims_per_beneficiary(40)
            .faults(Faults::none().server_error_rate(0.2).throttle_rate(0.1)),
    )
    .await;
    let bb = BlueButton::new(common::config(&sandbox, ApiVersion::V2)).unwrap();
    let beneficiary = common::connect(&bb).await;
    let eobs = beneficiary
        .explanation_of_benefit()
        .page_size(4)
        .all::<bluebutton::ExplanationOfBenefit>()
        .await
        .unwrap();
    let mut ids: Vec<_> = eobs.iter().filter_map(|e| e.id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 40);
    assert!(sandbox.counters().faults_injected > 0);
}

#[tokio::test]
async fn exhausted_retries_give_the_last_status_with_context() {
    let sandbox = common::start(Sandbox::builder().claims_per_beneficiary(3)).await;
    let bb = BlueButton::new(common::config(&sandbox, ApiVersion::V2)).unwrap();
    let beneficiary = common::connect(&bb).await;
    sandbox.inject(Fault::ServerError, 10);
    let error = beneficiary
        .explanation_of_benefit()
        .first::<bluebutton::Bundle>()
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(http::StatusCode::BAD_GATEWAY));
    let Error::Http { operation, source } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(*operation, Operation::Search("ExplanationOfBenefit"));
    assert_eq!(
        source.attempts(),
        Some(4),
        "1 try + 3 retries (the default total)"
    );
    let message = error.to_string();
    assert!(message.starts_with("ExplanationOfBenefit search failed: GET /v2/fhir/ExplanationOfBenefit/ failed with status 502"), "{message}");
}

#[tokio::test]
async fn without_demographic_scopes_patient_and_userinfo_fail_before_sending() {
    let sandbox = common::start(Sandbox::builder().claims_per_beneficiary(3)).await;
    sandbox.queue_approval(Approval::approve_without_demographics());
    let bb = BlueButton::new(common::config(&sandbox, ApiVersion::V2)).unwrap();
    let beneficiary = common::connect(&bb).await;
    assert!(!beneficiary.token().await.unwrap().demographics_granted());
    let before = sandbox.counters().requests_per_path.clone();

    let error = beneficiary
        .patient()
        .first::<bluebutton::Bundle>()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::ScopeNotGranted {
                operation: Operation::Search("Patient"),
                checked_by: ScopeCheck::Token,
                ..
            }
        ),
        "{error:?}"
    );
    let error = beneficiary
        .userinfo::<bluebutton::UserInfo>()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::ScopeNotGranted {
                operation: Operation::UserInfo,
                required: "profile",
                checked_by: ScopeCheck::Token
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        sandbox.counters().requests_per_path,
        before,
        "nothing was sent"
    );
    // Claims and coverage still work.
    assert_eq!(
        beneficiary
            .explanation_of_benefit()
            .all::<bluebutton::ExplanationOfBenefit>()
            .await
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn a_server_403_on_demographics_maps_to_the_same_error() {
    let sandbox = common::start(Sandbox::builder().claims_per_beneficiary(3)).await;
    sandbox.queue_approval(Approval::approve_without_demographics());
    let bb = BlueButton::new(common::config(&sandbox, ApiVersion::V2)).unwrap();
    let beneficiary = common::connect(&bb).await;
    // A token whose recorded scopes claim demographics the server never granted.
    let mut stored = serde_json::to_value(beneficiary.token().await.unwrap()).unwrap();
    stored["scope"] = format!(
        "{} patient/Patient.rs profile",
        stored["scope"].as_str().unwrap()
    )
    .into();
    let lying: bluebutton::AuthorizationToken = serde_json::from_value(stored).unwrap();
    let beneficiary = bb.insert_token(beneficiary.key(), &lying).await.unwrap();

    let error = beneficiary
        .patient()
        .first::<bluebutton::Bundle>()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::ScopeNotGranted {
                checked_by: ScopeCheck::Server,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.status(), Some(http::StatusCode::FORBIDDEN));
    let error = beneficiary
        .userinfo::<bluebutton::UserInfo>()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::ScopeNotGranted {
                checked_by: ScopeCheck::Server,
                ..
            }
        ),
        "{error:?}"
    );
    insta::assert_snapshot!(error.to_string(), @"userinfo needs the `profile` scope, which was not granted (the server answered 403)");
}

#[tokio::test]
async fn page_size_out_of_range_is_refused_before_sending() {
    let sandbox = common::start(Sandbox::builder().claims_per_beneficiary(3)).await;
    let bb = BlueButton::new(common::config(&sandbox, ApiVersion::V2)).unwrap();
    let beneficiary = common::connect(&bb).await;
    let before = sandbox.counters().requests_per_path.clone();
    for size in [0, 51, 1000] {
        let error = beneficiary
            .explanation_of_benefit()
            .page_size(size)
            .first::<bluebutton::Bundle>()
            .await
            .unwrap_err();
        assert!(
            matches!(error, Error::InvalidPageSize { value } if value == size),
            "{error:?}"
        );
        let error = beneficiary
            .coverage()
            .page_size(size)
            .pages::<bluebutton::Bundle>()
            .try_next()
            .await
            .unwrap_err();
        assert!(matches!(error, Error::InvalidPageSize { .. }));
    }
    assert_eq!(sandbox.counters().requests_per_path, before);
    assert_eq!(
        beneficiary
            .explanation_of_benefit()
            .page_size(50)
            .all::<bluebutton::ExplanationOfBenefit>()
            .await
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        beneficiary
            .explanation_of_benefit()
            .page_size(1)
            .all::<bluebutton::ExplanationOfBenefit>()
            .await
            .unwrap()
            .len(),
        3
    );
}
