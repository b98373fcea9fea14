//! The OAuth calls against a wiremock server: exchange, callback errors, refresh, revoke,
//! introspect, userinfo, and the re-authorization replies.

mod common;

use bluebutton_auth::{
    AuthClient, AuthError, AuthRequest, CallbackQuery, Lang, Scope, ScopeAccess, ScopeResource,
    TokenRef, TokenResponseProblem, join_scopes,
};
use bluebutton_config::{ApiVersion, Config};
use bluebutton_transport::Transport;
use common::*;
use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn form(pairs: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

#[tokio::test]
async fn authorize_url_has_every_parameter_encoded() {
    let client = client("https://sandbox.bluebutton.cms.gov");
    let request = AuthRequest::new()
        .with_scopes([
            Scope::patient(ScopeResource::Patient, ScopeAccess::Rs),
            Scope::Profile,
        ])
        .with_lang(Lang::Es);
    let url = client.authorize_url(&request);
    assert_eq!(
        url.as_str().split('?').next().unwrap(),
        "https://sandbox.bluebutton.cms.gov/v2/o/authorize/"
    );
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let names: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "client_id",
            "redirect_uri",
            "state",
            "response_type",
            "code_challenge_method",
            "code_challenge",
            "scope",
            "lang"
        ]
    );
    let get = |n: &str| pairs.iter().find(|(k, _)| k == n).unwrap().1.clone();
    assert_eq!(get("redirect_uri"), CALLBACK);
    assert_eq!(get("state"), request.state().secret().as_str());
    assert_eq!(get("code_challenge"), request.code_challenge());
    assert_eq!(get("code_challenge_method"), "S256");
    assert_eq!(get("scope"), "patient/Patient.rs profile");
    // Raw query: the redirect URI's `?`, `=`, `/` and the scope's space are encoded.
    let query = url.query().unwrap();
    assert!(query.contains("redirect_uri=https%3A%2F%2Fapp.example.org%2Fcallback%3Fx%3D1"));
    assert!(query.contains("scope=patient%2FPatient.rs+profile"));
    assert!(!query.contains(CLIENT_SECRET));
    // Snapshot with the random values masked.
    let masked = url
        .as_str()
        .replace(request.state().secret().as_str(), "<STATE>")
        .replace(&request.code_challenge(), "<CHALLENGE>");
    insta::assert_snapshot!("authorize_url", masked);
}

#[tokio::test]
async fn a_v3_authorize_url_always_carries_scope() {
    let scope_of = |version: ApiVersion, request: &AuthRequest| {
        let config = Config::builder()
            .client_id(CLIENT_ID)
            .client_secret(CLIENT_SECRET)
            .callback_url(CALLBACK)
            .version(version)
            .build()
            .expect("test config");
        let client = AuthClient::new(&config, Transport::new(&config).expect("transport"));
        let url = client.authorize_url(request);
        url.query_pairs()
            .find(|(k, _)| k == "scope")
            .map(|(_, v)| v.into_owned())
    };
    // v3 answers 400 without `scope`: a request naming none asks for every scope.
    let plain = AuthRequest::new();
    let every = scope_of(ApiVersion::V3, &plain).expect("v3 sends scope");
    assert_eq!(every, join_scopes(&Scope::all_v2()));
    // v1/v2 send none, so the app's registered scopes apply; named scopes are sent as named.
    assert_eq!(scope_of(ApiVersion::V2, &plain), None);
    assert_eq!(scope_of(ApiVersion::V1, &plain), None);
    let named = AuthRequest::new().with_scopes([Scope::OpenId]);
    assert_eq!(scope_of(ApiVersion::V3, &named).as_deref(), Some("openid"));
}

#[tokio::test]
async fn exchange_posts_the_exact_form_with_basic_auth() {
    let server = MockServer::start().await;
    let client = client(&server.uri());
    let request = AuthRequest::new();
    let state = request.state().secret().clone();
    let verifier = request.code_verifier().secret().clone();
    let expected_body = form(&[
        ("grant_type", "authorization_code"),
        ("code", "the-code-123"),
        ("code_verifier", &verifier),
        ("redirect_uri", CALLBACK),
    ]);
    Mock::given(method("POST"))
        .and(path("/v2/o/token/"))
        .and(header("authorization", basic_header().as_str()))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string(expected_body))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body("AT1", "RT1")))
        .expect(1)
        .mount(&server)
        .await;
    let callback = CallbackQuery::parse(&format!("code=the-code-123&state={state}")).unwrap();
    let token = client.exchange_code(request, &callback).await.unwrap();
    assert_eq!(token.access_token().secret(), "AT1");
    assert_eq!(token.refresh_token().unwrap().secret(), "RT1");
    assert_eq!(token.patient(), Some("-20140000008325"));
    assert!(token.demographics_granted());
}

