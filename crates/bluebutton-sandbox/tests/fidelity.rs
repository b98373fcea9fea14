//! Behaviours of the real server that clients get wrong: a redirect URI refused only at the
//! approval step, an unreachable claims back end, refreshes that fail after rotating, the grant
//! timeout, scopes by version, tokens bound to their version, and re-authorization.

mod common;

use std::time::Duration;

use bluebutton_sandbox::{ConsentMode, Fault, Faults, Sandbox};
use common::*;

const SERVER_ERROR: &str = r#"{"error": "Server Error (500)"}"#;
const FORBIDDEN: &str = r#"{"detail":"You do not have permission to perform this action."}"#;
const NOT_FOUND_REFRESH: &str = r#"{"status_code": 400, "error": "invalid_request", "error_description": "Refresh token not found."}"#;

#[tokio::test]
async fn an_unregistered_redirect_uri_is_refused_only_at_the_approval_step() {
    let sb = Sandbox::builder()
        .consent(ConsentMode::ConsentPage)
        .start()
        .await
        .expect("start");
    let elsewhere = authorize_url(&sb, "").replace("localhost:3000", "elsewhere.example");
    assert!(elsewhere.contains("elsewhere.example"), "{elsewhere}");
    let response = client().get(&elsewhere).send().await.expect("get");
    assert_eq!(response.status(), 302, "the authorize call accepts it");
    let page = response.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(page.starts_with("/v2/o/authorize/"), "{page}");
    for attempt in [
        client().get(url(&sb, &page)),
        client().post(url(&sb, &page)).form(&[("allow", "Allow")]),
    ] {
        let response = attempt.send().await.expect("send");
        assert_eq!(response.status(), 400);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .expect("ascii")
                .starts_with("text/html")
        );
        assert!(
            response
                .text()
                .await
                .expect("body")
                .contains("Mismatching redirect URI.")
        );
    }
    assert_eq!(sb.counters().authorizations, 0);

    // Auto-approval is the approval step: it answers the 400 instead of redirecting.
    let auto = Sandbox::builder().start().await.expect("start");
    let elsewhere = authorize_url(&auto, "").replace("localhost:3000", "elsewhere.example");
    let response = client().get(&elsewhere).send().await.expect("get");
    assert_eq!(response.status(), 400);
    assert!(response.headers().get("location").is_none());
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("Mismatching redirect URI.")
    );
    // Nor does an unsupported response type redirect there.
    let odd = elsewhere.replace("response_type=code", "response_type=token");
    assert_eq!(client().get(&odd).send().await.expect("get").status(), 400);
}

#[tokio::test]
async fn an_unreachable_claims_back_end_answers_500_not_502() {
    let sb = Sandbox::builder().start().await.expect("start");
    let token = login(&sb, "").await;
    sb.inject(Fault::BackendUnreachable, 2);
    for path in ["/v2/fhir/ExplanationOfBenefit/", "/v2/fhir/Coverage/"] {
        let response = get(&sb, path, at(&token)).await;
        assert_eq!(response.headers()["content-type"], "application/json");
        assert_eq!(status_body(response).await, (500, SERVER_ERROR.to_owned()));
    }
    assert_eq!(
        get(&sb, "/v2/fhir/Coverage/", at(&token)).await.status(),
        200
    );
    assert_eq!(sb.counters().faults.server_errors, 2);

    let always = Sandbox::builder()
        .faults(Faults::none().backend_unreachable_rate(1.0))
        .start()
        .await
        .expect("start");
    let token = login(&always, "").await;
    let response = get(&always, "/v3/fhir/Coverage/", at(&token)).await;
    assert_eq!(status_body(response).await, (500, SERVER_ERROR.to_owned()));
    assert!(
        Sandbox::builder()
            .faults(Faults::none().backend_unreachable_rate(1.5))
            .start()
            .await
            .is_err()
    );
}

