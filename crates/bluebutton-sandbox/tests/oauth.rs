//! Conformance of the OAuth endpoints with the real server's statuses, bodies and headers.

mod common;

use bluebutton_sandbox::{Approval, ConsentMode, DataAccessType, Fidelity, Sandbox};
use common::*;
use std::time::Duration;

#[tokio::test]
async fn authorize_without_slash_is_a_301_to_the_slashed_path() {
    let sb = Sandbox::builder().start().await.expect("start");
    let full = authorize_url(&sb, "");
    let slashless = full.replacen("/v2/o/authorize/?", "/v2/o/authorize?", 1);
    let response = client().get(&slashless).send().await.expect("get");
    assert_eq!(response.status(), 301);
    let location = response.headers()["location"].to_str().expect("ascii");
    assert!(
        location.starts_with("/v2/o/authorize/?client_id="),
        "{location}"
    );
}

#[tokio::test]
async fn authorize_parameter_checks_answer_the_real_errors() {
    let sb = Sandbox::builder().start().await.expect("start");
    let base = url(&sb, "/v2/o/authorize/");
    let id = sb.client_id().to_owned();
    let cases = [
        format!("{base}?client_id={id}&response_type=code"),
        format!("{base}?client_id={id}&state=abcdefghijklmnopq&code_challenge=x"),
        format!(
            "{base}?client_id={id}&state=abcdefghijklmnopq&code_challenge=x&code_challenge_method=plain"
        ),
        format!("{base}?client_id={id}&state=short&code_challenge=x&code_challenge_method=S256"),
        format!(
            "{base}?client_id={id}&client_secret=s&state=abcdefghijklmnopq&code_challenge=x&code_challenge_method=S256"
        ),
    ];
    let mut seen = Vec::new();
    for case in cases {
        let response = client().get(&case).send().await.expect("get");
        let status = response.status().as_u16();
        let ctype = response.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .to_owned();
        seen.push(format!(
            "{status} {ctype} {}",
            response.text().await.expect("body")
        ));
    }
    insta::assert_snapshot!(seen.join("\n"), @r#"
    400 application/json {"status_code": 400, "message": "Missing Required Parameter(s): code_challenge, code_challenge_method, state"}
    400 application/json {"status_code": 400, "message": "Missing Required Parameter(s): code_challenge_method"}
    400 application/json {"status_code":400,"error":"invalid_request","error_description":"code_challenge_method must be S256"}
    400 application/json {"status_code": 400, "message": "State parameter should have a minimum of 16 characters"}
    400 text/html; charset=utf-8 Illegal query parameter [client_secret] detected
    "#);
}

#[tokio::test]
async fn unknown_client_and_bad_redirect_get_html_error_pages() {
    let sb = Sandbox::builder().start().await.expect("start");
    let good = authorize_url(&sb, "");
    let unknown = good.replace(sb.client_id(), "nope");
    let response = client().get(&unknown).send().await.expect("get");
    assert_eq!(response.status(), 400);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/html")
    );
    let missing = good.replace(&format!("client_id={}&", sb.client_id()), "");
    assert_eq!(
        client().get(&missing).send().await.expect("get").status(),
        401
    );
    let bad_redirect = good
        .replace("localhost%3A3000", "evil.example")
        .replace("localhost:3000", "evil.example");
    let response = client().get(&bad_redirect).send().await.expect("get");
    assert_eq!(response.status(), 400);
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("Mismatching redirect URI.")
    );
}

