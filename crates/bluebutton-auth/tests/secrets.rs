//! No secret (client secret, tokens, code, verifier, state) appears in the `Debug` or `Display`
//! of any public type or error, nor in the tracing output of a whole flow.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use bluebutton_auth::{
    AuthRequest, CallbackQuery, FileStore, MemoryStore, SqliteStore, TokenManager, TokenRef,
    TokenStore,
};
use common::*;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const CODE: &str = "CODE0SECRET0abcdefghij";
const AT1: &str = "AT1SECRETabcdefghijklmnopqrstu";
const RT1: &str = "RT1SECRETabcdefghijklmnopqrstu";
const AT2: &str = "AT2SECRETabcdefghijklmnopqrstu";
const RT2: &str = "RT2SECRETabcdefghijklmnopqrstu";
const RT3: &str = "RT3SECRETabcdefghijklmnopqrstu";

#[tokio::test]
async fn no_secret_in_debug_display_errors_or_tracing() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _default = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/o/token/"))
        .and(body_string_contains("grant_type=authorization_code"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body(AT1, RT1)))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/o/token/"))
        .and(body_string_contains(
            format!("refresh_token={RT1}").as_str(),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body(AT2, RT2)))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/o/token/"))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(serde_json::json!({"error": "invalid_grant"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/o/introspect/"))
        .respond_with(ResponseTemplate::new(500).set_body_string("Server Error (500)"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/connect/userinfo"))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({
            "detail": "Authentication credentials were not provided."})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;

    let client = client(&server.uri());
    let mut shown: Vec<String> = Vec::new();
    let mut show = |label: &str, debug: String| shown.push(format!("{label}: {debug}"));

    // The flow, formatting everything on the way.
    let request = AuthRequest::new();
    let (state, verifier) = (
        request.state().secret().clone(),
        request.code_verifier().secret().clone(),
    );
    show("request", format!("{request:?}"));
    show("client", format!("{client:?}"));
    let callback = CallbackQuery::parse(&format!("code={CODE}&state={state}")).unwrap();
    show("callback", format!("{callback:?}"));
    let token = client.exchange_code(request, &callback).await.unwrap();
    show("token", format!("{token:?}"));
    show("access", format!("{:?}", token.access_token()));
    show(
        "tokenref",
        format!("{:?}", TokenRef::Refresh(token.refresh_token().unwrap())),
    );

    // Callback errors with the secrets in the query.
    for bad in [
        format!("code={CODE}&state={state}x"),
        format!("code={CODE}&code={CODE}&state={state}"),
        format!("state={state}"),
        format!("error=access_denied&state={state}"),
    ] {
        let err = match CallbackQuery::parse(&bad) {
            Err(e) => e,
            Ok(cb) => cb
                .verify(&bluebutton_auth::CsrfToken::new(state.clone()))
                .unwrap_err(),
        };
        show("callback error", format!("{err} / {err:?}"));
    }

    // Stores and the manager, including a refresh and a refused refresh.
    let dead_token = token_expiring(AT1, RT3, 3000);
    let dir = tempfile::tempdir().unwrap();
    let stores: Vec<Arc<dyn TokenStore>> = vec![
        Arc::new(MemoryStore::new()),
        Arc::new(FileStore::new(dir.path().join("t.json"))),
        Arc::new(SqliteStore::open(dir.path().join("t.db")).await.unwrap()),
    ];
    for store in &stores {
        let manager = TokenManager::new(client.clone(), Arc::clone(store));
        show("manager", format!("{manager:?}"));
        manager.insert("k", &token).await.unwrap();
        let refreshed = manager.force_refresh("k").await.unwrap();
        show("refreshed", format!("{refreshed:?}"));
        // A token whose refresh token the server refuses (invalid_grant).
        store.save("k", &dead_token).await.unwrap();
        let err = manager.force_refresh("k").await.unwrap_err();
        show("reauth", format!("{err} / {err:?}"));
    }
    show(
        "memory store",
        format!("{:?}", stores[0].load("k").await.unwrap()),
    );

    // Other endpoints and their errors.
    client
        .revoke_token(TokenRef::Access(token.access_token()))
        .await
        .unwrap();
    let err = client
        .introspect(TokenRef::Refresh(token.refresh_token().unwrap()))
        .await
        .unwrap_err();
    show("introspect error", format!("{err} / {err:?}"));
    let err = client.userinfo(token.access_token()).await.unwrap_err();
    show("userinfo error", format!("{err} / {err:?}"));
    // A transport error (nothing listening) with the secret in the form.
    let dead = common::client("http://127.0.0.1:9");
    let err = dead.refresh(&token).await.unwrap_err();
    show("transport error", format!("{err} / {err:?}"));
    let err = dead.userinfo(token.access_token()).await.unwrap_err();
    show("transport error 2", format!("{err} / {err:?}"));

    drop(_default);
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(!logs.is_empty(), "tracing output was captured");
    if std::env::var_os("BB_AUTH_SHOW").is_some() {
        eprintln!("{}\n{logs}", shown.join("\n"));
    }
    let all = format!("{}\n{logs}", shown.join("\n"));
    for secret in [
        CLIENT_SECRET,
        CODE,
        AT1,
        RT1,
        AT2,
        RT2,
        RT3,
        &state,
        &verifier,
    ] {
        assert!(!all.contains(secret), "secret leaked: {secret}\n{all}");
    }
    // The Basic credential in its encoded form must not leak either.
    let basic = basic_header();
    assert!(!all.contains(basic.trim_start_matches("Basic ")));
}

