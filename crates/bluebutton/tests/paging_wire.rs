//! Paging on the wire (wiremock): next links followed verbatim (no re-added parameters, the
//! Python SDK's bug), a next link to another origin refused before sending.

mod common;

use bluebutton::prelude::*;
use bluebutton::{ClaimType, PagingLimit};
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn client(server: &MockServer) -> Beneficiary {
    let config = Config::builder()
        .client_id("client-id")
        .client_secret("client-secret")
        .callback_url("http://localhost:3000/callback")
        .base_url(server.uri())
        .build()
        .unwrap();
    let bb = BlueButton::new(config).unwrap();
    bb.insert_token(
        "-1",
        &common::token("-1", "patient/ExplanationOfBenefit.rs patient/Coverage.rs"),
    )
    .await
    .unwrap()
}

fn bundle(next: Option<&str>, ids: &[&str]) -> serde_json::Value {
    let mut link = vec![json!({"relation": "self", "url": "http://ignored.example/self"})];
    if let Some(next) = next {
        link.push(json!({"relation": "next", "url": next}));
    }
    json!({
        "resourceType": "Bundle", "type": "searchset", "link": link,
        "entry": ids.iter().map(|id| json!({"resource": {"resourceType": "ExplanationOfBenefit", "id": id}})).collect::<Vec<_>>(),
    })
}

#[tokio::test]
async fn next_links_are_followed_verbatim_with_the_bearer_token() {
    let server = MockServer::start().await;
    let next = format!(
        "{}/v2/fhir/ExplanationOfBenefit?_format=application%2Fjson%2Bfhir&startIndex=2&_count=2&patient=-1&type=carrier",
        server.uri()
    );
    Mock::given(method("GET"))
        .and(path("/v2/fhir/ExplanationOfBenefit/"))
        .and(query_param("type", "carrier"))
        .and(header(
            "authorization",
            "Bearer test-access-token-0123456789",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(bundle(Some(&next), &["a", "b"])))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/fhir/ExplanationOfBenefit"))
        .and(header(
            "authorization",
            "Bearer test-access-token-0123456789",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(bundle(None, &["c"])))
        .expect(1)
        .mount(&server)
        .await;

    let beneficiary = client(&server).await;
    let eobs = beneficiary
        .explanation_of_benefit()
        .claim_type(ClaimType::Carrier)
        .page_size(2)
        .all::<bluebutton::ExplanationOfBenefit>()
        .await
        .unwrap();
    assert_eq!(eobs.len(), 3);

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    let sent = &requests[1].url;
    let sent = format!(
        "{}{}?{}",
        server.uri(),
        sent.path(),
        sent.query().unwrap_or_default()
    );
    assert_eq!(sent, next, "the next link exactly, nothing re-added");
}

#[tokio::test]
async fn a_next_link_to_another_origin_is_refused_before_sending() {
    let server = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    let foreign = format!(
        "{}/v2/fhir/ExplanationOfBenefit?startIndex=2&patient=-1",
        elsewhere.uri()
    );
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(bundle(Some(&foreign), &["a", "b"])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(bundle(None, &["stolen"])))
        .expect(0)
        .mount(&elsewhere)
        .await;

    let beneficiary = client(&server).await;
    let mut pages = beneficiary
        .explanation_of_benefit()
        .pages::<bluebutton::Bundle>();
    let first = pages.try_next().await.unwrap().expect("the first page");
    assert_eq!(first.entry.len(), 2);
    let error = pages.try_next().await.unwrap_err();
    assert!(matches!(error, Error::ForeignNextLink { .. }), "{error:?}");
    let message = error
        .to_string()
        .replace(&elsewhere.uri(), "http://127.0.0.1:[PORT]")
        .replace(&server.uri(), "http://127.0.0.1:[BASE]");
    insta::assert_snapshot!(message, @"refusing to follow a next link to http://127.0.0.1:[PORT]: only http://127.0.0.1:[BASE] is allowed (link path /v2/fhir/ExplanationOfBenefit)");
    assert!(
        pages.try_next().await.unwrap().is_none(),
        "the stream ends after the error"
    );
    assert!(elsewhere.received_requests().await.unwrap().is_empty());

    // collect-all surfaces the same error rather than a partial result.
    let error = beneficiary
        .explanation_of_benefit()
        .all::<bluebutton::ExplanationOfBenefit>()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::ForeignNextLink { .. }));
}

