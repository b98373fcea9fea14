//! Server text that tries to drive the terminal or leak a secret: every error type that carries
//! server text is fed every C0 and C1 control character (and the classic escape sequences) and
//! must show none of them; servers echoing a secret cut, re-cased or JSON-escaped must show
//! at most 11 of its characters.

use std::sync::Arc;

use bluebutton::Error as SdkError;
use bluebutton_auth::{
    AuthError, AuthRequest, CallbackQuery, MemoryStore, TokenManager, TokenStore,
};
use bluebutton_reliability::capture::Captured;
use bluebutton_reliability::tokens;
use bluebutton_transport::{ErrorBody, MIN_SCRUBBED_RUN, Request, WwwAuthenticate};
use time::OffsetDateTime;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{ALL_SCOPES, PATIENT, auth_client, facade, mock_config};

/// Every C0 and C1 control character, and the sequences a hostile server would send: screen
/// clear, an OSC window title, a C1 CSI, a forged log line.
fn payload() -> String {
    let controls: String = (0u32..0x20)
        .chain(0x7f..0xa0)
        .filter_map(char::from_u32)
        .collect();
    format!("bad{controls}\x1b[2J\x1b]0;pwned\x07\u{9b}31m\r\n2026-01-01 WARN forged line\u{202e}")
}

/// Whether `text` holds a character the sanitiser removes (tab is kept).
fn unsafe_char(text: &str) -> Option<char> {
    text.chars()
        .find(|&c| (c.is_control() && c != '\t') || matches!(c, '\u{202a}'..='\u{202e}'))
}

/// Counts one case: its `Display` must carry no control character.
fn held(name: &str, shown: &str, tried: &mut Vec<String>) {
    assert!(
        unsafe_char(shown).is_none(),
        "{name}: {:?} reaches Display: {shown:?}",
        unsafe_char(shown)
    );
    tried.push(name.to_owned());
}

