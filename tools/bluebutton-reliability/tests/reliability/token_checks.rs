//! Token security checks (RFC 9700, RFC 6750, RFC 7009): what happens to tokens (origin pinning, URLs, reply
//! validation, single flight, bounded retry, storage, HTTPS, grants, logout). Check 15 lives in
//! `tests/redaction.rs`: it needs a process-wide tracing subscriber.

use std::collections::BTreeSet;
use std::sync::Arc;

use base64::Engine as _;
use bluebutton::{Error as SdkError, ScopeCheck};
use bluebutton_auth::{
    AuthError, AuthRequest, CallbackQuery, FileStore, MemoryStore, SqliteStore, TokenManager,
    TokenRef, TokenResponseProblem, TokenStore,
};
use bluebutton_config::{Config, ConfigError, Environment};
use bluebutton_reliability::sandbox as sb;
use bluebutton_reliability::tokens;
use bluebutton_sandbox::Sandbox;
use bluebutton_transport::{Request, TransportError};
use futures_util::{StreamExt as _, future::join_all};
use time::OffsetDateTime;
use url::Url;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{
    ALL_SCOPES, CLIENT_ID, CLIENT_SECRET, PATIENT, auth_client, bundle, count, facade, field,
    forms, mock_config, mount_token, pairs, token_body,
};

const TOKEN_PATH: &str = "/v2/o/token/";
const EOB_PATH: &str = "/v2/fhir/ExplanationOfBenefit/";

/// Which problem an invalid token reply must give.
type ProblemCheck = fn(&TokenResponseProblem) -> bool;

#[tokio::test]
async fn bearer_pinned_to_origin() {
    let api = MockServer::start().await;
    let foreign = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .mount(&foreign)
        .await;
    let config = mock_config(&api);
    let (transport, _) = auth_client(&config);
    let port = api.address().port();
    let other_origins = [
        format!("{}/v2/fhir/Patient/", foreign.uri()),
        format!("http://localhost:{port}/v2/fhir/Patient/"),
        format!("https://127.0.0.1:{port}/v2/fhir/Patient/"),
        format!("http://127.0.0.1:{port}@evil.example/v2/fhir/Patient/"),
        "http://evil.example/v2/fhir/Patient/".to_owned(),
    ];
    let mut refused = 0;
    for target in &other_origins {
        let url = Url::parse(target).expect("url");
        for request in [
            Request::get(url.clone()).bearer("BEARER-pinned-1"),
            Request::get(url.clone()).basic_auth(CLIENT_ID, CLIENT_SECRET),
            Request::get(url.clone()).header(
                http::header::AUTHORIZATION,
                http::HeaderValue::from_static("Bearer BEARER-pinned-2"),
            ),
        ] {
            let err = transport.send(request).await.expect_err(target);
            assert!(
                matches!(err, TransportError::OriginNotAllowed { .. }),
                "{target}: {err:?}"
            );
            refused += 1;
        }
    }
    // Facade: a Bundle whose `next` link points at another origin.
    let foreign_next = format!(
        "{}/v2/fhir/ExplanationOfBenefit/?startIndex=10",
        foreign.uri()
    );
    Mock::given(method("GET"))
        .and(path(EOB_PATH))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(bundle(&["eob-1", "eob-2"], Some(&foreign_next))),
        )
        .mount(&api)
        .await;
    let (bb, _) = facade(&config);
    let token = tokens::stored(
        "BEARER-facade-pinned",
        "REFRESH-facade-pinned",
        PATIENT,
        ALL_SCOPES,
        OffsetDateTime::now_utc() + time::Duration::HOUR,
    );
    let beneficiary = bb.insert_token(PATIENT, &token).await.expect("stored");
    let pages: Vec<_> = beneficiary
        .explanation_of_benefit()
        .pages::<bluebutton::Bundle>()
        .collect()
        .await;
    assert_eq!(pages.len(), 2, "first page, then the refusal");
    assert!(pages[0].is_ok());
    assert!(
        matches!(&pages[1], Err(SdkError::ForeignNextLink { .. })),
        "{:?}",
        pages[1]
    );
    let foreign_hits = foreign.received_requests().await.unwrap().len();
    assert_eq!(foreign_hits, 0, "nothing ever reached the foreign origin");
    // A custom absolute URL elsewhere is refused too.
    let err = beneficiary
        .get::<serde_json::Value>(&foreign_next)
        .await
        .expect_err("foreign custom URL");
    assert!(matches!(err, SdkError::InvalidTarget { .. }), "{err:?}");
    println!(
        "{refused} credentialed requests to {} other origins (other port host, \
         localhost alias, https, userinfo trick, other host) refused before sending; a Bundle \
         next link to another origin ended paging with ForeignNextLink; foreign server hits: \
         {foreign_hits}",
        other_origins.len()
    );
}