#[tokio::test]
async fn a_self_referencing_next_link_stops_paging() {
    let server = MockServer::start().await;
    let again = format!("{}/v2/fhir/ExplanationOfBenefit/", server.uri());
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(bundle(Some(&again), &["a"])))
        .expect(1)
        .mount(&server)
        .await;
    let beneficiary = client(&server).await;
    assert_eq!(
        beneficiary
            .explanation_of_benefit()
            .all::<bluebutton::ExplanationOfBenefit>()
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn the_page_cap_is_an_error_not_a_truncation() {
    let server = MockServer::start().await;
    for i in 0..5 {
        let next = format!(
            "{}/v2/fhir/ExplanationOfBenefit?startIndex={}",
            server.uri(),
            i + 1
        );
        let matcher = if i == 0 {
            Mock::given(path("/v2/fhir/ExplanationOfBenefit/"))
        } else {
            Mock::given(path("/v2/fhir/ExplanationOfBenefit"))
                .and(query_param("startIndex", i.to_string()))
        };
        let id = i.to_string();
        matcher
            .respond_with(
                ResponseTemplate::new(200).set_body_json(bundle(Some(&next), &[id.as_str()])),
            )
            .mount(&server)
            .await;
    }
    let beneficiary = client(&server).await;
    let error = beneficiary
        .explanation_of_benefit()
        .limits(PageLimits::default().max_pages(3))
        .all::<bluebutton::ExplanationOfBenefit>()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::PagingLimitReached {
                kind: PagingLimit::Pages,
                limit: 3
            }
        ),
        "{error:?}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn an_operation_outcome_instead_of_a_bundle_is_a_typed_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "processing"}]}),
        ))
        .mount(&server)
        .await;
    let beneficiary = client(&server).await;
    let error = beneficiary
        .coverage()
        .first::<bluebutton::Bundle>()
        .await
        .unwrap_err();
    insta::assert_snapshot!(error.to_string(), @"Coverage search: expected resource type Bundle but the server sent OperationOutcome (status 200 OK)");
}

#[tokio::test]
async fn custom_absolute_urls_on_another_origin_are_refused() {
    let server = MockServer::start().await;
    let beneficiary = client(&server).await;
    let error = beneficiary
        .get::<serde_json::Value>("https://evil.example/v2/fhir/Patient/?token=secret")
        .await
        .unwrap_err();
    insta::assert_snapshot!(error.to_string(), @"cannot request `https://evil.example/v2/fhir/Patient/?token=`: an absolute URL must be on the configured base URL's origin");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn offset_links_without_total_are_followed_to_the_end() {
    // The v3 back end pages with `_offset`, has no first/last links, and leaves `total` out
    // while more pages exist: only the `next` link says whether to go on.
    let server = MockServer::start().await;
    let link = |offset: u32| {
        format!(
            "{}/v2/fhir/ExplanationOfBenefit?_count=2&_offset={offset}&patient=-1",
            server.uri()
        )
    };
    let mut last = bundle(None, &["e"]);
    last["total"] = json!(5);
    for (offset, body) in [(2, bundle(Some(&link(4)), &["c", "d"])), (4, last)] {
        Mock::given(method("GET"))
            .and(path("/v2/fhir/ExplanationOfBenefit"))
            .and(query_param("_offset", offset.to_string()))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .expect(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/v2/fhir/ExplanationOfBenefit/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(bundle(Some(&link(2)), &["a", "b"])))
        .expect(1)
        .mount(&server)
        .await;
    let eobs = client(&server)
        .await
        .explanation_of_benefit()
        .page_size(2)
        .all::<bluebutton::ExplanationOfBenefit>()
        .await
        .unwrap();
    let ids: Vec<&str> = eobs.iter().filter_map(|e| e.id.as_deref()).collect();
    assert_eq!(ids, ["a", "b", "c", "d", "e"]);
}
