//! Hostile input: every malformed thing a server, a file or a browser can hand the SDK ends in a
//! typed error, never a panic and never a hang.

use std::time::Duration;

use bluebutton::{Error as SdkError, PageLimits};
use bluebutton_auth::{
    AuthError, AuthRequest, AuthorizationToken, CallbackQuery, MAX_CALLBACK_QUERY_BYTES,
    MAX_CALLBACK_VALUE_BYTES, TokenResponseProblem,
};
use bluebutton_config::{Config, ConfigError};
use bluebutton_reliability::{fixtures, tokens};
use bluebutton_transport::{ErrorBody, Request, Transport, TransportError};
use futures_util::StreamExt as _;
use time::OffsetDateTime;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{ALL_SCOPES, PATIENT, auth_client, bundle, count, facade, mock_config};

const EOB_PATH: &str = "/v2/fhir/ExplanationOfBenefit/";

/// Bodies a FHIR search may get instead of a Bundle, with their content type.
fn bad_bodies() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let fixture = fixtures::json_files()
        .into_iter()
        .find(|p| p.ends_with("eobByPatientIdAll.json"))
        .and_then(|p| std::fs::read(p).ok())
        .unwrap_or_else(|| serde_json::to_vec(&bundle(&["a", "b", "c"], None)).unwrap());
    let half = fixture[..fixture.len() / 2].to_vec();
    vec![
        (
            "malformed JSON",
            "application/fhir+json",
            b"{\"resourceType\": \"Bundle\", \"entry\": [}".to_vec(),
        ),
        ("truncated JSON", "application/fhir+json", half),
        (
            "HTML page",
            "text/html",
            b"<!DOCTYPE html><html><body><h1>Service Unavailable</h1></body></html>".to_vec(),
        ),
        (
            "wrong content type (XML)",
            "application/fhir+xml",
            b"<Bundle xmlns=\"http://hl7.org/fhir\"><type value=\"searchset\"/></Bundle>".to_vec(),
        ),
        (
            "invalid UTF-8",
            "application/fhir+json",
            vec![b'{', b'"', 0xff, 0xfe, 0xfd, b'"', b':', b'1', b'}'],
        ),
        ("empty body", "application/fhir+json", Vec::new()),
        (
            "JSON of another shape",
            "application/json",
            b"[1, 2, 3]".to_vec(),
        ),
        (
            "Bundle with entries of the wrong type",
            "application/fhir+json",
            br#"{"resourceType":"Bundle","entry":"not a list","link":7}"#.to_vec(),
        ),
        (
            "deeply nested JSON",
            "application/fhir+json",
            format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
        ),
    ]
}

async fn beneficiary_for(server: &MockServer) -> bluebutton::Beneficiary {
    let config = mock_config(server);
    let (bb, _) = facade(&config);
    let token = tokens::stored(
        "ACCESS-hostile",
        "REFRESH-hostile",
        PATIENT,
        ALL_SCOPES,
        OffsetDateTime::now_utc() + time::Duration::HOUR,
    );
    bb.insert_token(PATIENT, &token).await.unwrap()
}

#[tokio::test]
async fn hostile_fhir_bodies_are_typed_errors() {
    let server = MockServer::start().await;
    let beneficiary = beneficiary_for(&server).await;
    let mut typed = Vec::new();
    for (name, content_type, body) in bad_bodies() {
        server.reset().await;
        Mock::given(method("GET"))
            .and(path(EOB_PATH))
            .respond_with(ResponseTemplate::new(200).set_body_raw(body.clone(), content_type))
            .mount(&server)
            .await;
        let err = beneficiary
            .explanation_of_benefit()
            .first::<bluebutton::Bundle>()
            .await
            .expect_err(name);
        assert!(
            matches!(
                err,
                SdkError::Fhir { .. } | SdkError::Json { .. } | SdkError::UnexpectedResource { .. }
            ),
            "{name}: {err:?}"
        );
        // The same body through the raw JSON variant and the transport's decoder.
        let err_json = beneficiary
            .explanation_of_benefit()
            .first::<serde_json::Value>()
            .await;
        if name != "JSON of another shape" && name != "Bundle with entries of the wrong type" {
            assert!(err_json.is_err(), "{name}: JSON variant");
        }
        typed.push(name);
    }
    println!(
        "hostile FHIR bodies: {} cases, all typed errors: {typed:?}",
        typed.len()
    );
}