#[tokio::test]
async fn code_exchange_gives_the_real_token_response() {
    let sb = Sandbox::builder().start().await.expect("start");
    let callback = authorize(&sb, "").await;
    assert_eq!(param(&callback, "state"), Some(STATE));
    let code = param(&callback, "code").expect("code");
    assert_eq!(code.len(), 30);
    let response = exchange(&sb, code).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["pragma"], "no-cache");
    assert_eq!(response.headers()["content-type"], "application/json");
    let token: serde_json::Value = response.json().await.expect("json");
    assert_eq!(at(&token).len(), 30);
    assert_eq!(token["expires_in"], 3600);
    assert_eq!(token["token_type"], "Bearer");
    assert_eq!(token["patient"], "-19990000000001");
    assert_eq!(
        token["scope"],
        "patient/Coverage.read patient/Coverage.rs patient/ExplanationOfBenefit.read patient/ExplanationOfBenefit.rs profile patient/Patient.read patient/Patient.rs openid"
    );
    let expiration = token["access_grant_expiration"].as_str().expect("string");
    assert_eq!(expiration.len(), 20, "{expiration}");
    assert!(expiration.ends_with('Z'));
    assert_eq!(sb.counters().codes_exchanged, 1);
}

#[tokio::test]
async fn multipart_body_with_client_secret_works_like_the_python_sdk() {
    let sb = Sandbox::builder().start().await.expect("start");
    let callback = authorize(&sb, "").await;
    let code = param(&callback, "code").expect("code");
    let boundary = "XyZboundary42";
    let mut body = String::new();
    for (k, v) in [
        ("client_id", sb.client_id()),
        ("client_secret", sb.client_secret()),
        ("code", code),
        ("grant_type", "authorization_code"),
        ("redirect_uri", sb.redirect_uri().as_str()),
        ("code_verifier", VERIFIER),
    ] {
        body +=
            &format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n");
    }
    body += &format!("--{boundary}--\r\n");
    let response = client()
        .post(url(&sb, "/v2/o/token"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 200, "{:?}", response.text().await);
}

#[tokio::test]
async fn codes_are_single_use_and_live_sixty_seconds() {
    let sb = Sandbox::builder().start().await.expect("start");
    let code = param(&authorize(&sb, "").await, "code")
        .expect("code")
        .to_owned();
    assert_eq!(exchange(&sb, &code).await.status(), 200);
    let reused = exchange(&sb, &code).await;
    assert_eq!(reused.status(), 400);
    assert_eq!(
        reused.text().await.expect("body"),
        r#"{"error": "invalid_grant"}"#
    );

    let code = param(&authorize(&sb, "").await, "code")
        .expect("code")
        .to_owned();
    sb.advance_clock(Duration::from_secs(61));
    assert_eq!(
        exchange(&sb, &code).await.text().await.expect("body"),
        r#"{"error": "invalid_grant"}"#
    );
}

#[tokio::test]
async fn pkce_and_redirect_uri_are_verified() {
    let sb = Sandbox::builder().start().await.expect("start");
    let code = param(&authorize(&sb, "").await, "code")
        .expect("code")
        .to_owned();
    let post = |fields: Vec<(&'static str, String)>| {
        let sb_url = url(&sb, "/v2/o/token/");
        let (id, secret) = (sb.client_id().to_owned(), sb.client_secret().to_owned());
        async move {
            let r = client()
                .post(sb_url)
                .basic_auth(id, Some(secret))
                .form(&fields)
                .send()
                .await
                .expect("post");
            (r.status().as_u16(), r.text().await.expect("body"))
        }
    };
    let base = |verifier: Option<&str>, redirect: &str| {
        let mut f = vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", code.clone()),
            ("redirect_uri", redirect.to_owned()),
        ];
        if let Some(v) = verifier {
            f.push(("code_verifier", v.to_owned()));
        }
        f
    };
    let redirect = sb.redirect_uri().to_string();
    let results = [
        post(base(None, &redirect)).await,
        post(base(
            Some("wrong-verifier-wrong-verifier-wrong-verifier-x"),
            &redirect,
        ))
        .await,
        post(base(Some(VERIFIER), "http://localhost:3000/other")).await,
        post(base(Some(VERIFIER), &redirect)).await,
    ];
    assert_eq!(
        results[0],
        (
            400,
            r#"{"error": "invalid_request", "error_description": "Code verifier required."}"#
                .to_owned()
        )
    );
    assert_eq!(
        results[1],
        (400, r#"{"error": "invalid_grant"}"#.to_owned())
    );
    assert_eq!(
        results[2],
        (
            400,
            r#"{"error": "invalid_request", "error_description": "Mismatching redirect URI."}"#
                .to_owned()
        )
    );
    assert_eq!(results[3].0, 200);
}

#[tokio::test]
async fn padded_python_style_challenge_is_accepted() {
    let sb = Sandbox::builder().start().await.expect("start");
    let padded = format!("{}=", challenge(VERIFIER));
    let link = authorize_url(&sb, "").replace(&challenge(VERIFIER), &padded.replace('=', "%3D"));
    let response = client().get(link).send().await.expect("get");
    let location =
        url::Url::parse(response.headers()["location"].to_str().expect("ascii")).expect("url");
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .expect("code")
        .1
        .into_owned();
    assert_eq!(exchange(&sb, &code).await.status(), 200);
}

#[tokio::test]
async fn client_authentication_errors_match_the_table() {
    let sb = Sandbox::builder().start().await.expect("start");
    let token_url = url(&sb, "/v2/o/token/");
    let form = [("grant_type", "refresh_token"), ("refresh_token", "x")];
    let wrong_secret = client()
        .post(&token_url)
        .basic_auth(sb.client_id(), Some("bad"))
        .form(&form)
        .send()
        .await
        .expect("post");
    assert_eq!(wrong_secret.status(), 401);
    assert_eq!(
        wrong_secret.headers()["www-authenticate"],
        r#"Bearer error="invalid_client""#
    );
    assert_eq!(
        wrong_secret.text().await.expect("body"),
        r#"{"error": "invalid_client"}"#
    );
    let unknown_basic = client()
        .post(&token_url)
        .basic_auth("who", Some("x"))
        .form(&form)
        .send()
        .await
        .expect("post");
    assert_eq!(unknown_basic.status(), 401);
    assert_eq!(
        unknown_basic.text().await.expect("body"),
        r#"{"status_code": 401, "error": "invalid_client", "error_description": "Application does not exist"}"#
    );
    let unknown_body = client()
        .post(&token_url)
        .form(&[
            ("client_id", "who"),
            ("client_secret", "x"),
            ("grant_type", "refresh_token"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(unknown_body.status(), 400);
    assert_eq!(
        unknown_body.text().await.expect("body"),
        r#"{"status_code": 400, "error": "invalid_client", "error_description": "Application does not exist (client_id)"}"#
    );
    let none = client()
        .post(&token_url)
        .form(&form)
        .send()
        .await
        .expect("post");
    assert_eq!(none.status(), 401);
    assert_eq!(
        none.text().await.expect("body"),
        r#"{"status_code": 401, "error": "invalid_client", "error_description": "App id failed"}"#
    );
    assert_eq!(
        client().get(&token_url).send().await.expect("get").status(),
        405
    );
    assert_eq!(sb.counters().token_posts, 4);
}

#[tokio::test]
async fn refresh_rotates_and_reuse_is_rejected_and_counted() {
    let sb = Sandbox::builder().start().await.expect("start");
    let first = login(&sb, "").await;
    let response = refresh(&sb, rt(&first)).await;
    assert_eq!(response.status(), 200);
    let second: serde_json::Value = response.json().await.expect("json");
    assert_ne!(rt(&second), rt(&first));
    assert_eq!(
        get(&sb, "/v2/fhir/Coverage/", at(&first)).await.status(),
        401
    );
    assert_eq!(
        get(&sb, "/v2/fhir/Coverage/", at(&second)).await.status(),
        200
    );
    let reuse = refresh(&sb, rt(&first)).await;
    assert_eq!(reuse.status(), 400);
    assert_eq!(
        reuse.text().await.expect("body"),
        r#"{"error": "invalid_grant"}"#
    );
    let unknown = refresh(&sb, "nope").await;
    assert_eq!(
        unknown.text().await.expect("body"),
        r#"{"status_code": 400, "error": "invalid_request", "error_description": "Refresh token not found."}"#
    );
    let missing = client()
        .post(url(&sb, "/v2/o/token/"))
        .basic_auth(sb.client_id(), Some(sb.client_secret()))
        .form(&[("grant_type", "refresh_token")])
        .send()
        .await
        .expect("post");
    assert_eq!(
        missing.text().await.expect("body"),
        r#"{"status_code": 400, "error": "invalid_request", "error_description": "Missing refresh token parameter"}"#
    );
    let counters = sb.counters();
    assert_eq!((counters.refreshes, counters.refresh_token_reuses), (1, 1));
}

#[tokio::test]
async fn reauthorizing_deletes_earlier_tokens_of_the_pair() {
    let sb = Sandbox::builder().start().await.expect("start");
    let first = login(&sb, "").await;
    let second = login(&sb, "").await;
    assert_eq!(
        get(&sb, "/v2/fhir/Coverage/", at(&first)).await.status(),
        401
    );
    assert_eq!(
        get(&sb, "/v2/fhir/Coverage/", at(&second)).await.status(),
        200
    );
    assert_eq!(refresh(&sb, rt(&first)).await.status(), 400);
}

#[tokio::test]
async fn revoke_token_and_revoke_end_access_differently() {
    let sb = Sandbox::builder().start().await.expect("start");
    let post = |path: &'static str, token: String| {
        let target = url(&sb, path);
        let (id, secret) = (sb.client_id().to_owned(), sb.client_secret().to_owned());
        async move {
            client()
                .post(target)
                .basic_auth(id, Some(secret))
                .form(&[("token", token)])
                .send()
                .await
                .expect("post")
        }
    };
    let token = login(&sb, "").await;
    let response = post("/v2/o/revoke_token/", at(&token).to_owned()).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.expect("body"), "");
    assert_eq!(
        get(&sb, "/v2/fhir/Coverage/", at(&token)).await.status(),
        401
    );
    assert_eq!(
        refresh(&sb, rt(&token)).await.text().await.expect("body"),
        r#"{"error": "invalid_grant"}"#
    );
    assert_eq!(
        post("/v2/o/revoke_token/", "unknown".to_owned())
            .await
            .status(),
        200
    );

    let token = login(&sb, "").await;
    assert_eq!(
        post("/v2/o/revoke/", at(&token).to_owned()).await.status(),
        200
    );
    let after = refresh(&sb, rt(&token)).await;
    assert_eq!(after.status(), 403);
    insta::assert_snapshot!(after.text().await.expect("body"), @r#"{"status_code": 403, "error": "invalid_grant", "error_description": "User access cannot be found. To refresh Medicare data, end user must re-authenticate and consent to share their data."}"#);
}

#[tokio::test]
async fn expired_grant_gives_401_on_refresh_and_one_time_apps_cannot_refresh() {
    let sb = Sandbox::builder().start().await.expect("start");
    let token = login(&sb, "").await;
    sb.advance_clock(Duration::from_secs(400 * 86_400));
    let response = refresh(&sb, rt(&token)).await;
    assert_eq!(response.status(), 401);
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("User access has timed out.")
    );

    let one_time = Sandbox::builder()
        .data_access_type(DataAccessType::OneTime)
        .start()
        .await
        .expect("start");
    let token = login(&one_time, "").await;
    assert!(token["refresh_token"].is_string());
    let response = refresh(&one_time, rt(&token)).await;
    assert_eq!(response.status(), 403);
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains(r#""error": "invalid_client""#)
    );

    let research = Sandbox::builder()
        .data_access_type(DataAccessType::ResearchStudy)
        .start()
        .await
        .expect("start");
    assert_eq!(login(&research, "").await["access_grant_expiration"], "");
}

#[tokio::test]
async fn access_token_ttl_expiry_gives_the_expired_401() {
    let sb = Sandbox::builder()
        .access_token_ttl(Duration::from_secs(60))
        .start()
        .await
        .expect("start");
    let token = login(&sb, "").await;
    assert_eq!(token["expires_in"], 60);
    sb.advance_clock(Duration::from_secs(61));
    let response = get(&sb, "/v2/fhir/Coverage/", at(&token)).await;
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.headers()["www-authenticate"],
        r#"Bearer realm="api",error="invalid_token",error_description="The access token has expired.""#
    );
    assert_eq!(refresh(&sb, rt(&token)).await.status(), 200);
}

#[tokio::test]
async fn introspect_answers_active_inactive_and_the_unknown_token_500() {
    let sb = Sandbox::builder().start().await.expect("start");
    let token = login(&sb, "").await;
    let introspect = |sb_url: String, token: String, hint: Option<&'static str>| {
        let (id, secret) = (sb.client_id().to_owned(), sb.client_secret().to_owned());
        async move {
            let mut form = vec![("token", token)];
            if let Some(h) = hint {
                form.push(("token_type_hint", h.to_owned()));
            }
            let r = client()
                .post(sb_url)
                .basic_auth(id, Some(secret))
                .form(&form)
                .send()
                .await
                .expect("post");
            (r.status().as_u16(), r.text().await.expect("body"))
        }
    };
    let target = url(&sb, "/v2/o/introspect/");
    let (status, body) = introspect(target.clone(), at(&token).to_owned(), None).await;
    assert_eq!(status, 200);
    let body: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(body["active"], true);
    assert_eq!(body["client_id"], sb.client_id());
    assert!(body["exp"].is_i64());
    assert_eq!(
        introspect(target.clone(), rt(&token).to_owned(), Some("refresh_token")).await,
        (200, r#"{"active": false}"#.to_owned())
    );
    assert_eq!(
        introspect(target.clone(), "unknown".to_owned(), None).await,
        (500, r#"{"error": "Server Error (500)"}"#.to_owned())
    );
    let unauthenticated = client()
        .post(&target)
        .form(&[("token", at(&token))])
        .send()
        .await
        .expect("post");
    assert_eq!(unauthenticated.status(), 403);

    let lenient = Sandbox::builder()
        .fidelity(Fidelity::default().introspect_unknown_token_500(false))
        .start()
        .await
        .expect("start");
    let target = url(&lenient, "/v2/o/introspect/");
    let r = client()
        .get(format!("{target}?token=unknown"))
        .basic_auth(lenient.client_id(), Some(lenient.client_secret()))
        .send()
        .await
        .expect("get");
    assert_eq!(r.text().await.expect("body"), r#"{"active": false}"#);
}

#[tokio::test]
async fn userinfo_has_the_real_shape_and_needs_demographics() {
    let sb = Sandbox::builder().start().await.expect("start");
    let token = login(&sb, "").await;
    let response = get(&sb, "/v2/connect/userinfo", at(&token)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-ratelimit-limit"], "None");
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["sub"], body["patient"]);
    assert_eq!(body["email"], "bbuser00000@bb2.com");
    let iat = body["iat"].as_str().expect("iat is a string");
    assert!(
        iat.len() == 24 && iat.ends_with('Z') && iat.contains('T'),
        "{iat}"
    );

    let private = login(&sb, "&sandbox_decision=approve-no-demographics").await;
    assert_eq!(
        private["scope"],
        "patient/Coverage.read patient/Coverage.rs patient/ExplanationOfBenefit.read patient/ExplanationOfBenefit.rs openid"
    );
    let denied = get(&sb, "/v2/connect/userinfo", at(&private)).await;
    assert_eq!(denied.status(), 403);
    assert_eq!(
        denied.text().await.expect("body"),
        r#"{"detail":"You do not have permission to perform this action."}"#
    );
    assert_eq!(
        get(&sb, "/v2/fhir/Patient/", at(&private)).await.status(),
        403
    );
    assert_eq!(
        get(&sb, "/v2/fhir/ExplanationOfBenefit/", at(&private))
            .await
            .status(),
        200
    );
    assert_eq!(
        get(&sb, "/v2/connect/userinfo", "bogus").await.status(),
        401
    );
}

#[tokio::test]
async fn beneficiary_and_denial_are_chosen_by_query_queue_and_rate() {
    let sb = Sandbox::builder()
        .beneficiaries(3)
        .start()
        .await
        .expect("start");
    let benes = sb.beneficiaries();
    let token = login(&sb, &format!("&sandbox_patient={}", benes[2].patient_id)).await;
    assert_eq!(token["patient"], benes[2].patient_id.as_str());
    sb.queue_approval(Approval::approve(benes[1].patient_id.clone()));
    sb.queue_approval(Approval::Deny);
    assert_eq!(
        login(&sb, "").await["patient"],
        benes[1].patient_id.as_str()
    );
    let denied = authorize(&sb, "").await;
    assert_eq!(param(&denied, "error"), Some("access_denied"));
    assert_eq!(param(&denied, "state"), Some(STATE));
    assert_eq!(
        param(&authorize(&sb, "&sandbox_decision=deny").await, "error"),
        Some("access_denied")
    );
    assert_eq!(
        login(&sb, "").await["patient"],
        benes[0].patient_id.as_str()
    );
    assert_eq!(sb.counters().faults.denials, 2);

    let always = Sandbox::builder()
        .faults(bluebutton_sandbox::Faults::none().deny_rate(1.0))
        .start()
        .await
        .expect("start");
    assert_eq!(
        param(&authorize(&always, "").await, "error"),
        Some("access_denied")
    );
}

#[tokio::test]
async fn consent_page_approves_with_a_form_post() {
    let sb = Sandbox::builder()
        .consent(ConsentMode::ConsentPage)
        .start()
        .await
        .expect("start");
    let response = client()
        .get(authorize_url(&sb, ""))
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), 302);
    let page_path = response.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(page_path.starts_with("/v2/o/authorize/"));
    let page = client()
        .get(url(&sb, &page_path))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    assert!(page.contains("share_demographic_scopes") && page.contains("name=\"deny\""));
    let benes = sb.beneficiaries();
    let decided = client()
        .post(url(&sb, &page_path))
        .form(&[
            ("patient", benes[1].patient_id.as_str()),
            ("allow", "Allow"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(decided.status(), 302);
    let location =
        url::Url::parse(decided.headers()["location"].to_str().expect("ascii")).expect("url");
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .expect("code")
        .1
        .into_owned();
    let token: serde_json::Value = exchange(&sb, &code).await.json().await.expect("json");
    assert_eq!(token["patient"], benes[1].patient_id.as_str());
    assert!(
        !token["scope"]
            .as_str()
            .unwrap_or_default()
            .contains("profile"),
        "checkbox unticked"
    );
    let gone = client()
        .get(url(&sb, &page_path))
        .send()
        .await
        .expect("get");
    assert_eq!(gone.status(), 404);
    assert_eq!(
        gone.text().await.expect("body"),
        r#"{"status_code": 404, "message": "Not found."}"#
    );
}

#[tokio::test]
async fn discovery_documents_and_metadata_need_no_auth() {
    let sb = Sandbox::builder().start().await.expect("start");
    let host = sb.base_url().as_str().trim_end_matches('/').to_owned();
    for path in [
        "/.well-known/openid-configuration",
        "/v2/connect/.well-known/openid-configuration",
        "/v1/connect/.well-known/openid-configuration",
    ] {
        let body: serde_json::Value = client()
            .get(url(&sb, path))
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json");
        assert_eq!(body["token_endpoint"], format!("{host}/v2/o/token"));
        assert_eq!(
            body["grant_types_supported"],
            serde_json::json!(["refresh_token", "authorization_code"])
        );
    }
    let smart: serde_json::Value = client()
        .get(url(&sb, "/v2/fhir/.well-known/smart-configuration"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(
        smart["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    let metadata = client()
        .get(url(&sb, "/v2/fhir/metadata"))
        .send()
        .await
        .expect("get");
    assert_eq!(metadata.headers()["content-type"], "application/json");
    let metadata: serde_json::Value = metadata.json().await.expect("json");
    assert_eq!(metadata["resourceType"], "CapabilityStatement");
    assert_eq!(
        metadata["rest"][0]["resource"].as_array().map(Vec::len),
        Some(3)
    );
    let missing = client().get(url(&sb, "/nope")).send().await.expect("get");
    assert_eq!(missing.status(), 404);
    assert!(
        missing.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/html")
    );
}

#[tokio::test]
async fn handle_debug_redacts_the_secret() {
    let sb = Sandbox::builder()
        .client_secret("super-secret-value")
        .start()
        .await
        .expect("start");
    let debug = format!("{sb:?}");
    assert!(
        !debug.contains("super-secret-value") && debug.contains("[redacted]"),
        "{debug}"
    );
}

#[tokio::test]
async fn builder_debug_redacts_the_secret() {
    let builder = Sandbox::builder().client_secret("another-secret-value");
    let debug = format!("{builder:?}");
    assert!(
        !debug.contains("another-secret-value") && debug.contains("[redacted]"),
        "{debug}"
    );
}

#[tokio::test]
async fn authorize_post_needs_state_and_v3_needs_scope() {
    let sb = Sandbox::builder().start().await.expect("start");
    let post = client()
        .post(url(&sb, "/v2/o/authorize/"))
        .form(&[
            ("client_id", sb.client_id()),
            ("code_challenge", "x"),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(post.status(), 401);
    assert_eq!(
        post.text().await.expect("body"),
        r#"{"status_code": 401, "message": "State required in POST body."}"#
    );
    let v3 = authorize_url(&sb, "").replace("/v2/", "/v3/");
    let response = client().get(v3).send().await.expect("get");
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.text().await.expect("body"),
        r#"{"status_code": 400, "message": "Missing Required Parameter(s): scope"}"#
    );
    let v3_scoped =
        authorize_url(&sb, "&scope=openid%20patient/Coverage.rs").replace("/v2/", "/v3/");
    let location = client().get(v3_scoped).send().await.expect("get").headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(location.contains("code="), "{location}");
}

#[tokio::test]
async fn expire_authenticated_user_ends_the_grant() {
    let sb = Sandbox::builder().start().await.expect("start");
    let token = login(&sb, "").await;
    let patient = token["patient"].as_str().expect("patient").to_owned();
    let expire = |path: String, secret: &'static str| {
        let (target, id) = (url(&sb, &path), sb.client_id().to_owned());
        let secret = if secret.is_empty() {
            sb.client_secret().to_owned()
        } else {
            secret.to_owned()
        };
        async move {
            let r = client()
                .post(target)
                .basic_auth(id, Some(secret))
                .send()
                .await
                .expect("post");
            (r.status().as_u16(), r.text().await.expect("body"))
        }
    };
    assert_eq!(
        expire(
            format!("/v2/o/expire_authenticated_user/{patient}/"),
            "wrong"
        )
        .await,
        (403, String::new())
    );
    assert_eq!(
        expire(format!("/v2/o/expire_authenticated_user/{patient}/"), "").await,
        (200, "success".to_owned())
    );
    assert_eq!(
        expire(format!("/v2/o/expire_authenticated_user/{patient}/"), "").await,
        (404, "Data Access Grant was Not Found.".to_owned())
    );
    assert_eq!(
        expire("/v2/o/expire_authenticated_user/-1/".to_owned(), "")
            .await
            .0,
        404
    );
    assert_eq!(
        get(&sb, "/v2/connect/userinfo/anything", at(&token))
            .await
            .status(),
        401
    );
    assert_eq!(refresh(&sb, rt(&token)).await.status(), 403);
    let again = login(&sb, "").await;
    assert!(sb.expire_grant(again["patient"].as_str().expect("patient")));
    assert_eq!(
        get(&sb, "/v1/connect/userinfo", at(&again)).await.status(),
        401
    );
}