#[tokio::test]
async fn no_tokens_in_urls() {
    let server = MockServer::start().await;
    let access = "ACCESS-url-check-3b1d";
    let refresh = "REFRESH-url-check-8c2e";
    let refreshed = "ACCESS-url-check-refreshed-77";
    mount_token(&server, 200, token_body(access, refresh)).await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(bundle(&["e1"], None)))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/o/revoke/"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let config = mock_config(&server);
    let (bb, _) = facade(&config);
    let request = bb.new_auth_request();
    let verifier = request.code_verifier().secret().clone();
    let state = request.state().secret().clone();
    let code = "CODE-url-check-51aa";
    let beneficiary = bb
        .exchange_code(request, &format!("code={code}&state={state}"))
        .await
        .expect("exchange");
    let mut received = server.received_requests().await.unwrap();
    server.reset().await;
    mount_token(&server, 200, token_body(refreshed, "REFRESH-2-url-check")).await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(bundle(&["e1"], None)))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/o/revoke/"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    beneficiary
        .explanation_of_benefit()
        .first::<bluebutton::Bundle>()
        .await
        .expect("search");
    beneficiary.refresh().await.expect("refresh");
    beneficiary
        .coverage()
        .first::<bluebutton::Bundle>()
        .await
        .expect("coverage");
    // A URL asking for the token in its query is refused before sending.
    let mut url = config.endpoints().fhir_base.join("Patient/").unwrap();
    url.query_pairs_mut().append_pair("access_token", access);
    let refused = beneficiary
        .get::<serde_json::Value>(url.as_str())
        .await
        .expect_err("refused by the facade");
    assert!(!refused.to_string().contains(access), "{refused}");
    beneficiary.revoke().await.expect("revoke");
    let secrets = [
        access,
        refresh,
        refreshed,
        code,
        &verifier,
        &state,
        CLIENT_SECRET,
    ];
    received.extend(server.received_requests().await.unwrap());
    for request in &received {
        for secret in secrets {
            assert!(
                !request.url.as_str().contains(secret),
                "secret in URL {}",
                request.url
            );
        }
    }
    // The transport refuses it too, whoever builds the request.
    let (transport, _) = auth_client(&config);
    let err = transport
        .send(Request::get(url.clone()))
        .await
        .expect_err("refused");
    assert!(matches!(err, TransportError::TokenInQuery { .. }));
    assert!(!err.to_string().contains(access));
    assert!(
        received
            .iter()
            .all(|r| r.url.query_pairs().all(|(k, _)| k != "access_token"))
    );
    println!(
        "{} requests of a whole flow (exchange, searches, refresh, revoke): no secret \
         in any URL; a URL with access_token= refused before sending by the facade ({refused}) \
         and the transport ({err})",
        received.len()
    );
}

