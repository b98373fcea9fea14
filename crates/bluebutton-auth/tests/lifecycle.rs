//! The token lifecycle under real deployments: tokens bound to their issuer, one-time apps,
//! refreshes that fail on the server after rotating, the lifetime-bounded skew, and the
//! per-attempt bearer with bounded replays after 401 `invalid_token`.

mod common;

use std::sync::Arc;

use bluebutton_auth::{
    AuthError, Issuer, MemoryStore, ReauthReason, RefreshStatus, TokenManager, TokenStore,
};
use bluebutton_config::ApiVersion;
use bluebutton_transport::{Request, Transport, TransportError};
use common::*;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const INVALID_TOKEN: &str =
    r#"Bearer realm="api",error="invalid_token",error_description="The access token is invalid.""#;

async fn posts_to(server: &MockServer, to: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == to)
        .count()
}

async fn mount_refresh(server: &MockServer, status: u16, body: serde_json::Value) {
    Mock::given(method("POST"))
        .and(path("/v2/o/token/"))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(server)
        .await;
}

fn manager(server: &MockServer) -> (TokenManager, Arc<dyn TokenStore>) {
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    (
        TokenManager::new(client(&server.uri()), Arc::clone(&store)),
        store,
    )
}

fn own_issuer(server: &MockServer) -> Issuer {
    Issuer::from_config(&config(&server.uri()))
}

#[tokio::test]
async fn another_issuers_token_is_never_sent_refreshed_or_removed() {
    let server = MockServer::start().await;
    mount_refresh(&server, 200, token_body("AT-new", "RT-new")).await;
    let (manager, store) = manager(&server);
    let foreign = Issuer::new("http://127.0.0.1:9", CLIENT_ID, ApiVersion::V2);
    let other_version = Issuer::new(&server.uri(), CLIENT_ID, ApiVersion::V3);
    for (key, issuer) in [("a", foreign), ("b", other_version)] {
        store
            .save(
                key,
                &token_expiring("AT", "RT", -30).with_issuer(issuer.clone()),
            )
            .await
            .unwrap();
        let err = manager.access_token(key).await.unwrap_err();
        assert!(
            matches!(&err, AuthError::WrongIssuer { token_issuer, .. } if **token_issuer == issuer),
            "{err}"
        );
        let text = err.to_string();
        assert!(text.contains(&issuer.to_string()) && text.contains("nothing was sent"));
        assert!(matches!(
            manager.remove(key).await,
            Err(AuthError::WrongIssuer { .. })
        ));
        assert!(matches!(
            manager
                .refresh_rejected(key, &oauth2::AccessToken::new("AT".into()))
                .await,
            Err(AuthError::WrongIssuer { .. })
        ));
        assert!(store.load(key).await.unwrap().is_some(), "left as it was");
    }
    assert_eq!(
        posts_to(&server, "/v2/o/token/").await,
        0,
        "nothing was sent"
    );
}

#[tokio::test]
async fn a_token_saved_without_issuer_takes_the_first_successful_clients() {
    let server = MockServer::start().await;
    mount_refresh(&server, 200, token_body("AT-new", "RT-new")).await;
    let (manager, store) = manager(&server);
    store
        .save("legacy", &token_expiring("AT", "RT", 3000))
        .await
        .unwrap();
    let token = manager.token("legacy").await.unwrap();
    assert_eq!(token.issuer(), None, "usable before any success");
    manager.adopt_issuer("legacy", &token).await.unwrap();
    let stored = store.load("legacy").await.unwrap().unwrap();
    assert_eq!(stored.issuer(), Some(&own_issuer(&server)));
    // A refresh also records the issuer.
    store
        .save("old", &token_expiring("AT2", "RT2", -1))
        .await
        .unwrap();
    let refreshed = manager.token("old").await.unwrap();
    assert_eq!(refreshed.issuer(), Some(&own_issuer(&server)));
}