#[tokio::test]
async fn control_characters_from_servers_never_reach_display() {
    let bad = payload();
    let mut tried = Vec::new();

    // Transport: every error body shape, and the WWW-Authenticate challenge.
    let shapes = [
        serde_json::json!({"detail": bad}),
        serde_json::json!({"error": bad, "error_description": bad}),
        serde_json::json!({"status_code": 403, "message": bad}),
        serde_json::json!({"resourceType": "OperationOutcome", "issue": [{"code": bad, "diagnostics": bad}]}),
    ];
    for shape in &shapes {
        let body = ErrorBody::parse(shape.to_string().as_bytes(), Some("application/json"));
        held("ErrorBody (JSON)", &body.to_string(), &mut tried);
        held(
            "ErrorBody::message",
            &body.message().unwrap_or_default(),
            &mut tried,
        );
    }
    let html = format!("<!doctype html><html><head><title>{bad}</title></head></html>");
    held(
        "ErrorBody (HTML title)",
        &ErrorBody::parse(html.as_bytes(), Some("text/html")).to_string(),
        &mut tried,
    );
    held(
        "ErrorBody (text)",
        &ErrorBody::parse(bad.as_bytes(), Some("text/plain")).to_string(),
        &mut tried,
    );
    let quoted = bad.replace(['"', '\\'], "");
    if let Some(challenge) = WwwAuthenticate::parse(&format!(
        "Bearer error=\"{quoted}\", error_description=\"{quoted}\""
    )) {
        held("WwwAuthenticate", &challenge.to_string(), &mut tried);
    }

    let server = MockServer::start().await;
    let config = mock_config(&server);
    let (transport, client) = auth_client(&config);
    let base = server.uri();

    // TransportError::Status and ::Decode.
    Mock::given(method("GET"))
        .and(path("/status"))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({"detail": bad})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/decode"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"a": {bad.clone(): "not a number"}})),
        )
        .mount(&server)
        .await;
    let url = |p: &str| url::Url::parse(&format!("{base}{p}")).unwrap();
    let status = transport
        .send(Request::get(url("/status")))
        .await
        .unwrap_err();
    held("TransportError::Status", &status.to_string(), &mut tried);
    let decoded = transport.send(Request::get(url("/decode"))).await.unwrap();
    let decode = decoded
        .json::<std::collections::HashMap<String, std::collections::HashMap<String, u32>>>()
        .unwrap_err();
    held("TransportError::Decode", &decode.to_string(), &mut tried);

    // AuthError from the token endpoint: OAuth, ReauthorizationRequired, UnexpectedStatus,
    // InvalidTokenResponse; and from userinfo: Decode.
    let token_replies = [
        (
            400,
            serde_json::json!({"error": bad, "error_description": bad}).to_string(),
        ),
        (
            400,
            serde_json::json!({"error": "invalid_grant", "error_description": bad}).to_string(),
        ),
        (500, bad.clone()),
        (
            200,
            serde_json::json!({bad.clone(): 1, "access_token": 7}).to_string(),
        ),
    ];
    let stored = tokens::stored(
        "ACCESS-text",
        "REFRESH-text",
        PATIENT,
        ALL_SCOPES,
        OffsetDateTime::now_utc() + time::Duration::HOUR,
    );
    for (status, body) in token_replies {
        server.reset().await;
        Mock::given(method("POST"))
            .and(path("/v2/o/token/"))
            .respond_with(ResponseTemplate::new(status).set_body_raw(body, "application/json"))
            .mount(&server)
            .await;
        let error = client.refresh(&stored).await.unwrap_err();
        held(
            &format!("AuthError (token endpoint {status})"),
            &error.to_string(),
            &mut tried,
        );
    }
    server.reset().await;
    Mock::given(method("GET"))
        .and(path("/v2/connect/userinfo"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"sub": {bad.clone(): [1]}, "patient": 5})),
        )
        .mount(&server)
        .await;
    if let Err(error) = client.userinfo(stored.access_token()).await {
        held(
            "AuthError::Decode (userinfo)",
            &error.to_string(),
            &mut tried,
        );
    }

    // AuthError from the callback (error texts and the issuer).
    let request = AuthRequest::new();
    let state = request.state().secret().clone();
    let encode =
        |s: &str| -> String { url::form_urlencoded::byte_serialize(s.as_bytes()).collect() };
    for query in [
        format!(
            "error={}&error_description={}&state={state}",
            encode(&bad),
            encode(&bad)
        ),
        format!(
            "error=access_denied&error_description={}&state={state}",
            encode(&bad)
        ),
        format!("code=c&state={state}&iss={}", encode(&bad)),
    ] {
        let callback = CallbackQuery::parse(&query).unwrap();
        let error = callback.verify(request.state()).unwrap_err();
        held("AuthError (callback)", &error.to_string(), &mut tried);
    }

    // The facade's errors: an HTTP error, a JSON decode error, a FHIR decode error.
    server.reset().await;
    let (bb, _) = facade(&config);
    let beneficiary = bb.insert_token(PATIENT, &stored).await.unwrap();
    Mock::given(method("GET"))
        .and(path("/v2/fhir/ExplanationOfBenefit/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            serde_json::json!({"resourceType": "Bundle", "type": "searchset", "total": bad}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/fhir/Patient/"))
        .respond_with(ResponseTemplate::new(404).set_body_json(serde_json::json!({"detail": bad})))
        .mount(&server)
        .await;
    let fhir = beneficiary
        .explanation_of_benefit()
        .first::<bluebutton::Bundle>()
        .await
        .unwrap_err();
    held("bluebutton::Error (FHIR)", &fhir.to_string(), &mut tried);
    let http = beneficiary
        .patient()
        .first::<bluebutton::Bundle>()
        .await
        .unwrap_err();
    assert!(matches!(http, SdkError::Http { .. }), "{http:?}");
    held("bluebutton::Error (HTTP)", &http.to_string(), &mut tried);

    println!(
        "hostile server text (all {} C0/C1 controls, CSI, OSC, C1 CSI, CR/LF, bidi): {} cases tried, {} held",
        0x20 + 0x21,
        tried.len(),
        tried.len()
    );
}