#[tokio::test]
async fn an_unreachable_back_end_during_a_refresh_burns_the_old_refresh_token() {
    let sb = Sandbox::builder()
        .faults(Faults::none().include_token_endpoint(true))
        .start()
        .await
        .expect("start");
    let token = login(&sb, "").await;
    sb.inject(Fault::BackendUnreachable, 1);
    assert_eq!(
        status_body(refresh(&sb, rt(&token)).await).await,
        (500, SERVER_ERROR.to_owned())
    );
    assert_eq!(
        status_body(refresh(&sb, rt(&token)).await).await,
        (400, r#"{"error": "invalid_grant"}"#.to_owned())
    );
    assert_eq!(
        get(&sb, "/v2/fhir/Coverage/", at(&token)).await.status(),
        401
    );
    assert_eq!(sb.counters().refresh_failures_after_rotation, 1);
}

#[tokio::test]
async fn refresh_failures_after_rotation_wait_for_a_refresh_and_have_a_rate() {
    let sb = Sandbox::builder().start().await.expect("start");
    let token = login(&sb, "").await;
    sb.inject(Fault::RefreshFailsAfterRotation, 1);
    // FHIR calls in between are untouched: the fault waits for a refresh.
    assert_eq!(
        get(&sb, "/v2/fhir/Coverage/", at(&token)).await.status(),
        200
    );
    assert_eq!(
        status_body(refresh(&sb, rt(&token)).await).await,
        (500, SERVER_ERROR.to_owned())
    );
    assert_eq!(refresh(&sb, rt(&token)).await.status(), 400);
    let again = login(&sb, "").await;
    assert_eq!(refresh(&sb, rt(&again)).await.status(), 200, "only once");

    let always = Sandbox::builder()
        .faults(Faults::none().refresh_failure_rate(1.0))
        .start()
        .await
        .expect("start");
    let token = login(&always, "").await;
    assert_eq!(
        status_body(refresh(&always, rt(&token)).await).await,
        (500, SERVER_ERROR.to_owned())
    );
    assert_eq!(
        status_body(refresh(&always, rt(&token)).await).await,
        (400, r#"{"error": "invalid_grant"}"#.to_owned())
    );
    assert_eq!(always.counters().refresh_failures_after_rotation, 1);
}

#[tokio::test]
async fn a_timed_out_grant_is_a_401_without_invalid_token_and_refresh_says_so() {
    // A token that outlives its grant shows the grant timeout rather than its own expiry.
    let sb = Sandbox::builder()
        .access_token_ttl(Duration::from_secs(500 * 86_400))
        .start()
        .await
        .expect("start");
    let token = login(&sb, "").await;
    sb.advance_clock(Duration::from_secs(400 * 86_400));
    for path in ["/v2/fhir/ExplanationOfBenefit/", "/v2/connect/userinfo"] {
        let response = get(&sb, path, at(&token)).await;
        assert_eq!(response.status(), 401, "{path}");
        assert_eq!(
            response.headers()["www-authenticate"],
            r#"Bearer realm="api""#
        );
        let body = response.text().await.expect("body");
        assert!(!body.contains("invalid_token"));
        assert!(
            body.starts_with(r#"{"detail":"User access has timed out."#),
            "{body}"
        );
    }
    assert_eq!(
        status_body(refresh(&sb, rt(&token)).await).await,
        (
            401,
            r#"{"status_code": 401, "error": "invalid_grant", "error_description": "User access has timed out. To refresh Medicare data, end user must re-authenticate and consent to share their data."}"#
                .to_owned()
        )
    );
}

#[tokio::test]
async fn v1_and_v2_tokens_list_read_and_rs_scopes_and_v3_tokens_only_rs() {
    let sb = Sandbox::builder().start().await.expect("start");
    let legacy = "patient/Coverage.read patient/Coverage.rs patient/ExplanationOfBenefit.read patient/ExplanationOfBenefit.rs profile patient/Patient.read patient/Patient.rs openid";
    assert_eq!(login_on(&sb, "v1", "").await["scope"], legacy);
    assert_eq!(login_on(&sb, "v2", "").await["scope"], legacy);
    let v3 = login_on(&sb, "v3", V3_SCOPES).await;
    let scopes: Vec<&str> = v3["scope"].as_str().expect("scope").split(' ').collect();
    assert!(!scopes.iter().any(|s| s.ends_with(".read")), "{scopes:?}");
    assert!(scopes.contains(&"patient/ExplanationOfBenefit.rs"));
    let without = login_on(&sb, "v2", "&sandbox_decision=approve-no-demographics").await;
    assert_eq!(
        without["scope"],
        "patient/Coverage.read patient/Coverage.rs patient/ExplanationOfBenefit.read patient/ExplanationOfBenefit.rs openid"
    );
}

#[tokio::test]
async fn a_v3_token_is_refused_on_v1_and_v2_claims() {
    let sb = Sandbox::builder().start().await.expect("start");
    let v3 = login_on(&sb, "v3", V3_SCOPES).await;
    let patient = v3["patient"].as_str().expect("patient").to_owned();
    for path in [
        "/v1/fhir/ExplanationOfBenefit/".to_owned(),
        "/v2/fhir/ExplanationOfBenefit".to_owned(),
        format!("/v2/fhir/ExplanationOfBenefit/carrier-{patient}"),
    ] {
        let response = get(&sb, &path, at(&v3)).await;
        assert_eq!(
            status_body(response).await,
            (403, FORBIDDEN.to_owned()),
            "{path}"
        );
    }
    assert_eq!(
        get(&sb, "/v3/fhir/ExplanationOfBenefit", at(&v3))
            .await
            .status(),
        200
    );
    assert_eq!(get(&sb, "/v2/fhir/Coverage/", at(&v3)).await.status(), 200);
    // Refreshing keeps the version the token was issued for, whichever endpoint refreshes it.
    let refreshed: serde_json::Value = refresh(&sb, rt(&v3)).await.json().await.expect("json");
    assert_eq!(
        get(&sb, "/v2/fhir/ExplanationOfBenefit", at(&refreshed))
            .await
            .status(),
        403
    );
    let v2 = login_on(&sb, "v2", "").await;
    assert_eq!(
        get(&sb, "/v2/fhir/ExplanationOfBenefit", at(&v2))
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn a_v3_login_deletes_every_earlier_token_of_the_pair() {
    let sb = Sandbox::builder().start().await.expect("start");
    let v2 = login_on(&sb, "v2", "").await;
    let first_v3 = login_on(&sb, "v3", V3_SCOPES).await;
    let second_v3 = login_on(&sb, "v3", V3_SCOPES).await;
    for old in [&v2, &first_v3] {
        assert_eq!(get(&sb, "/v3/fhir/Coverage/", at(old)).await.status(), 401);
        assert_eq!(
            status_body(refresh(&sb, rt(old)).await).await,
            (400, NOT_FOUND_REFRESH.to_owned())
        );
    }
    assert_eq!(
        get(&sb, "/v3/fhir/Coverage/", at(&second_v3))
            .await
            .status(),
        200
    );
    // Another beneficiary's tokens are untouched.
    let other = sb.beneficiaries()[1].patient_id.clone();
    let theirs = login_on(&sb, "v2", &format!("&sandbox_patient={other}")).await;
    let _mine = login_on(&sb, "v3", V3_SCOPES).await;
    assert_eq!(
        get(&sb, "/v2/fhir/Coverage/", at(&theirs)).await.status(),
        200
    );
}