#[tokio::test]
async fn hostile_error_bodies_are_parsed_without_panic() {
    let server = MockServer::start().await;
    let config = mock_config(&server);
    let (transport, _) = auth_client(&config);
    let mut parsed = Vec::new();
    for (status, (name, content_type, body)) in [400u16, 403, 404, 502]
        .into_iter()
        .cycle()
        .zip(bad_bodies())
    {
        server.reset().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(status).set_body_raw(body, content_type))
            .mount(&server)
            .await;
        let url = config.endpoints().fhir_base.join("Coverage/").unwrap();
        let err = transport
            .send(Request::get(url).retry(false))
            .await
            .expect_err(name);
        let TransportError::Status { body, .. } = &err else {
            panic!("{name}: {err:?}");
        };
        if name == "HTML page" {
            assert!(matches!(body, ErrorBody::Html(_)), "{body:?}");
        }
        let _ = err.to_string();
        parsed.push(format!("{status}/{name}"));
    }
    println!(
        "hostile error bodies: {} statuses with hostile bodies parsed into ErrorBody: {parsed:?}",
        parsed.len()
    );
}

#[tokio::test]
async fn body_over_the_cap_is_refused() {
    let server = MockServer::start().await;
    let big = vec![b' '; 64 * 1024];
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(big, "application/fhir+json"))
        .mount(&server)
        .await;
    let config = mock_config(&server);
    let transport = Transport::builder(&config)
        .max_response_bytes(16 * 1024)
        .build()
        .unwrap();
    let url = config.endpoints().fhir_base.join("Coverage/").unwrap();
    let err = transport
        .send(Request::get(url))
        .await
        .expect_err("too large");
    assert!(
        matches!(err, TransportError::BodyTooLarge { limit, .. } if limit == 16 * 1024),
        "{err:?}"
    );
    // Not retried: one request.
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    // Through the facade with that transport.
    let (bb, _) = {
        let store = std::sync::Arc::new(bluebutton::MemoryStore::new());
        let bb = bluebutton::BlueButton::builder(config.clone())
            .transport(transport)
            .token_store(store.clone())
            .build()
            .unwrap();
        (bb, store)
    };
    let token = tokens::stored(
        "a",
        "r",
        PATIENT,
        ALL_SCOPES,
        OffsetDateTime::now_utc() + time::Duration::HOUR,
    );
    let beneficiary = bb.insert_token(PATIENT, &token).await.unwrap();
    let err = beneficiary
        .coverage()
        .first::<bluebutton::Bundle>()
        .await
        .expect_err("too large");
    let source = std::error::Error::source(&err).and_then(|s| {
        s.downcast_ref::<TransportError>()
            .or_else(|| s.downcast_ref::<Box<TransportError>>().map(|b| &**b))
    });
    assert!(
        matches!(err, SdkError::Http { .. })
            && matches!(source, Some(TransportError::BodyTooLarge { .. })),
        "{err:?}"
    );
    println!("body over the cap: 64 KiB body against a 16 KiB cap -> BodyTooLarge, 1 request");
}

