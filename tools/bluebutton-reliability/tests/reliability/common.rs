//! Helpers shared by the modules: configs and token replies for wiremock servers, and
//! inspecting what a mock server received.

use std::sync::Arc;
use std::time::Duration;

use bluebutton::{BlueButton, MemoryStore, TokenStore};
use bluebutton_auth::AuthClient;
use bluebutton_config::Config;
use bluebutton_reliability::sandbox::fast_retry;
use bluebutton_transport::Transport;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub(crate) const CLIENT_ID: &str = "reliability-client-id";
pub(crate) const CLIENT_SECRET: &str = "CLIENT-SECRET-rel-5e1f0a";
pub(crate) const CALLBACK: &str = "http://localhost:3000/callback";
pub(crate) const PATIENT: &str = "-20140000008325";
pub(crate) const ALL_SCOPES: &str =
    "patient/Coverage.rs patient/ExplanationOfBenefit.rs profile patient/Patient.rs openid";

/// A config for a wiremock server standing in for the API (fast retries).
pub(crate) fn mock_config(server: &MockServer) -> Config {
    Config::builder()
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .callback_url(CALLBACK)
        .base_url(server.uri())
        .retry_settings(fast_retry(3, Duration::from_millis(10)))
        .build()
        .expect("a valid config")
}

/// Transport and OAuth client for `config`.
pub(crate) fn auth_client(config: &Config) -> (Transport, AuthClient) {
    let transport = Transport::new(config).expect("a transport");
    let client = AuthClient::new(config, transport.clone());
    (transport, client)
}

/// A facade client for `config` over a fresh memory store.
pub(crate) fn facade(config: &Config) -> (BlueButton, Arc<MemoryStore>) {
    let store = Arc::new(MemoryStore::new());
    let bb = BlueButton::builder(config.clone())
        .token_store(store.clone() as Arc<dyn TokenStore>)
        .build()
        .expect("a client");
    (bb, store)
}

/// A token endpoint reply (as the real server's) with these secrets.
pub(crate) fn token_body(access: &str, refresh: &str) -> serde_json::Value {
    serde_json::json!({
        "access_token": access,
        "expires_in": 3600,
        "token_type": "Bearer",
        "scope": ALL_SCOPES,
        "refresh_token": refresh,
        "patient": PATIENT,
        "access_grant_expiration": "2027-12-28T14:40:19Z",
    })
}

/// Mounts `POST /v2/o/token/` answering `status` with `body` (JSON).
pub(crate) async fn mount_token(server: &MockServer, status: u16, body: serde_json::Value) {
    Mock::given(method("POST"))
        .and(path("/v2/o/token/"))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(server)
        .await;
}

/// How many requests `server` received with this method and path.
pub(crate) async fn count(server: &MockServer, verb: &str, route: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.method.as_str() == verb && r.url.path() == route)
        .count()
}

/// The form fields of every request `server` received on `route`.
pub(crate) async fn forms(server: &MockServer, route: &str) -> Vec<Vec<(String, String)>> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == route)
        .map(|r| {
            url::form_urlencoded::parse(&r.body)
                .into_owned()
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The query pairs of `url`, decoded.
pub(crate) fn pairs(url: &url::Url) -> Vec<(String, String)> {
    url.query_pairs().into_owned().collect()
}

/// The value of `name` in form or query pairs (the first one).
pub(crate) fn field<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A FHIR searchset Bundle with `entries` EOB ids and an optional `next` link.
pub(crate) fn bundle(entries: &[&str], next: Option<&str>) -> serde_json::Value {
    let mut links = vec![serde_json::json!({"relation": "self", "url": "http://self.invalid/"})];
    if let Some(next) = next {
        links.push(serde_json::json!({"relation": "next", "url": next}));
    }
    serde_json::json!({
        "resourceType": "Bundle",
        "type": "searchset",
        "total": entries.len(),
        "link": links,
        "entry": entries.iter().map(|id| serde_json::json!({
            "resource": {"resourceType": "ExplanationOfBenefit", "id": id, "status": "active"}
        })).collect::<Vec<_>>(),
    })
}
