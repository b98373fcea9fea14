//! `Accept` negotiation on every route: FHIR routes serve FHIR JSON or plain JSON, every other
//! JSON route serves plain JSON only, and anything they cannot serve is a 406.

mod common;

use bluebutton_sandbox::{Sandbox, SandboxHandle};
use common::*;

const NOT_ACCEPTABLE: &str = r#"{"detail":"Could not satisfy the request Accept header."}"#;

/// One request to a plain-JSON route, with an optional `Accept`.
async fn call(
    sb: &SandboxHandle,
    method: &str,
    path: &str,
    token: &str,
    accept: Option<&str>,
) -> (u16, String, String) {
    let target = url(sb, path);
    let mut request = match method {
        "POST" => client()
            .post(target)
            .basic_auth(sb.client_id(), Some(sb.client_secret()))
            .form(&[("token", token), ("grant_type", "refresh_token")]),
        _ => client().get(target).bearer_auth(token),
    };
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    let response = request.send().await.expect("send");
    let status = response.status().as_u16();
    let ctype = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().expect("ascii").to_owned())
        .unwrap_or_default();
    (status, ctype, response.text().await.expect("body"))
}

#[tokio::test]
async fn plain_json_routes_refuse_fhir_json_with_a_406_on_every_version() {
    let sb = Sandbox::builder().start().await.expect("start");
    let token = login(&sb, "").await;
    let access = at(&token).to_owned();
    let mut routes: Vec<(&str, String)> = vec![
        ("GET", "/.well-known/openid-configuration".to_owned()),
        ("GET", "/.well-known/openid-configuration-v3".to_owned()),
        ("GET", "/.well-known/jwks.json".to_owned()),
    ];
    for v in ["v1", "v2", "v3"] {
        routes.push(("GET", format!("/{v}/connect/userinfo")));
        routes.push(("GET", format!("/{v}/fhir/metadata")));
        routes.push((
            "GET",
            format!("/{v}/connect/.well-known/openid-configuration"),
        ));
        routes.push(("GET", format!("/{v}/fhir/.well-known/smart-configuration")));
        routes.push(("POST", format!("/{v}/o/token/")));
        routes.push(("POST", format!("/{v}/o/introspect/")));
        routes.push(("POST", format!("/{v}/o/revoke_token/")));
        routes.push(("POST", format!("/{v}/o/revoke/")));
    }
    for (method, path) in &routes {
        let (status, ctype, body) =
            call(&sb, method, path, &access, Some("application/fhir+json")).await;
        assert_eq!(
            (status, ctype.as_str(), body.as_str()),
            (406, "application/json", NOT_ACCEPTABLE),
            "{method} {path}"
        );
        let (status, ..) = call(&sb, method, path, &access, Some("application/fhir+xml")).await;
        assert_eq!(status, 406, "{method} {path}");
    }
    // Nothing above reached a handler: the token still works and was never revoked.
    for accept in [None, Some("application/json"), Some("*/*")] {
        for (method, path) in routes.iter().filter(|(m, _)| *m == "GET") {
            let (status, ctype, _) = call(&sb, method, path, &access, accept).await;
            assert_eq!(status, 200, "{method} {path} {accept:?}");
            assert_eq!(ctype, "application/json", "{method} {path} {accept:?}");
        }
    }
    let (status, _, body) = call(&sb, "POST", "/v2/o/introspect/", &access, Some("*/*")).await;
    assert_eq!(status, 200);
    assert!(body.contains(r#""active": true"#), "{body}");
}

#[tokio::test]
async fn userinfo_with_fhir_json_is_refused_before_the_token_is_checked() {
    let sb = Sandbox::builder().start().await.expect("start");
    for v in ["v1", "v2", "v3"] {
        let path = format!("/{v}/connect/userinfo");
        let (status, _, body) =
            call(&sb, "GET", &path, "bogus", Some("application/fhir+json")).await;
        assert_eq!((status, body.as_str()), (406, NOT_ACCEPTABLE), "{path}");
        let (status, ..) = call(&sb, "GET", &path, "bogus", Some("application/json")).await;
        assert_eq!(status, 401, "{path}");
    }
}

#[tokio::test]
async fn fhir_routes_serve_fhir_json_plain_json_or_anything_and_refuse_the_rest() {
    let sb = Sandbox::builder().start().await.expect("start");
    let token = login(&sb, "").await;
    let patient = token["patient"].as_str().expect("patient").to_owned();
    for v in ["v1", "v2"] {
        for path in [
            format!("/{v}/fhir/Patient/{patient}"),
            format!("/{v}/fhir/Patient"),
            format!("/{v}/fhir/Coverage/"),
            format!("/{v}/fhir/ExplanationOfBenefit/"),
        ] {
            let cases = [
                (None, 200, "application/fhir+json"),
                (Some("application/fhir+json"), 200, "application/fhir+json"),
                (Some("application/json"), 200, "application/json"),
                (Some("*/*"), 200, "application/fhir+json"),
                (Some("application/fhir+xml"), 406, "application/json"),
            ];
            for (accept, status, ctype) in cases {
                let got = call(&sb, "GET", &path, at(&token), accept).await;
                assert_eq!(
                    (got.0, got.1.as_str()),
                    (status, ctype),
                    "{path} {accept:?}"
                );
                if status == 406 {
                    assert_eq!(got.2, NOT_ACCEPTABLE);
                }
            }
        }
    }
}
