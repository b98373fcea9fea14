//! Conformance of the FHIR routes: paging, validation, identity checks, negotiation, headers.

mod common;

use bluebutton_sandbox::Sandbox;
use common::*;
use serde_json::Value;

async fn json(response: reqwest::Response) -> Value {
    response.json().await.expect("json")
}

fn link<'a>(bundle: &'a Value, relation: &str) -> Option<&'a str> {
    bundle["link"]
        .as_array()?
        .iter()
        .find(|l| l["relation"] == relation)?["url"]
        .as_str()
}

#[tokio::test]
async fn eob_search_pages_with_absolute_links_and_total() {
    let sb = Sandbox::builder().start().await.expect("start");
    let token = login(&sb, "").await;
    let first = get(&sb, "/v2/fhir/ExplanationOfBenefit/", at(&token)).await;
    assert_eq!(first.headers()["content-type"], "application/fhir+json");
    let first = json(first).await;
    assert_eq!(first["total"], 52);
    assert_eq!(first["entry"].as_array().map(Vec::len), Some(10));
    let host = sb.base_url().as_str().trim_end_matches('/').to_owned();
    assert_eq!(
        link(&first, "next"),
        Some(format!("{host}/v2/fhir/ExplanationOfBenefit?_format=application%2Fjson%2Bfhir&startIndex=10&_count=10&patient=-19990000000001").as_str())
    );
    assert_eq!(
        link(&first, "last"),
        Some(format!("{host}/v2/fhir/ExplanationOfBenefit?_format=application%2Fjson%2Bfhir&startIndex=50&_count=10&patient=-19990000000001").as_str())
    );
    assert!(link(&first, "previous").is_none());
    let mut pages = 1;
    let mut ids = Vec::new();
    let mut bundle = first;
    loop {
        ids.extend(
            bundle["entry"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| e["resource"]["id"].as_str().unwrap_or_default().to_owned()),
        );
        let Some(next) = link(&bundle, "next").map(str::to_owned) else {
            break;
        };
        bundle = json(
            client()
                .get(next)
                .bearer_auth(at(&token))
                .send()
                .await
                .expect("get"),
        )
        .await;
        pages += 1;
    }
    assert_eq!(pages, 6);
    assert_eq!(ids.len(), 52);
    assert!(link(&bundle, "previous").is_some());
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 52);
}