#[tokio::test]
async fn token_response_validated() {
    let server = MockServer::start().await;
    let config = mock_config(&server);
    let (_, client) = auth_client(&config);
    let mut cases = 0;
    let problems: Vec<(serde_json::Value, ProblemCheck)> = vec![
        (
            serde_json::json!({"access_token": "a", "expires_in": 60, "token_type": "mac"}),
            |p| matches!(p, TokenResponseProblem::UnsupportedTokenType(_)),
        ),
        (
            serde_json::json!({"access_token": "a", "expires_in": 60}),
            |p| matches!(p, TokenResponseProblem::UnsupportedTokenType(_)),
        ),
        (
            serde_json::json!({"access_token": "a", "token_type": "Bearer"}),
            |p| matches!(p, TokenResponseProblem::MissingExpiresIn),
        ),
        (
            serde_json::json!({"access_token": "", "expires_in": 60, "token_type": "Bearer"}),
            |p| matches!(p, TokenResponseProblem::MissingAccessToken),
        ),
        (
            serde_json::json!({"access_token": "a", "expires_in": -1, "token_type": "Bearer"}),
            |p| matches!(p, TokenResponseProblem::NegativeExpiresIn(-1)),
        ),
    ];
    for (body, expected) in problems {
        server.reset().await;
        mount_token(&server, 200, body.clone()).await;
        let request = AuthRequest::new();
        let query = format!("code=c&state={}", request.state().secret());
        let err = client
            .exchange_code(request, &CallbackQuery::parse(&query).unwrap())
            .await
            .expect_err("invalid reply");
        match &err {
            AuthError::InvalidTokenResponse { problem, .. } => {
                assert!(expected(problem), "{body}: {problem:?}");
            }
            other => panic!("{body}: {other:?}"),
        }
        cases += 1;
    }
    // Case-insensitive Bearer, expiry tracked from receipt, narrower scopes parsed.
    server.reset().await;
    let mut narrow = token_body("a-narrow", "r-narrow");
    narrow["token_type"] = "bEaReR".into();
    narrow["expires_in"] = 1800.into();
    narrow["scope"] = "patient/Coverage.rs patient/ExplanationOfBenefit.rs openid".into();
    mount_token(&server, 200, narrow).await;
    let (bb, _) = facade(&config);
    let request = bb.new_auth_request();
    let before = OffsetDateTime::now_utc();
    let beneficiary = bb
        .exchange_code(
            request.clone_for_test(),
            &format!("code=c&state={}", request.state().secret()),
        )
        .await
        .expect("valid reply");
    let token = beneficiary.stored_token().await.unwrap().expect("stored");
    let lifetime = token.expires_at() - before;
    assert!(
        lifetime >= time::Duration::seconds(1800) && lifetime < time::Duration::seconds(1860),
        "{lifetime}"
    );
    assert!(!token.demographics_granted());
    let err = beneficiary
        .patient()
        .first::<bluebutton::Bundle>()
        .await
        .expect_err("no Patient scope");
    assert!(
        matches!(
            err,
            SdkError::ScopeNotGranted {
                checked_by: ScopeCheck::Token,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(count(&server, "GET", "/v2/fhir/Patient/").await, 0);
    println!(
        "{cases} invalid token replies rejected with typed problems (mac, missing \
         token_type, missing expires_in, empty access_token, negative expires_in); `bEaReR` \
         accepted; expires_at = receipt + expires_in ({lifetime}); a token without demographic \
         scopes fails Patient search fast ({err}) with 0 requests"
    );
}

/// `AuthRequest` cannot be cloned (verifier_single_use); tests that need the state after handing the request
/// over take a copy through its session format.
trait CloneForTest {
    fn clone_for_test(&self) -> Self;
}
impl CloneForTest for AuthRequest {
    fn clone_for_test(&self) -> Self {
        serde_json::from_str(&serde_json::to_string(self).unwrap()).unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_flight_and_rotation() {
    const TASKS: usize = 32;
    let sandbox = Sandbox::builder().start().await.expect("sandbox");
    let config = sb::config(&sandbox).build().expect("config");
    let (transport, client) = auth_client(&config);
    let patient = sandbox.beneficiaries()[0].patient_id.clone();
    let first = sb::connect(&client, &transport, &patient).await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    let manager = Arc::new(TokenManager::new(client.clone(), store.clone()));
    manager.insert(&patient, &first).await.unwrap();
    let before = sandbox.counters();
    // N callers that all got 401 for the same access token.
    let results = join_all((0..TASKS).map(|_| {
        let manager = manager.clone();
        let (patient, rejected) = (patient.clone(), first.access_token().clone());
        tokio::spawn(async move { manager.refresh_rejected(&patient, &rejected).await })
    }))
    .await;
    let new_access: BTreeSet<String> = results
        .into_iter()
        .map(|r| {
            r.unwrap()
                .expect("refreshed")
                .access_token()
                .secret()
                .clone()
        })
        .collect();
    let after = sandbox.counters();
    assert_eq!(after.refreshes - before.refreshes, 1, "one refresh POST");
    assert_eq!(after.token_posts - before.token_posts, 1);
    assert_eq!(new_access.len(), 1, "everyone got the same new token");
    let stored = store.load(&patient).await.unwrap().expect("stored");
    assert_ne!(
        stored.refresh_token().unwrap().secret(),
        first.refresh_token().unwrap().secret(),
        "rotated"
    );
    assert_eq!(after.refresh_token_reuses, 0);
    // The old refresh token is dead: using it (bypassing the manager) is detected as reuse.
    let err = client.refresh(&first).await.expect_err("old refresh token");
    assert!(err.requires_reauthorization(), "{err:?}");
    assert_eq!(sandbox.counters().refresh_token_reuses, 1);
    println!(
        "{TASKS} concurrent 401 handlers -> {} refresh POST, 1 new token shared by all, \
         refresh token rotated and stored, 0 reuses by the manager; replaying the old refresh \
         token by hand is refused ({err}). Cross-process: see cross_process",
        after.refreshes - before.refreshes
    );
}

#[tokio::test]
async fn reactive_retry_bounded() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(EOB_PATH))
        .respond_with(
            ResponseTemplate::new(401)
                .insert_header(
                    "WWW-Authenticate",
                    r#"Bearer realm="api",error="invalid_token",error_description="The access token is invalid.""#,
                )
                .set_body_json(serde_json::json!({"detail": "Authentication credentials were not provided."})),
        )
        .mount(&server)
        .await;
    mount_token(&server, 200, token_body("ACCESS-new", "REFRESH-new")).await;
    let config = mock_config(&server);
    let (bb, store) = facade(&config);
    let token = tokens::stored(
        "ACCESS-old",
        "REFRESH-old",
        PATIENT,
        ALL_SCOPES,
        OffsetDateTime::now_utc() + time::Duration::HOUR,
    );
    let beneficiary = bb.insert_token(PATIENT, &token).await.unwrap();
    let err = beneficiary
        .explanation_of_benefit()
        .first::<bluebutton::Bundle>()
        .await
        .expect_err("401 twice");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401), "{err:?}");
    let gets = count(&server, "GET", EOB_PATH).await;
    let posts = count(&server, "POST", TOKEN_PATH).await;
    assert_eq!((gets, posts), (2, 1), "one refresh, one replay");

    // invalid_grant on refresh: typed, tokens purged, no loop.
    server.reset().await;
    Mock::given(method("GET"))
        .and(path(EOB_PATH))
        .respond_with(ResponseTemplate::new(401).insert_header(
            "WWW-Authenticate",
            r#"Bearer realm="api",error="invalid_token",error_description="The access token has expired.""#,
        ))
        .mount(&server)
        .await;
    mount_token(&server, 400, serde_json::json!({"error": "invalid_grant"})).await;
    let err = beneficiary
        .explanation_of_benefit()
        .first::<bluebutton::Bundle>()
        .await
        .expect_err("reauthorization required");
    assert!(err.requires_reauthorization(), "{err:?}");
    assert!(store.load(PATIENT).await.unwrap().is_none(), "purged");
    let err2 = beneficiary
        .explanation_of_benefit()
        .first::<bluebutton::Bundle>()
        .await
        .expect_err("no token left");
    assert!(
        matches!(err2, SdkError::Auth(AuthError::TokenNotFound { .. })),
        "{err2:?}"
    );
    let (gets2, posts2) = (
        count(&server, "GET", EOB_PATH).await,
        count(&server, "POST", TOKEN_PATH).await,
    );
    assert_eq!((gets2, posts2), (1, 1));
    println!(
        "always-401 API: {gets} GETs + {posts} refresh POST, second 401 terminal \
         (status 401); invalid_grant on refresh: ReauthorizationRequired, token purged, then \
         TokenNotFound with no request ({gets2} GET, {posts2} POST in all)"
    );
}

#[tokio::test]
async fn code_post_never_retried() {
    let server = MockServer::start().await;
    let config = mock_config(&server); // retry total 3, statuses 500/502/503/504 + 429
    let (_, client) = auth_client(&config);
    let replies = [
        ResponseTemplate::new(503).insert_header("Retry-After", "0"),
        ResponseTemplate::new(500)
            .set_body_json(serde_json::json!({"error": "Server Error (500)"})),
        ResponseTemplate::new(429).insert_header("Retry-After", "0"),
    ];
    let mut exchanges = 0;
    for reply in &replies {
        server.reset().await;
        Mock::given(method("POST"))
            .and(path(TOKEN_PATH))
            .respond_with(reply.clone())
            .mount(&server)
            .await;
        let request = AuthRequest::new();
        let query = format!("code=c&state={}", request.state().secret());
        client
            .exchange_code(request, &CallbackQuery::parse(&query).unwrap())
            .await
            .expect_err("5xx/429");
        assert_eq!(count(&server, "POST", TOKEN_PATH).await, 1, "sent once");
        let token = tokens::stored(
            "a",
            "r",
            PATIENT,
            ALL_SCOPES,
            OffsetDateTime::now_utc() + time::Duration::HOUR,
        );
        client.refresh(&token).await.expect_err("refresh fails");
        assert_eq!(
            count(&server, "POST", TOKEN_PATH).await,
            2,
            "refresh sent once"
        );
        exchanges += 1;
    }
    // GETs are retried.
    server.reset().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .mount(&server)
        .await;
    let (transport, _) = auth_client(&config);
    let response = transport
        .send(Request::get(config.endpoints().metadata.clone()))
        .await
        .expect("retried GET");
    assert_eq!(response.attempts(), 3);
    println!(
        "code exchange and refresh POSTs answered 503/500/429 ({exchanges} cases): each \
         sent exactly once; a GET answered 503 twice succeeded on attempt {}",
        response.attempts()
    );
}

#[tokio::test]
async fn token_files_protected() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let token = tokens::stored(
        "ACCESS-at-rest-9d1c",
        "REFRESH-at-rest-03fa",
        PATIENT,
        ALL_SCOPES,
        OffsetDateTime::now_utc() + time::Duration::HOUR,
    );
    let key = bluebutton_auth::TokenKey::generate().unwrap();
    let file = FileStore::new(dir.path().join("tokens.json")).with_key(key.clone());
    for i in 0..5 {
        file.save(&format!("key-{i}"), &token).await.unwrap();
    }
    let sqlite = SqliteStore::open(dir.path().join("tokens.sqlite3"))
        .await
        .unwrap()
        .with_key(key);
    for i in 0..5 {
        sqlite.save(&format!("key-{i}"), &token).await.unwrap();
    }
    // While an update holds the database open, SQLite's -wal/-shm files exist: check them then.
    let during: Arc<std::sync::Mutex<Vec<(String, u32)>>> = Arc::default();
    {
        let (during, path) = (during.clone(), dir.path().to_owned());
        sqlite
            .update(
                "key-0",
                Box::new(move |_current| {
                    Box::pin(async move {
                        for entry in std::fs::read_dir(&path).unwrap() {
                            let entry = entry.unwrap();
                            let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
                            during
                                .lock()
                                .unwrap()
                                .push((entry.file_name().to_string_lossy().into_owned(), mode));
                        }
                        bluebutton_auth::TokenUpdate::Keep
                    })
                }),
            )
            .await
            .unwrap();
    }
    let during = during.lock().unwrap().clone();
    let during_modes: Vec<String> = during
        .iter()
        .map(|(name, mode)| format!("{name}={mode:o}"))
        .collect();
    assert!(
        during.iter().any(|(name, _)| name.ends_with("-wal")),
        "WAL file seen during an update: {during:?}"
    );
    for (name, mode) in &during {
        assert_eq!(mode & 0o077, 0, "{name} is readable by others: {mode:o}");
    }
    let mut modes = Vec::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
        assert!(
            !name.ends_with(".tmp"),
            "no leftover temporary file: {name}"
        );
        assert_eq!(mode & 0o077, 0, "{name} is readable by others: {mode:o}");
        modes.push(format!("{name}={mode:o}"));
    }
    // Encrypted at rest: no byte sequence of either secret in any file (SQLite's WAL included).
    let mut in_clear = Vec::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap_or_default();
        for secret in ["ACCESS-at-rest-9d1c", "REFRESH-at-rest-03fa"] {
            if bytes.windows(secret.len()).any(|w| w == secret.as_bytes()) {
                in_clear.push(format!("{} holds {secret}", path.display()));
            }
        }
    }
    assert!(in_clear.is_empty(), "tokens in clear text: {in_clear:?}");
    assert!(file.load("key-3").await.unwrap().is_some());
    assert!(sqlite.load("key-3").await.unwrap().is_some());
    println!(
        "pluggable TokenStore (memory, file, SQLite); file and SQLite stores with a \
         TokenKey hold no token in clear text (ChaCha20-Poly1305, record key as AAD); files after \
         5 writes each: {modes:?}, during an update {during_modes:?} (none group/world-accessible); \
         OS-keychain store: not provided (the key can come from one via TokenKey::from_bytes)"
    );
}