#[tokio::test]
async fn the_warn_line_of_a_refused_refresh_carries_no_control_character() {
    let bad = payload();
    let server = MockServer::start().await;
    let config = mock_config(&server);
    let (_, client) = auth_client(&config);
    Mock::given(method("POST"))
        .and(path("/v2/o/token/"))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(
                serde_json::json!({"error": "invalid_grant", "error_description": bad}),
            ),
        )
        .mount(&server)
        .await;
    let store = Arc::new(MemoryStore::new());
    let manager = TokenManager::new(client, store.clone() as Arc<dyn TokenStore>);
    let stored = tokens::stored(
        "ACCESS-warn",
        "REFRESH-warn",
        PATIENT,
        ALL_SCOPES,
        OffsetDateTime::now_utc() + time::Duration::HOUR,
    );
    manager.insert(PATIENT, &stored).await.unwrap();
    let captured = Captured::default();
    let error = {
        let _guard = tracing::subscriber::set_default(captured.subscriber());
        manager.force_refresh(PATIENT).await.unwrap_err()
    };
    assert!(matches!(error, AuthError::ReauthorizationRequired { .. }));
    let log = captured.text();
    let warn: Vec<&str> = log.lines().filter(|l| l.contains("WARN")).collect();
    assert!(!warn.is_empty(), "{log}");
    for line in &warn {
        assert_eq!(unsafe_char(line), None, "{line:?}");
        assert!(!line.contains("forged line\n"));
    }
    assert_eq!(
        log.lines().filter(|l| l.contains("forged line")).count(),
        warn.len()
    );
    println!(
        "hostile error_description in the WARN log line: {} line(s), no control character",
        warn.len()
    );
}

#[tokio::test]
async fn echoed_secrets_are_scrubbed_when_cut_upper_cased_or_escaped() {
    const REFRESH: &str = "rEfReSh-TOKEN-0123456789-abcdef";
    let server = MockServer::start().await;
    let config = mock_config(&server);
    let (_, client) = auth_client(&config);
    let escaped: String = REFRESH
        .chars()
        .map(|c| format!("\\u{:04x}", c as u32))
        .collect();
    let echoes = [
        ("cut at both ends", REFRESH[3..27].to_owned()),
        ("cut at the start", REFRESH[8..].to_owned()),
        ("cut at the end", REFRESH[..20].to_owned()),
        ("upper-cased", REFRESH.to_ascii_uppercase()),
        ("lower-cased and cut", REFRESH[2..22].to_ascii_lowercase()),
    ];
    let stored = tokens::stored(
        "ACCESS-echo-00000000000000000",
        REFRESH,
        PATIENT,
        ALL_SCOPES,
        OffsetDateTime::now_utc() + time::Duration::HOUR,
    );
    let leaks = |text: &str| {
        let lower = text.to_ascii_lowercase();
        let secret = REFRESH.to_ascii_lowercase();
        (0..=secret.len() - MIN_SCRUBBED_RUN)
            .any(|i| lower.contains(&secret[i..i + MIN_SCRUBBED_RUN]))
    };
    let mut tried = 0;
    for (name, echo) in &echoes {
        for status in [400, 500] {
            server.reset().await;
            let body = serde_json::json!({"error": "invalid_request", "error_description": format!("unknown token {echo}")});
            Mock::given(method("POST"))
                .and(path("/v2/o/token/"))
                .respond_with(ResponseTemplate::new(status).set_body_json(body))
                .mount(&server)
                .await;
            let error = client.refresh(&stored).await.unwrap_err();
            let shown = format!("{error} {error:?}");
            assert!(!leaks(&shown), "{name} ({status}): {shown}");
            tried += 1;
        }
    }
    // JSON-escaped in a raw (5xx) body, where no JSON parser decodes it first.
    server.reset().await;
    Mock::given(method("POST"))
        .and(path("/v2/o/token/"))
        .respond_with(
            ResponseTemplate::new(502)
                .set_body_raw(format!("{{\"echo\": \"{escaped}\"}}"), "application/json"),
        )
        .mount(&server)
        .await;
    let error = client.refresh(&stored).await.unwrap_err();
    let shown = format!("{error} {error:?}");
    assert!(!leaks(&shown), "JSON-escaped: {shown}");
    tried += 1;
    println!(
        "echoed secrets (cut at both ends, one end, upper/lower-cased, JSON-escaped; 400 and 5xx): {tried} cases tried, {tried} held (at most {} characters shown)",
        MIN_SCRUBBED_RUN - 1
    );
}