/// Replies with `status` and a body that reflects the whole request (form body, URL and
/// `Authorization` header): as `error_description` for a 4xx, as plain text for a 5xx.
struct Echo(u16);

impl wiremock::Respond for Echo {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        let authorization = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let decoded: String = url::form_urlencoded::parse(&request.body)
            .map(|(k, v)| format!("{k}={v} "))
            .collect();
        let echo = format!(
            "got {} {} {decoded} {authorization}",
            request.url,
            String::from_utf8_lossy(&request.body)
        );
        if self.0 >= 500 {
            ResponseTemplate::new(self.0).set_body_string(echo)
        } else {
            ResponseTemplate::new(self.0).set_body_json(serde_json::json!({
                "error": "invalid_request",
                "error_description": echo,
                "detail": echo,
            }))
        }
    }
}

#[tokio::test]
async fn error_replies_echoing_request_secrets_are_scrubbed_on_every_call() {
    use base64::Engine as _;
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"));
    for status in [400, 401, 500] {
        let server = MockServer::start().await;
        Mock::given(wiremock::matchers::any())
            .respond_with(Echo(status))
            .mount(&server)
            .await;
        let client = client(&server.uri());
        let token = token_expiring(AT1, RT1, 3000);
        let request = AuthRequest::new();
        let state = request.state().secret().clone();
        let verifier = request.code_verifier().secret().clone();
        let callback = CallbackQuery::parse(&format!("code={CODE}&state={state}")).unwrap();
        let errors = [
            client.exchange_code(request, &callback).await.map(drop),
            client.refresh(&token).await.map(drop),
            client
                .revoke_token(TokenRef::Refresh(token.refresh_token().unwrap()))
                .await,
            client.revoke(TokenRef::Access(token.access_token())).await,
            client
                .introspect(TokenRef::Access(token.access_token()))
                .await
                .map(drop),
            client.userinfo(token.access_token()).await.map(drop),
        ];
        let secrets = [CLIENT_SECRET, &basic, CODE, &verifier, &state, AT1, RT1];
        for error in errors {
            let error = error.expect_err("the server refuses");
            let shown = format!("{error:?} / {error}");
            assert!(shown.contains("[redacted]"), "{status}: echo kept: {shown}");
            for secret in secrets {
                assert!(
                    !shown.contains(secret),
                    "{status}: {secret} leaked: {shown}"
                );
            }
        }
    }
}