#[tokio::test]
async fn https_required() {
    let build = |base: &str| {
        Config::builder()
            .client_id(CLIENT_ID)
            .client_secret(CLIENT_SECRET)
            .callback_url("http://localhost:3000/callback")
            .base_url(base)
            .build()
    };
    let insecure = [
        "http://api.bluebutton.cms.gov",
        "http://example.com:8000",
        "http://127.0.0.1.evil.example",
        "http://localhost.evil.example",
        "http://10.0.0.1",
    ];
    for base in insecure {
        let err = build(base).expect_err(base);
        assert!(
            matches!(err, ConfigError::InsecureBaseUrl { .. }),
            "{base}: {err:?}"
        );
    }
    let err = build("ftp://127.0.0.1/").expect_err("ftp");
    assert!(
        matches!(err, ConfigError::UnsupportedScheme { .. }),
        "{err:?}"
    );
    let loopback = [
        "http://localhost:8000",
        "http://127.0.0.1:9",
        "http://[::1]:8000",
    ];
    for base in loopback {
        build(base).expect(base);
    }
    for env in [
        Environment::Test,
        Environment::Sandbox,
        Environment::Production,
    ] {
        let config = Config::builder()
            .client_id(CLIENT_ID)
            .client_secret(CLIENT_SECRET)
            .callback_url("http://localhost:3000/callback")
            .environment(env)
            .build()
            .unwrap();
        let e = config.endpoints();
        for url in [&e.authorize, &e.token, &e.fhir_base, &e.revoke, &e.userinfo] {
            assert_eq!(url.scheme(), "https", "{url}");
        }
    }
    // client_secret_basic: the secret only in the Authorization header of the token POST.
    let server = MockServer::start().await;
    mount_token(&server, 200, token_body("a", "r")).await;
    let config = mock_config(&server);
    let (_, client) = auth_client(&config);
    let request = AuthRequest::new();
    let query = format!("code=c&state={}", request.state().secret());
    client
        .exchange_code(request, &CallbackQuery::parse(&query).unwrap())
        .await
        .unwrap();
    let received = server.received_requests().await.unwrap();
    let post = &received[0];
    let basic = post.headers[http::header::AUTHORIZATION]
        .to_str()
        .unwrap()
        .strip_prefix("Basic ")
        .expect("HTTP Basic");
    let decoded = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(basic)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(decoded, format!("{CLIENT_ID}:{CLIENT_SECRET}"));
    assert!(!post.url.as_str().contains(CLIENT_SECRET));
    assert!(!String::from_utf8_lossy(&post.body).contains(CLIENT_SECRET));
    // No switch to turn certificate checks off, and no accept-anything verifier, anywhere in our
    // sources (rustls's `dangerous()` custom-verifier API itself is fine: the transport uses it
    // to load the platform verifier lazily; tls_certificates_are_verified shows that a
    // self-signed certificate is still refused).
    let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../crates");
    let hits = scan_sources(
        &crates,
        &[
            "danger_accept_invalid",
            "ServerCertVerified::assertion()",
            "NoCertificateVerification",
        ],
    );
    assert!(hits.is_empty(), "{hits:?}");
    println!(
        "{} plain-http non-loopback base URLs refused (InsecureBaseUrl), ftp refused, \
         {} loopback http URLs allowed; TEST/SANDBOX/PRODUCTION endpoints all https; client \
         secret only in the Basic header; no certificate-verification off switch in crates/",
        insecure.len(),
        loopback.len()
    );
}

