//! The whole flow against the sandbox: authorize, consent, exchange, every data call, paging,
//! revoke.

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use bluebutton::prelude::*;
use bluebutton::{ApiVersion, Operation, RawPage};
use bluebutton_sandbox::Sandbox;

#[tokio::test]
async fn full_flow_authorize_exchange_and_every_call() {
    let sandbox = common::start(Sandbox::builder().claims_per_beneficiary(23)).await;
    let issued = Arc::new(Mutex::new(Vec::new()));
    let seen = issued.clone();
    let bb = BlueButton::builder(common::config(&sandbox, ApiVersion::V2))
        .token_manager(move |tokens| {
            tokens.on_token_issued(move |key, _| seen.lock().unwrap().push(key.to_owned()))
        })
        .build()
        .unwrap();

    let beneficiary = common::connect(&bb).await;
    let expected = &sandbox.beneficiaries()[0];
    assert_eq!(beneficiary.key(), expected.patient_id);
    assert_eq!(
        issued.lock().unwrap().as_slice(),
        std::slice::from_ref(&expected.patient_id)
    );

    // Patient, Coverage: typed first pages.
    let patients = beneficiary
        .patient()
        .first::<bluebutton::Bundle>()
        .await
        .unwrap();
    let patient = patients.patients().next().expect("one Patient");
    assert_eq!(patient.id.as_deref(), Some(expected.patient_id.as_str()));
    let coverage: Vec<Coverage> = beneficiary.coverage().all().await.unwrap();
    assert!(!coverage.is_empty());
    assert!(coverage.iter().all(|c| c.part().is_some()));

    // Every EOB page, following the next links.
    let pages: Vec<Bundle> = beneficiary
        .explanation_of_benefit()
        .page_size(5)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 5, "23 claims in pages of 5");
    let ids: HashSet<String> = pages
        .iter()
        .flat_map(|p| p.explanation_of_benefits())
        .filter_map(|e| e.id.clone())
        .collect();
    assert_eq!(ids.len(), 23, "every claim exactly once");

    // The resources stream and collect-all agree.
    let all: Vec<ExplanationOfBenefit> = beneficiary
        .explanation_of_benefit()
        .page_size(7)
        .all()
        .await
        .unwrap();
    assert_eq!(all.len(), 23);
    // Scanned-then-parsed resources are exactly the resources of the typed pages.
    let from_pages: Vec<&ExplanationOfBenefit> = pages
        .iter()
        .flat_map(|p| p.explanation_of_benefits())
        .collect();
    let mut streamed: Vec<&ExplanationOfBenefit> = all.iter().collect();
    let mut paged = from_pages.clone();
    streamed.sort_by(|a, b| a.id.cmp(&b.id));
    paged.sort_by(|a, b| a.id.cmp(&b.id));
    assert!(streamed == paged, "resources() and pages() disagree");
    // Raw pages: the same pages as received, each resource's exact text parsing to the same EOB.
    let raw: Vec<RawPage> = beneficiary
        .explanation_of_benefit()
        .page_size(5)
        .pages::<bluebutton::RawPage>()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(raw.len(), 5);
    assert_eq!(raw[0].total(), Some(23));
    let mut from_raw: Vec<ExplanationOfBenefit> = raw
        .iter()
        .flat_map(RawPage::resources)
        .map(|text| bluebutton_fhir::from_json_str(text).unwrap())
        .collect();
    from_raw.sort_by(|a, b| a.id.cmp(&b.id));
    assert!(
        from_raw.iter().eq(paged.iter().copied()),
        "pages_raw() and pages() disagree"
    );

    // Claim type filter: every result has the asked type.
    let some_type = all[0].claim_type().expect("a claim type");
    let filtered = beneficiary
        .explanation_of_benefit()
        .claim_type(some_type)
        .all::<bluebutton::ExplanationOfBenefit>()
        .await
        .unwrap();
    assert!(!filtered.is_empty());
    assert!(filtered.iter().all(|e| e.claim_type() == Some(some_type)));

    // Read by id.
    let one: ExplanationOfBenefit = beneficiary
        .read(all[0].id.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(one.id, all[0].id);
    let me: Patient = beneficiary.read(&expected.patient_id).await.unwrap();
    assert_eq!(me.id.as_deref(), Some(expected.patient_id.as_str()));

    // userinfo, metadata, custom path and absolute URL.
    let profile = beneficiary
        .userinfo::<bluebutton::UserInfo>()
        .await
        .unwrap();
    assert_eq!(profile.sub, expected.patient_id);
    let metadata = bb
        .metadata::<bluebutton::CapabilityStatement>()
        .await
        .unwrap();
    assert_eq!(metadata.fhir_version.as_deref(), Some("4.0.1"));
    let custom = beneficiary
        .get::<serde_json::Value>("fhir/Coverage/")
        .await
        .unwrap();
    assert_eq!(custom["resourceType"], "Bundle");
    let raw = beneficiary
        .get::<bluebutton::Bytes>("fhir/Coverage/")
        .await
        .unwrap();
    // Each response has its own Bundle id and time: the entries are what must agree.
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&raw).unwrap()["entry"],
        custom["entry"]
    );
    let absolute = bb.endpoints().fhir_base.join("Patient/").unwrap();
    let custom = beneficiary
        .get::<serde_json::Value>(absolute.as_str())
        .await
        .unwrap();
    assert_eq!(
        custom["entry"][0]["resource"]["id"],
        expected.patient_id.as_str()
    );
    let custom_pages: Vec<serde_json::Value> = beneficiary
        .pages::<serde_json::Value>("fhir/ExplanationOfBenefit/?_count=10")
        .try_collect()
        .await
        .unwrap();
    assert_eq!(custom_pages.len(), 3);

    // The newest token is always available, and a forced refresh rotates it.
    let before = beneficiary.token().await.unwrap();
    let after = beneficiary.refresh().await.unwrap();
    assert_ne!(
        before.access_token().secret(),
        after.access_token().secret()
    );
    assert_eq!(
        beneficiary.token().await.unwrap().access_token().secret(),
        after.access_token().secret()
    );
    assert_eq!(
        issued.lock().unwrap().len(),
        2,
        "the callback saw the refresh"
    );
    let counters = sandbox.counters();
    assert_eq!(counters.refreshes, 1);
    assert_eq!(counters.refresh_token_reuses, 0);

    let introspection = beneficiary.introspect().await.unwrap();
    assert!(introspection.active);

    // Disconnect: the grant is gone and so is the stored token.
    beneficiary.revoke().await.unwrap();
    assert!(beneficiary.stored_token().await.unwrap().is_none());
    let error = beneficiary
        .coverage()
        .first::<bluebutton::Bundle>()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Auth(bluebutton::AuthError::TokenNotFound { .. })
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn v1_serves_json_and_refuses_typed_r4_results() {
    let sandbox = common::start(Sandbox::builder().claims_per_beneficiary(3)).await;
    let bb = BlueButton::new(common::config(&sandbox, ApiVersion::V1)).unwrap();
    let beneficiary = common::connect(&bb).await;
    let before = sandbox.counters().requests_per_path.clone();
    let error = beneficiary
        .explanation_of_benefit()
        .first::<bluebutton::Bundle>()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::WrongFhirVersion {
                operation: Operation::Search("ExplanationOfBenefit"),
                needs: bluebutton::FhirVersion::R4,
                serves: bluebutton::FhirVersion::Stu3,
                instead: "bluebutton::stu3::Bundle",
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(sandbox.counters().requests_per_path, before, "nothing sent");
    let page = beneficiary
        .explanation_of_benefit()
        .first::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(page["resourceType"], "Bundle");
    assert_eq!(page["entry"].as_array().unwrap().len(), 3);
    // Raw pages need no typed model: STU3 passes through as received.
    let raw: Vec<RawPage> = beneficiary
        .explanation_of_benefit()
        .page_size(2)
        .pages::<bluebutton::RawPage>()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(raw.iter().map(|p| p.resources().len()).sum::<usize>(), 3);
    let custom: Vec<RawPage> = beneficiary
        .pages::<bluebutton::RawPage>("fhir/ExplanationOfBenefit/?_count=2")
        .try_collect()
        .await
        .unwrap();
    assert_eq!(custom.len(), 2);
    let metadata = bb.metadata::<serde_json::Value>().await.unwrap();
    assert_eq!(metadata["resourceType"], "CapabilityStatement");
}

#[tokio::test]
async fn denial_is_a_typed_error_and_nothing_is_stored() {
    let sandbox = common::start(Sandbox::builder()).await;
    sandbox.queue_approval(bluebutton_sandbox::Approval::Deny);
    let bb = BlueButton::new(common::config(&sandbox, ApiVersion::V2)).unwrap();
    let request = bb.new_auth_request();
    let query = common::authorize(&bb, &request).await;
    assert!(query.contains("error=access_denied"));
    let error = bb.exchange_code(request, &query).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Auth(bluebutton::AuthError::AccessDenied { .. })
        ),
        "{error:?}"
    );
    assert_eq!(
        sandbox.counters().token_posts,
        0,
        "no code exchange was tried"
    );
}