#[tokio::test]
async fn a_one_time_token_is_kept_until_it_expires() {
    let server = MockServer::start().await;
    mount_refresh(
        &server,
        403,
        serde_json::json!({"status_code": 403, "error": "invalid_client",
            "error_description": "Your application is not allowed to refresh tokens. To refresh Medicare data, end user must re-authenticate and consent to share their data."}),
    )
    .await;
    let (manager, store) = manager(&server);
    // Due (inside the 60 s skew) but valid for 30 s more.
    store
        .save("k", &token_expiring("AT", "RT", 30))
        .await
        .unwrap();
    for _ in 0..3 {
        assert_eq!(manager.access_token("k").await.unwrap().secret(), "AT");
    }
    assert_eq!(
        posts_to(&server, "/v2/o/token/").await,
        1,
        "refused once, never asked again"
    );
    let kept = store.load("k").await.unwrap().unwrap();
    assert_eq!(kept.refresh_status(), RefreshStatus::OneTimeAccess);
    // Once its access token has expired: re-authorization, for the one-time reason.
    store
        .save(
            "k",
            &token_expiring("AT", "RT", -1).with_refresh_status_for_test(),
        )
        .await
        .unwrap();
    let err = manager.access_token("k").await.unwrap_err();
    assert!(matches!(
        &err,
        AuthError::ReauthorizationRequired {
            reason: ReauthReason::OneTimeAccess,
            ..
        }
    ));
    assert!(err.to_string().contains("one-time access"), "{err}");
    assert_eq!(posts_to(&server, "/v2/o/token/").await, 1);
}

/// A stored one-time token, as the manager marks it.
trait OneTime {
    fn with_refresh_status_for_test(self) -> Self;
}

impl OneTime for bluebutton_auth::AuthorizationToken {
    fn with_refresh_status_for_test(self) -> Self {
        let mut json = serde_json::to_value(&self).unwrap();
        json["refresh_status"] = "one_time_access".into();
        serde_json::from_value(json).unwrap()
    }
}

#[tokio::test]
async fn a_refresh_refused_after_a_server_error_says_why() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/o/token/"))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_json(serde_json::json!({"error": "Server Error (500)"})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    mount_refresh(&server, 400, serde_json::json!({"error": "invalid_grant"})).await;
    let (manager, store) = manager(&server);
    store
        .save("k", &token_expiring("AT", "RT", -1))
        .await
        .unwrap();
    let first = manager.access_token("k").await.unwrap_err();
    assert!(matches!(first, AuthError::UnexpectedStatus { status, .. } if status.as_u16() == 500));
    let kept = store.load("k").await.unwrap().unwrap();
    assert_eq!(kept.refresh_token().unwrap().secret(), "RT", "kept");
    assert_eq!(kept.refresh_status(), RefreshStatus::Unconfirmed);
    let second = manager.access_token("k").await.unwrap_err();
    assert!(
        matches!(
            &second,
            AuthError::ReauthorizationRequired {
                reason: ReauthReason::EarlierRefreshFailed,
                ..
            }
        ),
        "{second}"
    );
    assert!(
        second
            .to_string()
            .contains("earlier refresh failed on the server")
    );
    assert_eq!(posts_to(&server, "/v2/o/token/").await, 2);
}

#[tokio::test]
async fn a_short_lived_token_is_not_refreshed_before_every_request() {
    let server = MockServer::start().await;
    mount_refresh(&server, 200, token_body("AT-new", "RT-new")).await;
    let (manager, store) = manager(&server);
    let body = serde_json::json!({"access_token": "AT", "refresh_token": "RT", "expires_in": 30,
        "token_type": "Bearer"});
    let token = bluebutton_auth::AuthorizationToken::from_response_json(
        body.to_string().as_bytes(),
        time::OffsetDateTime::now_utc(),
    )
    .unwrap();
    store.save("k", &token).await.unwrap();
    // 30 s lifetime, 60 s skew: effective skew 15 s, so a fresh token is used as is.
    for _ in 0..10 {
        assert_eq!(manager.access_token("k").await.unwrap().secret(), "AT");
    }
    assert_eq!(posts_to(&server, "/v2/o/token/").await, 0);
}

/// A token endpoint that issues `AT-0`/`RT-0`, then `AT-1`/`RT-1`, and so on.
async fn mount_rotating_refresh(server: &MockServer) {
    let issued = std::sync::atomic::AtomicUsize::new(0);
    Mock::given(method("POST"))
        .and(path("/v2/o/token/"))
        .respond_with(move |_: &wiremock::Request| {
            let n = issued.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            ResponseTemplate::new(200)
                .set_body_json(token_body(&format!("AT-{n}"), &format!("RT-{n}")))
        })
        .mount(server)
        .await;
}