#[tokio::test]
async fn hostile_token_responses_are_typed_errors() {
    let server = MockServer::start().await;
    let config = mock_config(&server);
    let (_, client) = auth_client(&config);
    let bodies: Vec<(&str, &str, Vec<u8>)> = vec![
        ("empty", "application/json", Vec::new()),
        ("null", "application/json", b"null".to_vec()),
        ("array", "application/json", b"[]".to_vec()),
        ("HTML", "text/html", b"<html>Bad Gateway</html>".to_vec()),
        ("truncated", "application/json", br#"{"access_token":"abc","expires_in":36"#.to_vec()),
        ("invalid UTF-8", "application/json", b"{\"access_token\":\"\xff\xfe\"}".to_vec()),
        ("missing fields", "application/json", br#"{"scope":"openid"}"#.to_vec()),
        (
            "negative expires_in",
            "application/json",
            br#"{"access_token":"a","expires_in":-3600,"token_type":"Bearer"}"#.to_vec(),
        ),
        (
            "expires_in as text",
            "application/json",
            br#"{"access_token":"a","expires_in":"3600","token_type":"Bearer"}"#.to_vec(),
        ),
        (
            "expires_in fractional",
            "application/json",
            br#"{"access_token":"a","expires_in":1.5,"token_type":"Bearer"}"#.to_vec(),
        ),
        (
            "access_token as number",
            "application/json",
            br#"{"access_token":12345,"expires_in":60,"token_type":"Bearer"}"#.to_vec(),
        ),
        (
            "bad access_grant_expiration",
            "application/json",
            br#"{"access_token":"a","expires_in":60,"token_type":"Bearer","access_grant_expiration":"soon"}"#.to_vec(),
        ),
    ];
    let mut typed = Vec::new();
    for (name, content_type, body) in bodies {
        server.reset().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(body, content_type))
            .mount(&server)
            .await;
        let request = AuthRequest::new();
        let query = format!("code=c&state={}", request.state().secret());
        let err = client
            .exchange_code(request, &CallbackQuery::parse(&query).unwrap())
            .await
            .expect_err(name);
        assert!(
            matches!(err, AuthError::InvalidTokenResponse { .. }),
            "{name}: {err:?}"
        );
        typed.push(name);
    }
    println!(
        "hostile token replies: {} cases, all InvalidTokenResponse: {typed:?}",
        typed.len()
    );
}

#[test]
fn huge_expires_in_is_a_typed_error_not_a_panic() {
    // `received_at + expires_in` must not overflow into a panic.
    let mut outcomes = Vec::new();
    for expires_in in [i64::MAX, 1_i64 << 62, 10_i64.pow(12), 253_402_300_800] {
        let body =
            format!(r#"{{"access_token":"a","expires_in":{expires_in},"token_type":"Bearer"}}"#);
        let outcome = std::panic::catch_unwind(|| {
            AuthorizationToken::from_response_json(body.as_bytes(), OffsetDateTime::now_utc())
                .map(|t| t.expires_at())
        });
        let outcome = outcome.unwrap_or_else(|_| panic!("expires_in {expires_in} panicked"));
        if let Err(problem) = &outcome {
            let _: &TokenResponseProblem = problem;
        }
        outcomes.push(format!(
            "{expires_in}: {}",
            if outcome.is_ok() { "ok" } else { "typed error" }
        ));
    }
    println!("huge expires_in: {outcomes:?}");
}

#[tokio::test]
async fn next_link_loops_stop() {
    let server = MockServer::start().await;
    let self_loop = format!("{}{EOB_PATH}", server.uri());
    let page_b = format!("{}{EOB_PATH}?startIndex=10", server.uri());
    // Page A links to itself.
    Mock::given(method("GET"))
        .and(path(EOB_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(bundle(&["a1"], Some(&self_loop))))
        .mount(&server)
        .await;
    let beneficiary = beneficiary_for(&server).await;
    let pages = tokio::time::timeout(
        Duration::from_secs(30),
        beneficiary
            .pages::<serde_json::Value>(&self_loop)
            .collect::<Vec<_>>(),
    )
    .await
    .expect("paging ends");
    assert!(pages.iter().all(Result::is_ok));
    let self_requests = count(&server, "GET", EOB_PATH).await;
    assert_eq!(pages.len(), 1);
    assert_eq!(self_requests, 1, "a self link is not fetched again");

    // A -> B -> A.
    server.reset().await;
    Mock::given(method("GET"))
        .and(path(EOB_PATH))
        .and(wiremock::matchers::query_param("startIndex", "10"))
        .respond_with(ResponseTemplate::new(200).set_body_json(bundle(&["b1"], Some(&self_loop))))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(EOB_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(bundle(&["a1"], Some(&page_b))))
        .mount(&server)
        .await;
    let resources = tokio::time::timeout(
        Duration::from_secs(30),
        beneficiary
            .explanation_of_benefit()
            .all::<bluebutton::ExplanationOfBenefit>(),
    )
    .await
    .expect("paging ends")
    .expect("two pages");
    let cycle_requests = count(&server, "GET", EOB_PATH).await;
    assert_eq!(resources.len(), 2);
    assert_eq!(cycle_requests, 2);

    // Links that differ every time (an endless server) stop at the page cap with a typed error.
    server.reset().await;
    Mock::given(method("GET"))
        .and(path(EOB_PATH))
        .respond_with(EndlessPages(server.uri()))
        .mount(&server)
        .await;
    let config = mock_config(&server);
    let bb = bluebutton::BlueButton::builder(config)
        .page_limits(PageLimits::default().max_pages(25))
        .build()
        .unwrap();
    let token = tokens::stored(
        "a",
        "r",
        PATIENT,
        ALL_SCOPES,
        OffsetDateTime::now_utc() + time::Duration::HOUR,
    );
    let endless = bb.insert_token(PATIENT, &token).await.unwrap();
    let err = tokio::time::timeout(
        Duration::from_secs(60),
        endless
            .explanation_of_benefit()
            .all::<bluebutton::ExplanationOfBenefit>(),
    )
    .await
    .expect("paging ends")
    .expect_err("capped");
    assert!(
        matches!(err, SdkError::PagingLimitReached { .. }),
        "{err:?}"
    );
    let endless_requests = count(&server, "GET", EOB_PATH).await;
    assert_eq!(endless_requests, 25);
    println!(
        "next-link loops: self link -> {self_requests} request, A->B->A -> {cycle_requests} \
         requests, endless distinct links -> PagingLimitReached after {endless_requests} pages"
    );
}

/// Answers each page with a `next` link that was never seen before.
struct EndlessPages(String);

impl wiremock::Respond for EndlessPages {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        let index: u64 = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "startIndex")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let next = format!("{}{EOB_PATH}?startIndex={}", self.0, index + 1);
        ResponseTemplate::new(200).set_body_json(bundle(&["x"], Some(&next)))
    }
}

#[test]
fn config_files_with_wrong_types_are_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str)] = &[
        (
            "a.json",
            r#"{"client_id": 5, "client_secret": "s", "callback_url": "http://localhost/cb"}"#,
        ),
        (
            "b.json",
            r#"{"client_id": "i", "client_secret": ["s"], "callback_url": "http://localhost/cb"}"#,
        ),
        (
            "c.json",
            r#"{"client_id": "i", "client_secret": "s", "callback_url": 7}"#,
        ),
        (
            "d.json",
            r#"{"client_id": "i", "client_secret": "s", "callback_url": "http://localhost/cb", "retry_settings": {"total": "three"}}"#,
        ),
        (
            "e.json",
            r#"{"client_id": "i", "client_secret": "s", "callback_url": "http://localhost/cb", "retry_settings": {"total": -1}}"#,
        ),
        (
            "f.json",
            r#"{"client_id": "i", "client_secret": "s", "callback_url": "http://localhost/cb", "retry_settings": {"backoff_factor": 1e400}}"#,
        ),
        (
            "g.json",
            r#"{"client_id": "i", "client_secret": "s", "callback_url": "http://localhost/cb", "retry_settings": {"status_forcelist": [500, "x"]}}"#,
        ),
        (
            "h.json",
            r#"{"client_id": "i", "client_secret": "s", "callback_url": "http://localhost/cb", "version": 2.5}"#,
        ),
        (
            "i.json",
            r#"{"client_id": "i", "client_secret": "s", "callback_url": "http://localhost/cb", "token_refresh_on_expire": "maybe"}"#,
        ),
        (
            "j.json",
            r#"{"client_id": "i", "client_secret": "s", "callback_url": "http://localhost/cb", "environment": 3}"#,
        ),
        ("k.json", r#"["client_id", "i"]"#),
        ("l.json", r#"{"client_id": "i", "#),
        ("m.json", "\u{feff}\u{0}\u{1}"),
        (
            "n.yaml",
            "client_id: [a, b]\nclient_secret: s\ncallback_url: http://localhost/cb\n",
        ),
        (
            "o.yaml",
            "client_id: i\nclient_secret: s\ncallback_url: http://localhost/cb\nretry_settings: 3\n",
        ),
        (
            "p.yaml",
            "client_id: i\nclient_secret: s\ncallback_url: http://localhost/cb\ntimeouts: {connect: -1}\n",
        ),
        (
            "q.yml",
            "a: &a [1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n",
        ),
        ("r.yaml", "{{{{"),
        (
            "s.json",
            r#"{"client_id": "i", "client_secret": "s", "callback_url": "javascript:alert(1)"}"#,
        ),
        (
            "t.json",
            r#"{"client_id": "i", "client_secret": "s", "callback_url": "http://localhost/cb", "base_url": "http://evil.example"}"#,
        ),
    ];
    let mut errors = Vec::new();
    for (name, text) in cases {
        let file = dir.path().join(name);
        std::fs::write(&file, text).unwrap();
        let err = Config::from_file(&file).expect_err(name);
        let _: &ConfigError = &err;
        let message = err.to_string();
        assert!(!message.is_empty());
        errors.push(format!(
            "{name}: {}",
            message.chars().take(60).collect::<String>()
        ));
    }
    println!(
        "config files with wrong types: {} files, all ConfigError",
        errors.len()
    );
    for e in &errors {
        println!("    {e}");
    }
}

#[test]
fn callback_queries_with_repeated_or_huge_parameters() {
    let request = AuthRequest::new();
    let state = request.state().secret().clone();
    let mut outcomes = Vec::new();
    let repeated = [
        format!("code=a&code=b&state={state}"),
        format!("code=a&state={state}&state={state}"),
        "error=access_denied&error=other".to_owned(),
        "error_description=a&error_description=b".to_owned(),
    ];
    for query in &repeated {
        let err = CallbackQuery::parse(query).expect_err(query);
        assert!(
            matches!(err, AuthError::DuplicateParameter { .. }),
            "{err:?}"
        );
        outcomes.push("duplicate");
    }
    let huge_value = format!(
        "code={}&state={state}",
        "A".repeat(MAX_CALLBACK_VALUE_BYTES + 1)
    );
    assert!(matches!(
        CallbackQuery::parse(&huge_value),
        Err(AuthError::CallbackParameterTooLong { .. })
    ));
    outcomes.push("value too long");
    let huge_query = format!(
        "code=a&state={state}&pad={}",
        "x".repeat(MAX_CALLBACK_QUERY_BYTES)
    );
    assert!(matches!(
        CallbackQuery::parse(&huge_query),
        Err(AuthError::CallbackTooLarge { .. })
    ));
    outcomes.push("query too large");
    let huge_megabyte = "a=b&".repeat(1 << 18);
    assert!(matches!(
        CallbackQuery::parse(&huge_megabyte),
        Err(AuthError::CallbackTooLarge { .. })
    ));
    outcomes.push("1 MiB query");
    // Many unknown parameters within the limit are ignored.
    let mut many = format!("code=abc&state={state}");
    while many.len() + 8 < MAX_CALLBACK_QUERY_BYTES {
        many.push_str("&x=1&y=2");
    }
    let parsed = CallbackQuery::parse(&many).expect("within the limit");
    assert_eq!(parsed.verify(request.state()).unwrap().secret(), "abc");
    outcomes.push("many unknown params ignored");
    // Percent-encoded garbage decodes lossily, never panics.
    for query in [
        "code=%FF%FE&state=%C3%28",
        "%",
        "&&&==&",
        "code=%zz&state=%",
        "state=\u{0}",
    ] {
        if let Ok(parsed) = CallbackQuery::parse(query) {
            assert!(parsed.verify(request.state()).is_err());
        }
    }
    outcomes.push("percent garbage");
    println!("hostile callbacks: {outcomes:?}");
}

#[tokio::test]
async fn extreme_config_values_do_not_panic_at_use() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(bundle(&["e"], None)))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("extreme.json");
    std::fs::write(
        &file,
        serde_json::json!({
            "client_id": "i", "client_secret": "s", "callback_url": "http://localhost/cb",
            "base_url": server.uri(),
            "retry_settings": {"total": 4_294_967_295_u64, "backoff_factor": 1e15,
                               "max_backoff": 1e15, "max_retry_after": 1e15},
            "timeouts": {"connect": 1e15, "request": 1e15},
        })
        .to_string(),
    )
    .unwrap();
    let outcome = match Config::from_file(&file) {
        Err(e) => format!("refused: {e}"),
        Ok(config) => {
            let transport = Transport::new(&config).expect("a transport");
            let url = config.endpoints().fhir_base.join("Coverage/").unwrap();
            let response = transport.send(Request::get(url)).await.expect("200");
            format!("accepted, a request works (status {})", response.status())
        }
    };
    println!("extreme config values (1e15 s timeouts and backoff, u32::MAX retries): {outcome}");
}

