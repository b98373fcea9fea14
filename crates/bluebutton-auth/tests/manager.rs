//! TokenManager: single flight, refresh after 401, re-authorization, failures that keep the
//! token, the issued callback.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bluebutton_auth::{AuthError, FileStore, MemoryStore, TokenManager, TokenStore};
use common::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn mount_refresh(server: &MockServer, status: u16, body: serde_json::Value) {
    Mock::given(method("POST"))
        .and(path("/v2/o/token/"))
        .respond_with(
            ResponseTemplate::new(status)
                .set_body_json(body)
                // Keep the first refresh in flight while the other tasks pile up.
                .set_delay(Duration::from_millis(200)),
        )
        .mount(server)
        .await;
}

async fn token_posts(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == "/v2/o/token/")
        .count()
}

async fn single_flight_with(store: Arc<dyn TokenStore>) {
    let server = MockServer::start().await;
    mount_refresh(&server, 200, token_body("AT-new", "RT-new")).await;
    let issued = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&issued);
    let manager = Arc::new(
        TokenManager::new(client(&server.uri()), Arc::clone(&store)).on_token_issued(
            move |_, _| {
                counter.fetch_add(1, Ordering::SeqCst);
            },
        ),
    );
    store
        .save("p1", &token_expiring("AT-old", "RT-old", -30))
        .await
        .unwrap();
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let manager = Arc::clone(&manager);
            tokio::spawn(async move { manager.access_token("p1").await })
        })
        .collect();
    for task in tasks {
        let access = task.await.unwrap().unwrap();
        assert_eq!(access.secret(), "AT-new");
    }
    assert_eq!(token_posts(&server).await, 1, "exactly one refresh POST");
    assert_eq!(issued.load(Ordering::SeqCst), 1);
    let stored = store.load("p1").await.unwrap().unwrap();
    assert_eq!(stored.refresh_token().unwrap().secret(), "RT-new");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_tasks_one_refresh_memory() {
    single_flight_with(Arc::new(MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_tasks_one_refresh_file() {
    let dir = tempfile::tempdir().unwrap();
    single_flight_with(Arc::new(FileStore::new(dir.path().join("tokens.json")))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_tasks_one_refresh_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = bluebutton_auth::SqliteStore::open(dir.path().join("t.sqlite3"))
        .await
        .unwrap();
    single_flight_with(Arc::new(store)).await;
}

#[tokio::test]
async fn valid_token_is_not_refreshed_and_skew_triggers_refresh() {
    let server = MockServer::start().await;
    mount_refresh(&server, 200, token_body("AT-new", "RT-new")).await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    let manager = TokenManager::new(client(&server.uri()), Arc::clone(&store));
    store
        .save("fresh", &token_expiring("AT-a", "RT-a", 3000))
        .await
        .unwrap();
    store
        .save("soon", &token_expiring("AT-b", "RT-b", 30))
        .await
        .unwrap();
    assert_eq!(
        manager.access_token("fresh").await.unwrap().secret(),
        "AT-a"
    );
    assert_eq!(token_posts(&server).await, 0);
    // Expires in 30 s, inside the default 60 s skew: refreshed ahead of time.
    assert_eq!(
        manager.access_token("soon").await.unwrap().secret(),
        "AT-new"
    );
    assert_eq!(token_posts(&server).await, 1);
    assert!(matches!(
        manager.access_token("missing").await,
        Err(AuthError::TokenNotFound { .. })
    ));
}

#[tokio::test]
async fn refresh_off_returns_typed_expired() {
    let server = MockServer::start().await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    let manager =
        TokenManager::new(client(&server.uri()), Arc::clone(&store)).with_refresh_on_expire(false);
    store
        .save("k", &token_expiring("AT", "RT", -5))
        .await
        .unwrap();
    assert!(matches!(
        manager.token("k").await,
        Err(AuthError::TokenExpired { .. })
    ));
    assert_eq!(token_posts(&server).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rejected_token_refreshes_once_for_many_callers() {
    let server = MockServer::start().await;
    mount_refresh(&server, 200, token_body("AT-new", "RT-new")).await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    let manager = Arc::new(TokenManager::new(client(&server.uri()), Arc::clone(&store)));
    // Not expired locally, but the server revoked it (401 invalid_token).
    let token = token_expiring("AT-old", "RT-old", 3000);
    store.save("k", &token).await.unwrap();
    let rejected = token.access_token().clone();
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (manager, rejected) = (Arc::clone(&manager), rejected.clone());
            tokio::spawn(async move { manager.refresh_rejected("k", &rejected).await })
        })
        .collect();
    for task in tasks {
        assert_eq!(
            task.await.unwrap().unwrap().access_token().secret(),
            "AT-new"
        );
    }
    assert_eq!(token_posts(&server).await, 1);
    // Rejecting an old token again does not refresh again: the store already moved on.
    let again = manager.refresh_rejected("k", &rejected).await.unwrap();
    assert_eq!(again.access_token().secret(), "AT-new");
    assert_eq!(token_posts(&server).await, 1);
}

#[tokio::test]
async fn reauthorization_removes_the_token_and_never_retries() {
    let server = MockServer::start().await;
    mount_refresh(
        &server,
        403,
        serde_json::json!({"status_code": 403, "error": "invalid_grant",
            "error_description": "User access cannot be found. To refresh Medicare data, end user must re-authenticate and consent to share their data."}),
    )
    .await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    let manager = TokenManager::new(client(&server.uri()), Arc::clone(&store));
    store
        .save("k", &token_expiring("AT", "RT", -5))
        .await
        .unwrap();
    let err = manager.access_token("k").await.unwrap_err();
    assert!(matches!(
        &err,
        AuthError::ReauthorizationRequired { status, .. } if status.as_u16() == 403
    ));
    assert!(store.load("k").await.unwrap().is_none(), "token removed");
    assert!(matches!(
        manager.access_token("k").await,
        Err(AuthError::TokenNotFound { .. })
    ));
    assert_eq!(token_posts(&server).await, 1, "no second refresh");
}

#[tokio::test]
async fn server_failure_keeps_the_stored_token() {
    let server = MockServer::start().await;
    mount_refresh(
        &server,
        503,
        serde_json::json!({"detail": "Service temporarily unavailable, try again later."}),
    )
    .await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    let manager = TokenManager::new(client(&server.uri()), Arc::clone(&store));
    // Inside the skew but still valid: the failed early refresh falls back to it.
    store
        .save("soon", &token_expiring("AT", "RT", 30))
        .await
        .unwrap();
    let access = manager.access_token("soon").await.unwrap();
    assert_eq!(access.secret(), "AT");
    // Already expired: the failure is reported.
    store
        .save("gone", &token_expiring("AT2", "RT2", -30))
        .await
        .unwrap();
    let err = manager.access_token("gone").await.unwrap_err();
    assert!(matches!(err, AuthError::UnexpectedStatus { status, .. } if status.as_u16() == 503));
    assert_eq!(token_posts(&server).await, 2);
    // Neither stored token was touched.
    for (key, at, rt) in [("soon", "AT", "RT"), ("gone", "AT2", "RT2")] {
        let kept = store.load(key).await.unwrap().unwrap();
        assert_eq!(kept.access_token().secret(), at);
        assert_eq!(kept.refresh_token().unwrap().secret(), rt);
    }
}

#[tokio::test]
async fn token_posts_are_never_retried_even_with_retry_enabled() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let config = bluebutton_config::Config::builder()
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .callback_url(CALLBACK)
        .base_url(server.uri())
        .retry_total(3u32)
        .retry_backoff_factor(Duration::ZERO)
        .build()
        .unwrap();
    let client = bluebutton_auth::AuthClient::new(
        &config,
        bluebutton_transport::Transport::new(&config).unwrap(),
    );
    assert!(
        client
            .refresh(&token_expiring("AT", "RT", -1))
            .await
            .is_err()
    );
    let request = bluebutton_auth::AuthRequest::new();
    let cb = bluebutton_auth::CallbackQuery::parse(&format!(
        "code=c&state={}",
        request.state().secret()
    ))
    .unwrap();
    assert!(client.exchange_code(request, &cb).await.is_err());
    assert_eq!(token_posts(&server).await, 2);
}

#[tokio::test]
async fn token_without_refresh_token_is_a_typed_error_without_a_request() {
    let server = MockServer::start().await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    let manager = TokenManager::new(client(&server.uri()), Arc::clone(&store));
    let body = serde_json::json!({"access_token": "AT", "expires_in": 0, "token_type": "bearer"});
    let token = bluebutton_auth::AuthorizationToken::from_response_json(
        body.to_string().as_bytes(),
        time::OffsetDateTime::now_utc() - time::Duration::seconds(10),
    )
    .unwrap();
    assert!(token.refresh_token().is_none());
    store.save("app", &token).await.unwrap();
    assert!(matches!(
        manager.access_token("app").await,
        Err(AuthError::NoRefreshToken { key }) if key == "app"
    ));
    assert_eq!(token_posts(&server).await, 0);
    assert!(store.load("app").await.unwrap().is_some(), "kept");
}

#[tokio::test]
async fn disconnect_revokes_the_grant_and_purges_even_on_failure() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/o/revoke/"))
        .and(wiremock::matchers::body_string_contains("token=RT-1"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/o/revoke/"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let client = client(&server.uri());
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    let manager = TokenManager::new(client.clone(), Arc::clone(&store));
    store
        .save("ok", &token_expiring("AT-1", "RT-1", 3000))
        .await
        .unwrap();
    store
        .save("fails", &token_expiring("AT-2", "RT-2", 3000))
        .await
        .unwrap();
    manager.disconnect(&client, "ok").await.unwrap();
    assert!(store.load("ok").await.unwrap().is_none());
    let err = manager.disconnect(&client, "fails").await.unwrap_err();
    assert!(matches!(err, AuthError::UnexpectedStatus { status, .. } if status.as_u16() == 503));
    assert!(
        store.load("fails").await.unwrap().is_none(),
        "purged anyway"
    );
    manager.disconnect(&client, "never-stored").await.unwrap();
}