/// Serves `/v2/fhir/Patient/` with 200 for `good`, 401 `invalid_token` otherwise.
async fn mount_data(server: &MockServer, good: &str) {
    Mock::given(method("GET"))
        .and(path("/v2/fhir/Patient/"))
        .and(header("authorization", format!("Bearer {good}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/fhir/Patient/"))
        .respond_with(
            ResponseTemplate::new(401)
                .insert_header("www-authenticate", INVALID_TOKEN)
                .set_body_json(
                    serde_json::json!({"detail": "Authentication credentials were not provided."}),
                ),
        )
        .mount(server)
        .await;
}

fn data_request(server: &MockServer) -> Request {
    Request::get(url::Url::parse(&format!("{}/v2/fhir/Patient/", server.uri())).unwrap())
}

/// A store whose first load returns `stale` (as a request that started before another process
/// refreshed), and the stored token afterwards.
struct StaleOnce {
    inner: MemoryStore,
    stale: std::sync::Mutex<Option<bluebutton_auth::AuthorizationToken>>,
}

impl TokenStore for StaleOnce {
    fn load<'a>(
        &'a self,
        key: &'a str,
    ) -> futures_util::future::BoxFuture<
        'a,
        Result<Option<bluebutton_auth::AuthorizationToken>, AuthError>,
    > {
        let stale = self.stale.lock().unwrap().take();
        match stale {
            Some(token) => Box::pin(async move { Ok(Some(token)) }),
            None => self.inner.load(key),
        }
    }
    fn save<'a>(
        &'a self,
        key: &'a str,
        token: &'a bluebutton_auth::AuthorizationToken,
    ) -> futures_util::future::BoxFuture<'a, Result<(), AuthError>> {
        self.inner.save(key, token)
    }
    fn remove<'a>(
        &'a self,
        key: &'a str,
    ) -> futures_util::future::BoxFuture<'a, Result<(), AuthError>> {
        self.inner.remove(key)
    }
    fn update<'a>(
        &'a self,
        key: &'a str,
        update: bluebutton_auth::UpdateFn<'a>,
    ) -> futures_util::future::BoxFuture<'a, Result<(), AuthError>> {
        self.inner.update(key, update)
    }
    fn keys(&self) -> futures_util::future::BoxFuture<'_, Result<Vec<String>, AuthError>> {
        self.inner.keys()
    }
}

#[tokio::test]
async fn a_token_replaced_elsewhere_is_replayed_without_a_refresh() {
    let server = MockServer::start().await;
    mount_refresh(&server, 200, token_body("AT-refreshed", "RT-refreshed")).await;
    mount_data(&server, "AT-newer").await;
    let store = Arc::new(StaleOnce {
        inner: MemoryStore::new(),
        stale: std::sync::Mutex::new(Some(token_expiring("AT-old", "RT-old", 3000))),
    });
    store
        .save("k", &token_expiring("AT-newer", "RT-newer", 3000))
        .await
        .unwrap();
    let manager = TokenManager::new(client(&server.uri()), store.clone());
    let transport = Transport::new(&config(&server.uri())).unwrap();
    let bearer = manager.bearer("k");
    let response = transport
        .send_with_bearer(data_request(&server), &bearer)
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(posts_to(&server, "/v2/o/token/").await, 0, "no refresh");
    assert_eq!(
        posts_to(&server, "/v2/fhir/Patient/").await,
        2,
        "one replay"
    );
}

#[tokio::test]
async fn a_refused_current_token_is_refreshed_exactly_once() {
    let server = MockServer::start().await;
    mount_refresh(&server, 200, token_body("AT-refreshed", "RT-refreshed")).await;
    mount_data(&server, "AT-refreshed").await;
    let (manager, store) = manager(&server);
    store
        .save("k", &token_expiring("AT-revoked", "RT", 3000))
        .await
        .unwrap();
    let transport = Transport::new(&config(&server.uri())).unwrap();
    let bearer = manager.bearer("k");
    let response = transport
        .send_with_bearer(data_request(&server), &bearer)
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(posts_to(&server, "/v2/o/token/").await, 1);
    assert_eq!(posts_to(&server, "/v2/fhir/Patient/").await, 2);
}