/// `(file, needle)` for every needle found in the `.rs` files under `dir` (this package excluded).
fn scan_sources(dir: &std::path::Path, needles: &[&str]) -> Vec<(String, String)> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            if path.is_dir() {
                if name != "target" && name != "bluebutton-reliability" {
                    stack.push(path);
                }
            } else if name.ends_with(".rs") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                for needle in needles {
                    if text.contains(needle) {
                        hits.push((path.display().to_string(), (*needle).to_owned()));
                    }
                }
            }
        }
    }
    hits
}

#[tokio::test]
async fn no_insecure_grants() {
    let server = MockServer::start().await;
    mount_token(&server, 200, token_body("ACCESS-g", "REFRESH-g")).await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(bundle(&[], None)))
        .mount(&server)
        .await;
    let config = mock_config(&server);
    let (bb, _) = facade(&config);
    let mut response_types = BTreeSet::new();
    for _ in 0..3 {
        let request = bb.new_auth_request();
        for (k, v) in pairs(&bb.authorize_url(&request)) {
            if k == "response_type" {
                response_types.insert(v);
            }
        }
        let query = format!("code=c&state={}", request.state().secret());
        let beneficiary = bb.exchange_code(request, &query).await.unwrap();
        beneficiary.refresh().await.unwrap();
        beneficiary
            .explanation_of_benefit()
            .first::<bluebutton::Bundle>()
            .await
            .unwrap();
    }
    let grant_types: BTreeSet<String> = forms(&server, TOKEN_PATH)
        .await
        .iter()
        .filter_map(|f| field(f, "grant_type").map(str::to_owned))
        .collect();
    assert_eq!(
        grant_types,
        BTreeSet::from(["authorization_code".to_owned(), "refresh_token".to_owned()])
    );
    assert_eq!(response_types, BTreeSet::from(["code".to_owned()]));
    let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../crates");
    let hits = scan_sources(
        &crates,
        &[
            "exchange_password",
            "exchange_client_credentials",
            "\"password\".to_",
            "ResponseType::new(\"token",
            "response_type\", \"token",
        ],
    );
    assert!(hits.is_empty(), "{hits:?}");
    println!(
        "grant_type values sent over 3 full flows: {grant_types:?}; response_type: \
         {response_types:?}; no password, client_credentials or implicit call in crates/"
    );
}