#[tokio::test]
async fn count_and_filters_validate_with_the_real_messages() {
    let sb = Sandbox::builder().start().await.expect("start");
    let token = login(&sb, "").await;
    let mut seen = Vec::new();
    for query in [
        "_count=51",
        "_count=abc",
        "startIndex=x",
        "type=bogus",
        "service-date=2020-01-01",
        "_lastUpdated=2020-01-01",
    ] {
        let response = get(
            &sb,
            &format!("/v2/fhir/ExplanationOfBenefit?{query}"),
            at(&token),
        )
        .await;
        seen.push(format!(
            "{} {}",
            response.status().as_u16(),
            response.text().await.expect("body")
        ));
    }
    insta::assert_snapshot!(seen.join("\n"), @r#"
    400 {"detail":"value must be at most 50"}
    400 {"detail":"expected int"}
    400 {"detail":"expected int"}
    400 {"detail":"the type parameter value is not valid"}
    400 {"detail":"the service-date operator is not valid"}
    400 {"detail":"the _lastUpdated operator is not valid"}
    "#);
    let fifty = json(
        get(
            &sb,
            "/v2/fhir/ExplanationOfBenefit?_count=50&foo=bar&excludeSAMHSA=true",
            at(&token),
        )
        .await,
    )
    .await;
    assert_eq!(fifty["entry"].as_array().map(Vec::len), Some(50));
    assert!(!link(&fifty, "self").unwrap_or_default().contains("foo"));
}

#[tokio::test]
async fn type_service_date_and_last_updated_filter() {
    let sb = Sandbox::builder().start().await.expect("start");
    let token = login(&sb, "").await;
    let pde = json(get(&sb, "/v2/fhir/ExplanationOfBenefit?type=pde,https://bluebutton.cms.gov/resources/codesystem/eob-type|SNF&_count=50", at(&token)).await).await;
    let entries = pde["entry"].as_array().cloned().unwrap_or_default();
    assert!(!entries.is_empty());
    assert_eq!(pde["total"].as_u64(), Some(entries.len() as u64));
    for e in &entries {
        let id = e["resource"]["id"].as_str().unwrap_or_default();
        assert!(id.starts_with("pde-") || id.starts_with("snf-"), "{id}");
    }
    assert!(link(&pde, "first").unwrap_or_default().contains("type=pde"));
    let all =
        json(get(&sb, "/v2/fhir/ExplanationOfBenefit?_count=50", at(&token)).await).await["total"]
            .as_u64()
            .unwrap_or(0);
    let early = json(
        get(
            &sb,
            "/v2/fhir/ExplanationOfBenefit?service-date=lt2020-01-01",
            at(&token),
        )
        .await,
    )
    .await["total"]
        .as_u64()
        .unwrap_or(0);
    let late = json(
        get(
            &sb,
            "/v2/fhir/ExplanationOfBenefit?service-date=ge2020-01-01",
            at(&token),
        )
        .await,
    )
    .await["total"]
        .as_u64()
        .unwrap_or(0);
    assert_eq!(early + late, all);
    assert!(early > 0 && late > 0);
    let updated = json(
        get(
            &sb,
            "/v2/fhir/ExplanationOfBenefit?_lastUpdated=gt2000-01-01&_lastUpdated=lt2100-01-01",
            at(&token),
        )
        .await,
    )
    .await;
    assert_eq!(updated["total"].as_u64(), Some(all));
}

#[tokio::test]
async fn identity_is_forced_to_the_tokens_patient() {
    let sb = Sandbox::builder()
        .beneficiaries(2)
        .start()
        .await
        .expect("start");
    let token = login(&sb, "").await;
    let other = sb.beneficiaries()[1].patient_id.clone();
    let forbidden = get(
        &sb,
        &format!("/v2/fhir/ExplanationOfBenefit?patient={other}"),
        at(&token),
    )
    .await;
    assert_eq!(forbidden.status(), 403);
    assert_eq!(
        forbidden.text().await.expect("body"),
        r#"{"detail":"You do not have permission to perform this action."}"#
    );
    assert_eq!(
        get(
            &sb,
            &format!("/v2/fhir/Coverage?beneficiary=Patient/{other}"),
            at(&token)
        )
        .await
        .status(),
        403
    );
    let not_found = get(&sb, &format!("/v2/fhir/Patient?_id={other}"), at(&token)).await;
    assert_eq!(not_found.status(), 404);
    assert_eq!(
        not_found.text().await.expect("body"),
        r#"{"detail":"Not found."}"#
    );
    assert_eq!(
        get(&sb, &format!("/v2/fhir/Patient/{other}"), at(&token))
            .await
            .status(),
        404
    );
    let own = json(
        get(
            &sb,
            "/v2/fhir/ExplanationOfBenefit?patient=-19990000000001&_count=1",
            at(&token),
        )
        .await,
    )
    .await;
    let eob_id = own["entry"][0]["resource"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let read = get(
        &sb,
        &format!("/v2/fhir/ExplanationOfBenefit/{eob_id}/"),
        at(&token),
    )
    .await;
    assert_eq!(read.status(), 200);
    assert_eq!(json(read).await["id"], eob_id.as_str());
    let theirs = login(&sb, &format!("&sandbox_patient={other}")).await;
    assert_eq!(
        get(
            &sb,
            &format!("/v2/fhir/ExplanationOfBenefit/{eob_id}"),
            at(&theirs)
        )
        .await
        .status(),
        404
    );
    let patient = json(get(&sb, "/v2/fhir/Patient/-19990000000001", at(&token)).await).await;
    assert_eq!(patient["resourceType"], "Patient");
    let coverage =
        json(get(&sb, "/v1/fhir/Coverage/part-a--19990000000001", at(&token)).await).await;
    assert_eq!(
        coverage["grouping"]["subPlan"], "Part A",
        "v1 is STU3-shaped"
    );
    assert_eq!(
        json(get(&sb, "/v3/fhir/Coverage", at(&token)).await).await["total"],
        4
    );
}

#[tokio::test]
async fn the_three_401_variants() {
    let sb = Sandbox::builder().start().await.expect("start");
    let none = client()
        .get(url(&sb, "/v2/fhir/Patient/"))
        .send()
        .await
        .expect("get");
    assert_eq!(none.status(), 401);
    assert_eq!(none.headers()["www-authenticate"], r#"Bearer realm="api""#);
    assert_eq!(
        none.text().await.expect("body"),
        r#"{"detail":"Authentication credentials were not provided."}"#
    );
    let bogus = get(&sb, "/v2/fhir/Patient/", "bogus").await;
    assert_eq!(
        bogus.headers()["www-authenticate"],
        r#"Bearer realm="api",error="invalid_token",error_description="The access token is invalid.""#
    );
}

#[tokio::test]
async fn content_negotiation_and_query_token_and_methods() {
    let sb = Sandbox::builder().start().await.expect("start");
    let token = login(&sb, "").await;
    let as_json = client()
        .get(url(&sb, "/v2/fhir/Coverage/"))
        .bearer_auth(at(&token))
        .header("accept", "application/json")
        .send()
        .await
        .expect("get");
    assert_eq!(as_json.headers()["content-type"], "application/json");
    let xml = client()
        .get(url(&sb, "/v2/fhir/Coverage/"))
        .bearer_auth(at(&token))
        .header("accept", "application/fhir+xml")
        .send()
        .await
        .expect("get");
    assert_eq!(xml.status(), 406);
    assert_eq!(
        xml.text().await.expect("body"),
        r#"{"detail":"Could not satisfy the request Accept header."}"#
    );
    let query = client()
        .get(url(
            &sb,
            &format!("/v2/fhir/Coverage/?access_token={}", at(&token)),
        ))
        .send()
        .await
        .expect("get");
    assert_eq!(query.status(), 400);
    assert_eq!(
        query.text().await.expect("body"),
        r#"{"detail":"Using the access token in the query parameters is not supported. Use the Authorization header instead"}"#
    );
    let post = client()
        .post(url(&sb, "/v2/fhir/Coverage/"))
        .bearer_auth(at(&token))
        .send()
        .await
        .expect("post");
    assert_eq!(post.status(), 403);
}

#[tokio::test]
async fn rate_limit_headers_are_numbers_on_fhir_and_none_elsewhere() {
    let sb = Sandbox::builder()
        .throttle(2, std::time::Duration::from_secs(60))
        .start()
        .await
        .expect("start");
    let token = login(&sb, "").await;
    let ok = get(&sb, "/v2/fhir/Coverage/", at(&token)).await;
    assert_eq!(ok.headers()["x-ratelimit-limit"], "2");
    assert_eq!(ok.headers()["x-ratelimit-remaining"], "1");
    assert!(
        ok.headers()["x-ratelimit-reset"]
            .to_str()
            .expect("ascii")
            .parse::<f64>()
            .is_ok()
    );
    assert_eq!(
        get(&sb, "/v2/fhir/Coverage/", at(&token)).await.status(),
        200
    );
    let throttled = get(&sb, "/v2/fhir/Coverage/", at(&token)).await;
    assert_eq!(throttled.status(), 429);
    assert!(throttled.headers().contains_key("retry-after"));
    assert!(
        throttled
            .text()
            .await
            .expect("body")
            .starts_with(r#"{"detail":"Request was throttled. Expected available in "#)
    );
    let meta = client()
        .get(url(&sb, "/v2/fhir/metadata"))
        .send()
        .await
        .expect("get");
    assert_eq!(meta.headers()["x-ratelimit-remaining"], "None");
    assert_eq!(sb.counters().requests_to("/v2/fhir/Coverage/"), 3);
}

#[tokio::test]
async fn counts_accepted_connections_not_requests() {
    let sb = Sandbox::builder().start().await.expect("start");
    assert_eq!(sb.counters().connections_accepted, 0);
    let pooled = client();
    for _ in 0..3 {
        let response = pooled
            .get(url(&sb, "/v2/fhir/metadata"))
            .send()
            .await
            .expect("get");
        response.bytes().await.expect("body");
    }
    assert_eq!(
        sb.counters().connections_accepted,
        1,
        "one pooled connection"
    );
    client()
        .get(url(&sb, "/v2/fhir/metadata"))
        .send()
        .await
        .expect("get");
    assert_eq!(sb.counters().connections_accepted, 2, "a second client");
}