#[tokio::test]
async fn a_mismatched_state_never_reaches_the_token_endpoint() {
    let sandbox = common::start(Sandbox::builder()).await;
    let bb = BlueButton::new(common::config(&sandbox, ApiVersion::V2)).unwrap();
    let first = bb.new_auth_request();
    let query = common::authorize(&bb, &first).await;
    let other = bb.new_auth_request();
    let error = bb.exchange_code(other, &query).await.unwrap_err();
    assert!(
        matches!(error, Error::Auth(bluebutton::AuthError::StateMismatch)),
        "{error:?}"
    );
    assert_eq!(sandbox.counters().token_posts, 0);
}

#[tokio::test]
async fn an_rfc_9207_iss_must_be_the_configured_base_url() {
    let sandbox = common::start(Sandbox::builder()).await;
    let config = common::config(&sandbox, ApiVersion::V2);
    let issuer = config.base_url().as_str().trim_end_matches('/').to_owned();
    let bb = BlueButton::new(config).unwrap();
    // A response from another authorization server (mix-up): refused before any exchange.
    let request = bb.new_auth_request();
    let query = common::authorize(&bb, &request).await;
    let foreign = format!("{query}&iss=https%3A%2F%2Fevil.example");
    let error = bb.exchange_code(request, &foreign).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Auth(bluebutton::AuthError::IssuerMismatch { .. })
        ),
        "{error:?}"
    );
    assert_eq!(
        sandbox.counters().token_posts,
        0,
        "no code exchange was tried"
    );
    // The server's own issuer (the base URL without its trailing slash) is accepted.
    let request = bb.new_auth_request();
    let query = common::authorize(&bb, &request).await;
    let own: String = url::form_urlencoded::byte_serialize(issuer.as_bytes()).collect();
    bb.exchange_code(request, &format!("{query}&iss={own}"))
        .await
        .unwrap();
    assert_eq!(sandbox.counters().token_posts, 1);
}