#[tokio::test]
async fn callback_errors_never_reach_the_token_endpoint() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body("AT", "RT")))
        .expect(0)
        .mount(&server)
        .await;
    let client = client(&server.uri());
    let cases = [
        "error=access_denied&state=STATE",
        "error=not_found&state=STATE",
        "error=server_error&error_description=Something+broke&state=STATE",
        // The state is checked first (RFC 6749 section 10.12): without it, no error is believed.
        "error=access_denied",
        "error=access_denied&state=wrong-state-value-123",
        "code=abc",
        "code=abc&state=wrong-state-value-123",
        "state=STATE",
        "code=a&code=b&state=STATE",
    ];
    let mut rendered = Vec::new();
    for case in cases {
        let request = AuthRequest::new();
        let query = case.replace("STATE", request.state().secret());
        let err = match CallbackQuery::parse(&query) {
            Err(e) => e,
            Ok(cb) => client.exchange_code(request, &cb).await.unwrap_err(),
        };
        rendered.push(format!("{case} => {err}"));
    }
    insta::assert_snapshot!("callback_errors", rendered.join("\n"));
}

#[tokio::test]
async fn exchange_errors_are_typed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/o/token/"))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(serde_json::json!({"error": "invalid_grant"})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/o/token/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": "x", "expires_in": -1, "token_type": "Bearer"})))
        .mount(&server)
        .await;
    let client = client(&server.uri());
    let exchange = || async {
        let request = AuthRequest::new();
        let cb =
            CallbackQuery::parse(&format!("code=c&state={}", request.state().secret())).unwrap();
        client.exchange_code(request, &cb).await.unwrap_err()
    };
    let first = exchange().await;
    assert!(
        matches!(&first, AuthError::OAuth { error, status, .. } if error == "invalid_grant" && status.as_u16() == 400)
    );
    assert!(!first.requires_reauthorization());
    let second = exchange().await;
    assert!(matches!(
        second,
        AuthError::InvalidTokenResponse {
            problem: TokenResponseProblem::NegativeExpiresIn(-1),
            ..
        }
    ));
}

#[tokio::test]
async fn refresh_rotates_the_refresh_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/o/token/"))
        .and(header("authorization", basic_header().as_str()))
        .and(body_string(form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", "RT-old"),
        ])))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body("AT-new", "RT-new")))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server.uri());
    let old = token_expiring("AT-old", "RT-old", -10);
    let new = client.refresh(&old).await.unwrap();
    assert_eq!(new.access_token().secret(), "AT-new");
    assert_eq!(new.refresh_token().unwrap().secret(), "RT-new");
    assert!(!new.is_expired());
}

#[tokio::test]
async fn every_reauthorization_reply_is_one_typed_error() {
    let replies = [
        (400, serde_json::json!({"error": "invalid_grant"})),
        (
            401,
            serde_json::json!({"status_code": 401, "error": "invalid_grant", "error_description": "User access has timed out. To refresh Medicare data, end user must re-authenticate and consent to share their data."}),
        ),
        (
            403,
            serde_json::json!({"status_code": 403, "error": "invalid_grant", "error_description": "User access cannot be found. To refresh Medicare data, end user must re-authenticate and consent to share their data."}),
        ),
        (
            403,
            serde_json::json!({"status_code": 403, "error": "invalid_client", "error_description": "Your application is not allowed to refresh tokens. Please re-authorize."}),
        ),
        (
            400,
            serde_json::json!({"status_code": 400, "error": "invalid_request", "error_description": "Refresh token not found."}),
        ),
    ];
    let mut rendered = Vec::new();
    for (status, body) in replies {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/v2/o/token/"))
            .respond_with(ResponseTemplate::new(status).set_body_json(body))
            .expect(1)
            .mount(&server)
            .await;
        let err = client(&server.uri())
            .refresh(&token_expiring("AT", "RT", -1))
            .await
            .unwrap_err();
        assert!(err.requires_reauthorization(), "{err}");
        rendered.push(err.to_string());
    }
    insta::assert_snapshot!("reauthorization_errors", rendered.join("\n"));
}

