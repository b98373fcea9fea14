//! Single calls on the wire (wiremock): the insurance card's path per version, custom paths,
//! bearer tokens and error context.

mod common;

use bluebutton::prelude::*;
use bluebutton::{ApiVersion, Operation, Resource};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn client(server: &MockServer, version: ApiVersion) -> Beneficiary {
    let config = Config::builder()
        .client_id("client-id")
        .client_secret("client-secret")
        .callback_url("http://localhost:3000/callback")
        .base_url(server.uri())
        .version(version)
        .build()
        .unwrap();
    BlueButton::new(config)
        .unwrap()
        .insert_token("-1", &common::token("-1", "patient/Patient.rs profile"))
        .await
        .unwrap()
}

#[tokio::test]
async fn insurance_card_uses_the_configured_version_path() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v3/fhir/Patient/$generate-insurance-card"))
        .and(header("authorization", "Bearer test-access-token-0123456789"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {"resourceType": "Patient", "id": "-1"}}]}),
        ))
        .expect(2)
        .mount(&server)
        .await;
    let beneficiary = client(&server, ApiVersion::V3).await;
    let card = beneficiary.insurance_card().await.unwrap();
    let Resource::Bundle(bundle) = card else {
        panic!("{card:?}")
    };
    assert_eq!(bundle.patients().count(), 1);
    let json = beneficiary
        .insurance_card::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(json["type"], "collection");
}

#[tokio::test]
async fn insurance_card_before_v3_is_refused_without_a_request() {
    let server = MockServer::start().await;
    for version in [ApiVersion::V1, ApiVersion::V2] {
        let beneficiary = client(&server, version).await;
        let error = beneficiary
            .insurance_card::<serde_json::Value>()
            .await
            .unwrap_err();
        assert!(
            matches!(
                error,
                Error::VersionUnsupported {
                    operation: Operation::InsuranceCard,
                    needs: ApiVersion::V3,
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(
            error.to_string().contains("configure `version: 3`"),
            "{error}"
        );
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn custom_paths_resolve_under_the_version_root() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/fhir/Coverage/part-a--20140000010000/"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"resourceType": "Coverage", "id": "part-a--20140000010000"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let beneficiary = client(&server, ApiVersion::V2).await;
    let coverage = beneficiary
        .get::<serde_json::Value>("fhir/Coverage/part-a--20140000010000/")
        .await
        .unwrap();
    assert_eq!(coverage["id"], "part-a--20140000010000");
    let error = beneficiary
        .get::<serde_json::Value>("../v1/fhir/Patient/")
        .await
        .unwrap_err();
    assert!(matches!(error, Error::InvalidTarget { .. }));
}

#[tokio::test]
async fn reads_percent_encode_the_id_and_check_the_type() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/fhir/ExplanationOfBenefit/carrier--1%2F2"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"resourceType": "Patient", "id": "-1"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let beneficiary = client(&server, ApiVersion::V2).await;
    let error = beneficiary
        .read::<ExplanationOfBenefit>("carrier--1/2")
        .await
        .unwrap_err();
    insta::assert_snapshot!(error.to_string(), @"ExplanationOfBenefit read: expected resource type ExplanationOfBenefit but the server sent Patient (status 200 OK)");
}