#[tokio::test]
async fn exchange_code_as_uses_the_apps_key() {
    let sandbox = common::start(Sandbox::builder().claims_per_beneficiary(2)).await;
    let bb = BlueButton::new(common::config(&sandbox, ApiVersion::V2)).unwrap();
    let request = bb.new_auth_request();
    let query = common::authorize(&bb, &request).await;
    let beneficiary = bb
        .exchange_code_as("user-42", request, &query)
        .await
        .unwrap();
    assert_eq!(beneficiary.key(), "user-42");
    assert_eq!(
        bb.beneficiary("user-42")
            .explanation_of_benefit()
            .all::<bluebutton::ExplanationOfBenefit>()
            .await
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn date_filters_are_understood_by_the_server() {
    use time::macros::{date, datetime};
    let sandbox = common::start(Sandbox::builder().claims_per_beneficiary(30)).await;
    let bb = BlueButton::new(common::config(&sandbox, ApiVersion::V2)).unwrap();
    let beneficiary = common::connect(&bb).await;
    let eob = || beneficiary.explanation_of_benefit().page_size(50);
    type Eob = bluebutton::ExplanationOfBenefit;

    let everything = eob()
        .service_date_range(date!(1900 - 01 - 01), date!(2100 - 12 - 31))
        .last_updated(DateFilter::ge(datetime!(1990-01-01 00:00:00 UTC)))
        .all::<Eob>()
        .await
        .unwrap();
    assert_eq!(everything.len(), 30);
    let future = eob()
        .service_date(DateFilter::gt(date!(2100 - 01 - 01)))
        .all::<Eob>()
        .await
        .unwrap();
    assert!(future.is_empty());
    let not_updated_since = eob()
        .last_updated(DateFilter::lt(date!(1990 - 01 - 01)))
        .all::<Eob>()
        .await
        .unwrap();
    assert!(not_updated_since.is_empty());

    // A split at some claim's date: the two halves partition the claims.
    let (_, end) = everything[0].billable_period_dates();
    let split = end.expect("a billable period");
    let before = eob()
        .service_date(DateFilter::lt(split))
        .all::<Eob>()
        .await
        .unwrap();
    let after = eob()
        .service_date(DateFilter::ge(split))
        .all::<Eob>()
        .await
        .unwrap();
    assert_eq!(before.len() + after.len(), 30);
    assert!(!after.is_empty());

    let coverage = beneficiary
        .coverage()
        .last_updated(DateFilter::ge(date!(1990 - 01 - 01)))
        .all::<bluebutton::Coverage>()
        .await
        .unwrap();
    assert_eq!(coverage.len(), 4);
}