#[tokio::test]
async fn replays_are_bounded_when_every_token_is_refused() {
    let server = MockServer::start().await;
    mount_rotating_refresh(&server).await;
    mount_data(&server, "never").await;
    let (manager, store) = manager(&server);
    store
        .save("k", &token_expiring("AT", "RT", 3000))
        .await
        .unwrap();
    let transport = Transport::new(&config(&server.uri())).unwrap();
    let bearer = manager.bearer("k");
    let err = transport
        .send_with_bearer(data_request(&server), &bearer)
        .await
        .unwrap_err();
    assert!(err.is_invalid_token(), "{err}");
    assert_eq!(
        posts_to(&server, "/v2/fhir/Patient/").await,
        2,
        "one replay: the refreshed token is refused too, and nothing newer is stored"
    );
    assert_eq!(
        posts_to(&server, "/v2/o/token/").await,
        1,
        "one refresh per request"
    );
}

/// A source that always has "another" token.
struct AlwaysAnother;

impl bluebutton_transport::BearerSource for AlwaysAnother {
    fn bearer(
        &self,
    ) -> bluebutton_transport::BoxFuture<
        '_,
        Result<zeroize::Zeroizing<String>, bluebutton_transport::CredentialError>,
    > {
        Box::pin(async { Ok(zeroize::Zeroizing::new("AT-any".to_owned())) })
    }

    fn rejected<'a>(
        &'a self,
        _token: &'a str,
        _challenge: &'a bluebutton_transport::WwwAuthenticate,
    ) -> bluebutton_transport::BoxFuture<'a, Result<bool, bluebutton_transport::CredentialError>>
    {
        Box::pin(async { Ok(true) })
    }
}

#[tokio::test]
async fn the_transport_bounds_replays_whatever_the_source_says() {
    let server = MockServer::start().await;
    mount_data(&server, "never").await;
    let transport = Transport::new(&config(&server.uri())).unwrap();
    let err = transport
        .send_with_bearer(data_request(&server), &AlwaysAnother)
        .await
        .unwrap_err();
    assert!(err.is_invalid_token(), "{err}");
    assert_eq!(
        posts_to(&server, "/v2/fhir/Patient/").await,
        1 + bluebutton_transport::MAX_REPLAYS as usize
    );
}

#[tokio::test]
async fn a_bearer_failure_is_the_managers_error_and_sends_nothing() {
    let server = MockServer::start().await;
    mount_data(&server, "AT").await;
    let (manager, _store) = manager(&server);
    let transport = Transport::new(&config(&server.uri())).unwrap();
    let bearer = manager.bearer("missing");
    let err = transport
        .send_with_bearer(data_request(&server), &bearer)
        .await
        .unwrap_err();
    let TransportError::Credentials { source, .. } = err else {
        panic!("{err}")
    };
    assert!(matches!(
        source.downcast_ref::<AuthError>(),
        Some(AuthError::TokenNotFound { .. })
    ));
    assert_eq!(posts_to(&server, "/v2/fhir/Patient/").await, 0);
}

#[tokio::test]
async fn a_token_that_expired_on_the_way_is_refreshed_again_within_the_replay_bound() {
    let server = MockServer::start().await;
    mount_rotating_refresh(&server).await;
    Mock::given(method("GET"))
        .and(path("/v2/fhir/Patient/"))
        .and(header("authorization", "Bearer AT-1"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/fhir/Patient/"))
        .respond_with(ResponseTemplate::new(401).insert_header(
            "www-authenticate",
            r#"Bearer realm="api",error="invalid_token",error_description="The access token has expired.""#,
        ))
        .mount(&server)
        .await;
    let (manager, store) = manager(&server);
    store
        .save("k", &token_expiring("AT", "RT", 3000))
        .await
        .unwrap();
    let transport = Transport::new(&config(&server.uri())).unwrap();
    let bearer = manager.bearer("k");
    let response = transport
        .send_with_bearer(data_request(&server), &bearer)
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        posts_to(&server, "/v2/o/token/").await,
        2,
        "one refresh per expired token"
    );
    assert_eq!(
        posts_to(&server, "/v2/fhir/Patient/").await,
        3,
        "two replays"
    );
}