#[tokio::test]
async fn logout_revokes() {
    let server = MockServer::start().await;
    let config = mock_config(&server);
    let (_, client) = auth_client(&config);
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    let manager = TokenManager::new(client.clone(), store.clone());
    let token = tokens::stored(
        "ACCESS-logout",
        "REFRESH-logout",
        PATIENT,
        ALL_SCOPES,
        OffsetDateTime::now_utc() + time::Duration::HOUR,
    );
    // Revocation works: the server is told, the token is gone.
    Mock::given(method("POST"))
        .and(path("/v2/o/revoke/"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    manager.insert("k", &token).await.unwrap();
    manager.disconnect(&client, "k").await.expect("revoked");
    assert!(store.load("k").await.unwrap().is_none());
    let revoke_forms = forms(&server, "/v2/o/revoke/").await;
    assert_eq!(revoke_forms.len(), 1);
    assert!(field(&revoke_forms[0], "token").is_some());
    // Revocation fails: the local token is purged anyway and the error returned.
    server.reset().await;
    Mock::given(method("POST"))
        .and(path("/v2/o/revoke/"))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_json(serde_json::json!({"error": "Server Error (500)"})),
        )
        .mount(&server)
        .await;
    manager.insert("k", &token).await.unwrap();
    let err = manager
        .disconnect(&client, "k")
        .await
        .expect_err("revocation failed");
    assert!(store.load("k").await.unwrap().is_none(), "purged anyway");
    println!(
        "TokenManager::disconnect: revocation POSTed to /o/revoke/ (token in the body) \
         and the token removed; with a failing server ({err}) the token is removed anyway"
    );
}

#[tokio::test]
async fn logout_revokes_facade() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/o/revoke/"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let config = mock_config(&server);
    let (bb, store) = facade(&config);
    let token = tokens::stored(
        "ACCESS-logout-2",
        "REFRESH-logout-2",
        PATIENT,
        ALL_SCOPES,
        OffsetDateTime::now_utc() + time::Duration::HOUR,
    );
    let beneficiary = bb.insert_token(PATIENT, &token).await.unwrap();
    let result = beneficiary.revoke().await;
    let purged = store.load(PATIENT).await.unwrap().is_none();
    assert!(
        purged,
        "Beneficiary::revoke must purge the local token even when revocation fails ({result:?})"
    );
    assert!(result.is_err(), "the revocation failure is reported");
    println!("logout_revokes (facade): Beneficiary::revoke with a failing server: purged={purged}");
}

