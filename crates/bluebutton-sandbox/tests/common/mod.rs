//! Helpers shared by the conformance tests: a plain HTTP client and the OAuth dance.
#![allow(dead_code, unreachable_pub)]

use base64::Engine;
use bluebutton_sandbox::SandboxHandle;
use serde_json::Value;
use sha2::{Digest, Sha256};

pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const STATE: &str = "state-0123456789abcdef";

pub fn client() -> reqwest::Client {
    // The workspace's reqwest has rustls without a built-in provider; the tests speak plain HTTP,
    // but building a client still needs one installed.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

pub fn challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

pub fn url(sb: &SandboxHandle, path: &str) -> String {
    format!("{}{}", sb.base_url().as_str().trim_end_matches('/'), path)
}

pub fn authorize_url(sb: &SandboxHandle, extra: &str) -> String {
    format!(
        "{}?client_id={}&redirect_uri={}&response_type=code&state={STATE}&code_challenge_method=S256&code_challenge={}{extra}",
        url(sb, "/v2/o/authorize/"),
        sb.client_id(),
        sb.redirect_uri(),
        challenge(VERIFIER)
    )
}

/// GET the authorize URL and return the callback query.
pub async fn authorize(sb: &SandboxHandle, extra: &str) -> Vec<(String, String)> {
    let response = client()
        .get(authorize_url(sb, extra))
        .send()
        .await
        .expect("authorize");
    assert_eq!(response.status(), 302, "{:?}", response.text().await);
    let location = response.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let parsed = url::Url::parse(&location).expect("absolute");
    parsed.query_pairs().into_owned().collect()
}

pub fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

pub async fn exchange(sb: &SandboxHandle, code: &str) -> reqwest::Response {
    client()
        .post(url(sb, "/v2/o/token/"))
        .basic_auth(sb.client_id(), Some(sb.client_secret()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("code_verifier", VERIFIER),
            ("redirect_uri", sb.redirect_uri().as_str()),
        ])
        .send()
        .await
        .expect("token")
}

/// Authorize (auto-approve) and exchange; returns the token response JSON.
pub async fn login(sb: &SandboxHandle, extra: &str) -> Value {
    let callback = authorize(sb, extra).await;
    let code = param(&callback, "code").expect("code").to_owned();
    let response = exchange(sb, &code).await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("json")
}

pub async fn refresh(sb: &SandboxHandle, refresh_token: &str) -> reqwest::Response {
    client()
        .post(url(sb, "/v2/o/token/"))
        .basic_auth(sb.client_id(), Some(sb.client_secret()))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])
        .send()
        .await
        .expect("refresh")
}

pub async fn get(sb: &SandboxHandle, path: &str, token: &str) -> reqwest::Response {
    client()
        .get(url(sb, path))
        .bearer_auth(token)
        .send()
        .await
        .expect("get")
}

pub fn at(token: &Value) -> &str {
    token["access_token"].as_str().expect("access_token")
}

pub fn rt(token: &Value) -> &str {
    token["refresh_token"].as_str().expect("refresh_token")
}

/// The authorize URL of API version `version` (`"v1"`, `"v2"`, `"v3"`; v3 needs `&scope=` in `extra`).
pub fn authorize_url_on(sb: &SandboxHandle, version: &str, extra: &str) -> String {
    authorize_url(sb, extra).replacen("/v2/o/authorize/", &format!("/{version}/o/authorize/"), 1)
}

/// The scopes a v3 login asks for: everything the application has.
pub const V3_SCOPES: &str = "&scope=openid%20profile%20patient/Patient.rs%20patient/Coverage.rs%20patient/ExplanationOfBenefit.rs";

/// Authorize (auto-approve) on `version` and exchange the code there; returns the token JSON.
pub async fn login_on(sb: &SandboxHandle, version: &str, extra: &str) -> Value {
    let response = client()
        .get(authorize_url_on(sb, version, extra))
        .send()
        .await
        .expect("authorize");
    assert_eq!(response.status(), 302, "{:?}", response.text().await);
    let location = response.headers()["location"].to_str().expect("ascii");
    let callback: Vec<(String, String)> = url::Url::parse(location)
        .expect("absolute")
        .query_pairs()
        .into_owned()
        .collect();
    let code = param(&callback, "code").expect("code").to_owned();
    let response = client()
        .post(url(sb, &format!("/{version}/o/token/")))
        .basic_auth(sb.client_id(), Some(sb.client_secret()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("code_verifier", VERIFIER),
            ("redirect_uri", sb.redirect_uri().as_str()),
        ])
        .send()
        .await
        .expect("token");
    assert_eq!(response.status(), 200);
    response.json().await.expect("json")
}

/// Status and body text of a response.
pub async fn status_body(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}