#[tokio::test]
async fn other_refresh_failures_are_not_reauthorization() {
    let replies = [
        (401, serde_json::json!({"error": "invalid_client"})),
        (
            403,
            serde_json::json!({"status_code": 403, "error": "invalid_client", "error_description": "This application, Demo, is temporarily inactive."}),
        ),
        (500, serde_json::json!({"error": "Server Error (500)"})),
        (
            502,
            serde_json::json!({"detail": "An error occurred contacting the upstream server"}),
        ),
    ];
    let mut rendered = Vec::new();
    for (status, body) in replies {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(status).set_body_json(body))
            .mount(&server)
            .await;
        let err = client(&server.uri())
            .refresh(&token_expiring("AT", "RT", -1))
            .await
            .unwrap_err();
        assert!(!err.requires_reauthorization(), "{err}");
        rendered.push(err.to_string());
    }
    insta::assert_snapshot!("other_refresh_errors", rendered.join("\n"));
}

#[tokio::test]
async fn revoke_introspect_userinfo() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/o/revoke_token/"))
        .and(header("authorization", basic_header().as_str()))
        .and(body_string(form(&[
            ("token", "AT1"),
            ("token_type_hint", "access_token"),
        ])))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/o/revoke/"))
        .and(header("authorization", basic_header().as_str()))
        .and(body_string(form(&[
            ("token", "RT1"),
            ("token_type_hint", "refresh_token"),
        ])))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/o/introspect/"))
        .and(header("authorization", basic_header().as_str()))
        .and(body_string(form(&[
            ("token", "AT1"),
            ("token_type_hint", "access_token"),
        ])))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "active": true, "scope": "openid patient/Coverage.rs", "exp": 1795880485,
            "client_id": CLIENT_ID, "username": "sls-user-1"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/connect/userinfo"))
        .and(header("authorization", "Bearer AT1"))
        // userinfo serves only JSON: the real server answers 406 to `application/fhir+json`.
        .and(header("accept", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "sub":"-20140000008325","name":"V2 00000","given_name":"V2","family_name":"00000",
            "email":"bbuser00000@bb2.com","iat":"2026-11-28T14:40:09.258Z","patient":"-20140000008325"})))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server.uri());
    let token = token_expiring("AT1", "RT1", 3000);
    client
        .revoke_token(TokenRef::Access(token.access_token()))
        .await
        .unwrap();
    client
        .revoke(TokenRef::Refresh(token.refresh_token().unwrap()))
        .await
        .unwrap();
    let info = client
        .introspect(TokenRef::Access(token.access_token()))
        .await
        .unwrap();
    assert!(info.active);
    assert_eq!(info.exp.unwrap().unix_timestamp(), 1795880485);
    assert_eq!(info.username.as_deref(), Some("sls-user-1"));
    assert!(info.scope.unwrap().contains(&Scope::OpenId));
    let user = client.userinfo(token.access_token()).await.unwrap();
    assert_eq!(user.sub, "-20140000008325");
    assert_eq!(user.iat.as_deref(), Some("2026-11-28T14:40:09.258Z"));
    assert_eq!(user.family_name.as_deref(), Some("00000"));
}

#[tokio::test]
async fn userinfo_without_profile_and_introspect_bug_are_typed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/connect/userinfo"))
        .respond_with(ResponseTemplate::new(403).set_body_json(serde_json::json!({
            "detail": "You do not have permission to perform this action."})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/o/introspect/"))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_json(serde_json::json!({"error": "Server Error (500)"})),
        )
        .mount(&server)
        .await;
    let client = client(&server.uri());
    let token = token_expiring("AT1", "RT1", 3000);
    let err = client.userinfo(token.access_token()).await.unwrap_err();
    assert!(matches!(err, AuthError::UnexpectedStatus { status, .. } if status.as_u16() == 403));
    let err = client
        .introspect(TokenRef::Access(token.access_token()))
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::UnexpectedStatus { status, .. } if status.as_u16() == 500));
}

#[tokio::test]
async fn userinfo_with_expired_grant_requires_reauthorization() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/connect/userinfo"))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({
            "detail": "User access has timed out. To refresh Medicare data, end user must re-authenticate and consent to share their data."})))
        .mount(&server)
        .await;
    let token = token_expiring("AT1", "RT1", 3000);
    let err = client(&server.uri())
        .userinfo(token.access_token())
        .await
        .unwrap_err();
    assert!(err.requires_reauthorization(), "{err}");
}

#[tokio::test]
async fn token_redirects_are_not_followed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/o/token/"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/elsewhere/"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/elsewhere/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body("AT", "RT")))
        .expect(0)
        .mount(&server)
        .await;
    let err = client(&server.uri())
        .refresh(&token_expiring("AT0", "RT0", -1))
        .await
        .unwrap_err();
    assert!(
        matches!(err, AuthError::UnexpectedStatus { status, .. } if status.as_u16() == 302),
        "{err}"
    );
}