#[tokio::test]
async fn revoke_token_is_not_sent_in_url() {
    // Companion of logout_revokes: revoke bodies carry the token, URLs never.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let config = mock_config(&server);
    let (_, client) = auth_client(&config);
    let token = tokens::stored(
        "ACCESS-rv",
        "REFRESH-rv",
        PATIENT,
        ALL_SCOPES,
        OffsetDateTime::now_utc() + time::Duration::HOUR,
    );
    client
        .revoke_token(TokenRef::Access(token.access_token()))
        .await
        .unwrap();
    client
        .revoke(TokenRef::Refresh(token.refresh_token().unwrap()))
        .await
        .unwrap();
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 2);
    for r in &received {
        assert!(!r.url.as_str().contains("ACCESS-rv") && !r.url.as_str().contains("REFRESH-rv"));
        assert!(r.headers.contains_key(http::header::AUTHORIZATION));
    }
}

/// Check 17, behaviourally: the default client refuses a self-signed certificate (a test-only
/// key and certificate for 127.0.0.1 in `tests/data`), before any HTTP byte is sent.
#[tokio::test]
async fn tls_certificates_are_verified() {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    use std::io::Read as _;

    let cert =
        CertificateDer::from(include_bytes!("../data/self-signed-localhost.cert.der").to_vec());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        include_bytes!("../data/self-signed-localhost.key.der").to_vec(),
    ));
    let server_config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert], key)
    .unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        // One connection: did an HTTP request make it through the handshake?
        let (tcp, _) = listener.accept().ok()?;
        tcp.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .ok()?;
        let connection = rustls::ServerConnection::new(Arc::new(server_config)).ok()?;
        let mut tls = rustls::StreamOwned::new(connection, tcp);
        let mut buf = [0u8; 256];
        match tls.read(&mut buf) {
            Ok(n) if n > 0 => Some(String::from_utf8_lossy(&buf[..n]).into_owned()),
            _ => None,
        }
    });
    let config = Config::builder()
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .callback_url("http://localhost:3000/callback")
        .base_url(format!("https://127.0.0.1:{port}"))
        .build()
        .expect("https loopback is allowed");
    let (transport, _) = auth_client(&config);
    let url = config.endpoints().fhir_base.join("Patient/").unwrap();
    let err = transport
        .send(
            Request::get(url)
                .bearer("BEARER-never-over-bad-tls")
                .retry(false),
        )
        .await
        .expect_err("a self-signed certificate is refused");
    let received = server.join().expect("server thread");
    assert!(
        received.is_none(),
        "an HTTP request got through: {received:?}"
    );
    let chain = format!("{err:?}");
    assert!(
        matches!(err, TransportError::Connect { .. })
            && chain.to_lowercase().contains("certificate"),
        "{chain}"
    );
    println!(
        "https_required (TLS): a self-signed certificate on https://127.0.0.1:{port} was refused during \
         the handshake ({err}); 0 HTTP bytes reached the server"
    );
}