#[tokio::test]
async fn custom_paths_cannot_leave_the_api() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .mount(&server)
        .await;
    let beneficiary = beneficiary_for(&server).await;
    let escapes = [
        "../../o/token/",
        "../v3/fhir/Patient/",
        "%2e%2e/%2e%2e/admin/",
        "/admin/",
        "//evil.example/x",
        "http://evil.example/v2/fhir/Patient/",
        "https://evil.example/v2/fhir/Patient/",
        "javascript:alert(1)",
        "file:///etc/passwd",
    ];
    let mut refused = 0;
    for target in escapes {
        match beneficiary.get::<serde_json::Value>(target).await {
            Err(SdkError::InvalidTarget { .. }) => refused += 1,
            other => {
                // Allowed only if it stayed under /v2/.
                let requests = server.received_requests().await.unwrap();
                let last = requests.last().map(|r| r.url.path().to_owned());
                assert!(
                    last.as_deref().is_some_and(|p| p.starts_with("/v2/")),
                    "{target}: {other:?} reached {last:?}"
                );
            }
        }
    }
    let hits: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect();
    assert!(hits.iter().all(|p| p.starts_with("/v2/")), "{hits:?}");
    println!(
        "custom paths: {refused} of {} escape attempts refused before sending, the rest stayed \
         under /v2/ ({hits:?})",
        escapes.len()
    );
}

