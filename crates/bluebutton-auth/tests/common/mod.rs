//! Helpers shared by the integration tests: a config pointing at a mock server, token bodies.
#![allow(dead_code, unreachable_pub)]

use bluebutton_auth::{AuthClient, AuthorizationToken};
use bluebutton_config::Config;
use bluebutton_transport::Transport;
use time::OffsetDateTime;

pub const CLIENT_ID: &str = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCd";
pub const CLIENT_SECRET: &str = "client-secret-9f8e7d6c5b4a";
pub const CALLBACK: &str = "https://app.example.org/callback?x=1";

pub fn config(base_url: &str) -> Config {
    Config::builder()
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .callback_url(CALLBACK)
        .base_url(base_url)
        .retry_total(0u32)
        .build()
        .expect("test config")
}

pub fn client(base_url: &str) -> AuthClient {
    let config = config(base_url);
    AuthClient::new(&config, Transport::new(&config).expect("transport"))
}

/// The real server's token reply with the given tokens.
pub fn token_body(access: &str, refresh: &str) -> serde_json::Value {
    serde_json::json!({
        "access_token": access,
        "expires_in": 3600,
        "token_type": "Bearer",
        "scope": "patient/Coverage.rs patient/ExplanationOfBenefit.rs profile patient/Patient.rs openid",
        "refresh_token": refresh,
        "patient": "-20140000008325",
        "access_grant_expiration": "2027-12-28T14:40:19Z"
    })
}

/// A token that expired `ago_secs` seconds ago (or expires in `-ago_secs`).
pub fn token_expiring(access: &str, refresh: &str, in_secs: i64) -> AuthorizationToken {
    let now = OffsetDateTime::now_utc();
    let body = token_body(access, refresh).to_string();
    let received = now + time::Duration::seconds(in_secs - 3600);
    AuthorizationToken::from_response_json(body.as_bytes(), received).expect("token")
}

/// Basic header for the test client.
pub fn basic_header() -> String {
    use base64::Engine as _;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    )
}
