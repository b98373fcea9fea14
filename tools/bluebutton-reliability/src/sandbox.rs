//! Sandbox plumbing: a config pointing at a running sandbox, and the authorize → auto-approve →
//! exchange dance for a chosen beneficiary.

use std::time::Duration;

use bluebutton_auth::{AuthClient, AuthRequest, AuthorizationToken, CallbackQuery, Scope};
use bluebutton_config::{ConfigBuilder, RetrySettings};
use bluebutton_sandbox::SandboxHandle;
use bluebutton_transport::{Request, Transport};
use url::Url;

/// Fast retries for tests: `total` retries, 10 ms backoff factor, `Retry-After` honoured up to
/// `max_retry_after`.
pub fn fast_retry(total: u32, max_retry_after: Duration) -> RetrySettings {
    let mut retry = RetrySettings::default();
    retry.total = total;
    retry.backoff_factor = Duration::from_millis(10);
    retry.max_backoff = Duration::from_millis(200);
    retry.max_retry_after = max_retry_after;
    retry
}

/// A config builder for `sandbox`'s app (client id, secret, first redirect URI, base URL),
/// with [`fast_retry`]`(3, 10 ms)`; add settings and `build()`.
pub fn config(sandbox: &SandboxHandle) -> ConfigBuilder {
    bluebutton_config::Config::builder()
        .client_id(sandbox.client_id())
        .client_secret(sandbox.client_secret())
        .callback_url(sandbox.redirect_uri().as_str())
        .base_url(sandbox.base_url().as_str())
        .retry_settings(fast_retry(3, Duration::from_millis(10)))
}

/// GETs `authorize_url` (auto-approve answers 302 at once) and returns the callback query
/// from the `Location` header.
///
/// # Panics
/// If the sandbox does not redirect.
pub async fn authorize(transport: &Transport, authorize_url: Url) -> String {
    let response = transport
        .send_raw(Request::get(authorize_url))
        .await
        .expect("the authorize request is answered");
    assert_eq!(response.status(), 302, "auto-approve redirects");
    let location = response
        .headers()
        .get(http::header::LOCATION)
        .expect("a Location header")
        .to_str()
        .expect("an ASCII Location");
    let location = Url::parse(location).expect("an absolute redirect");
    location.query().unwrap_or_default().to_owned()
}

/// The authorize URL of `request` for beneficiary `patient_id` (the sandbox's
/// `sandbox_patient` parameter, which the real server would ignore).
pub fn authorize_url_for(client: &AuthClient, request: &AuthRequest, patient_id: &str) -> Url {
    let mut url = client.authorize_url(request);
    url.query_pairs_mut()
        .append_pair("sandbox_patient", patient_id);
    url
}

/// Connects beneficiary `patient_id` with every v2 scope and returns the exchanged token.
///
/// # Panics
/// If any step fails.
pub async fn connect(
    client: &AuthClient,
    transport: &Transport,
    patient_id: &str,
) -> AuthorizationToken {
    let request = AuthRequest::new().with_scopes(Scope::all_v2());
    let query = authorize(transport, authorize_url_for(client, &request, patient_id)).await;
    let callback = CallbackQuery::parse(&query).expect("a well-formed callback");
    client
        .exchange_code(request, &callback)
        .await
        .expect("the code exchange succeeds")
}