#[tokio::test]
async fn bad_and_bomb_gzip_bodies_are_typed_errors() {
    use std::io::Write as _;
    let server = MockServer::start().await;
    let config = mock_config(&server);
    let transport = Transport::builder(&config)
        .max_response_bytes(1024 * 1024)
        .build()
        .unwrap();
    let url = config.endpoints().fhir_base.join("Coverage/").unwrap();
    // 64 MiB of zeros in about 64 KiB of gzip.
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1024 * 1024];
    for _ in 0..64 {
        encoder.write_all(&zeros).unwrap();
    }
    let bomb = encoder.finish().unwrap();
    let bomb_len = bomb.len();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("not gzip at all", b"this is not gzip".to_vec()),
        ("truncated gzip", bomb[..bomb.len() / 2].to_vec()),
        ("gzip bomb", bomb),
    ];
    let mut outcomes = Vec::new();
    for (name, body) in cases {
        server.reset().await;
        Mock::given(method("GET"))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("Content-Encoding", "gzip")
                    .set_body_raw(body, "application/fhir+json"),
            )
            .mount(&server)
            .await;
        let err = transport
            .send(Request::get(url.clone()).retry(false))
            .await
            .expect_err(name);
        if name == "gzip bomb" {
            assert!(
                matches!(err, TransportError::BodyTooLarge { .. }),
                "{name}: {err:?}"
            );
        }
        outcomes.push(format!(
            "{name}: {}",
            err.to_string().chars().take(70).collect::<String>()
        ));
    }
    println!("gzip bodies (bomb: {bomb_len} bytes -> 64 MiB, cap 1 MiB): {outcomes:?}");
}
