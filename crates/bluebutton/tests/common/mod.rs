//! Helpers shared by the integration tests: a sandbox, a config pointing at it, and the
//! authorize → auto-approve → exchange dance.
#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use bluebutton::{ApiVersion, AuthorizationToken, Beneficiary, BlueButton, Config};
use bluebutton_sandbox::{SandboxBuilder, SandboxHandle};
use bluebutton_transport::Request;

/// Starts a sandbox.
pub async fn start(builder: SandboxBuilder) -> SandboxHandle {
    builder.start().await.expect("the sandbox starts")
}

/// A config for `sandbox`, with fast retries (10 ms backoff, Retry-After capped at 10 ms).
pub fn config(sandbox: &SandboxHandle, version: ApiVersion) -> Config {
    Config::builder()
        .client_id(sandbox.client_id())
        .client_secret(sandbox.client_secret())
        .callback_url(sandbox.redirect_uri().as_str())
        .base_url(sandbox.base_url().as_str())
        .version(version)
        .retry_backoff_factor(Duration::from_millis(10))
        .retry_max_retry_after(Duration::from_millis(10))
        .build()
        .expect("a valid config")
}

/// The query string of the sandbox's redirect for the authorize URL of a new request.
pub async fn authorize(bb: &BlueButton, request: &bluebutton::AuthRequest) -> String {
    let url = bb.authorize_url(request);
    let response = bb
        .transport()
        .send_raw(Request::get(url))
        .await
        .expect("the authorize request is answered");
    assert_eq!(response.status(), 302, "auto-approve redirects");
    let location = response
        .headers()
        .get(http::header::LOCATION)
        .expect("a Location header")
        .to_str()
        .unwrap();
    let location = url::Url::parse(location).expect("an absolute redirect");
    location.query().unwrap_or_default().to_owned()
}

/// Connects the sandbox's next auto-approved beneficiary.
pub async fn connect(bb: &BlueButton) -> Beneficiary {
    let request = bb.new_auth_request();
    let query = authorize(bb, &request).await;
    bb.exchange_code(request, &query)
        .await
        .expect("the code exchange succeeds")
}

/// A stored token (Python `get_dict()` format) valid for an hour, with these scopes.
pub fn token(patient: &str, scope: &str) -> AuthorizationToken {
    let expires_at = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
    let expires_at = expires_at
        .replace_nanosecond(0)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    serde_json::from_value(serde_json::json!({
        "access_token": "test-access-token-0123456789",
        "refresh_token": "test-refresh-token-0123456789",
        "expires_in": 3600,
        "expires_at": expires_at,
        "token_type": "Bearer",
        "scope": scope,
        "patient": patient,
    }))
    .expect("a valid stored token")
}
