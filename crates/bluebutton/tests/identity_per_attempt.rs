//! The token is resolved for every attempt: a request that waits out a `Retry-After` longer
//! than its token's remaining life retries with a fresh token, and a refresh the server
//! answers with 500 after rotating is not retried within the call and is explained later.

mod common;

use std::time::Duration;

use bluebutton::prelude::*;
use bluebutton::{ApiVersion, AuthError, Config, ReauthReason};
use bluebutton_sandbox::{Fault, Faults, Sandbox};

fn config_waiting(sandbox: &bluebutton_sandbox::SandboxHandle, wait: Duration) -> Config {
    Config::builder()
        .client_id(sandbox.client_id())
        .client_secret(sandbox.client_secret())
        .callback_url(sandbox.redirect_uri().as_str())
        .base_url(sandbox.base_url().as_str())
        .version(ApiVersion::V2)
        .retry_total(2u32)
        .retry_backoff_factor(Duration::from_millis(10))
        .retry_max_retry_after(wait)
        .build()
        .expect("config")
}

#[tokio::test]
async fn a_retry_after_a_wait_longer_than_the_tokens_life_carries_a_fresh_token() {
    let ttl = Duration::from_secs(2);
    let wait = Duration::from_secs(3);
    let sandbox = common::start(
        Sandbox::builder()
            .claims_per_beneficiary(4)
            .access_token_ttl(ttl)
            .faults(Faults::none().retry_after(wait)),
    )
    .await;
    let bb = BlueButton::new(config_waiting(&sandbox, wait)).unwrap();
    let beneficiary = common::connect(&bb).await;
    let before = beneficiary.stored_token().await.unwrap().unwrap();
    sandbox.inject(Fault::Throttle, 1);

    let bundle = beneficiary
        .coverage()
        .first::<bluebutton::Bundle>()
        .await
        .expect("the retry succeeds");
    assert!(!bundle.entry.is_empty());

    let counters = sandbox.counters();
    assert_eq!(counters.faults.throttled, 1, "one 429 with Retry-After 3 s");
    assert_eq!(
        counters.expired_token_requests, 0,
        "the retry did not carry the token that expired during the wait"
    );
    assert_eq!(counters.invalid_token_requests, 0);
    assert_eq!(counters.refreshes, 1, "refreshed once, before the retry");
    let after = beneficiary.stored_token().await.unwrap().unwrap();
    assert_ne!(
        before.access_token().secret(),
        after.access_token().secret()
    );
}

#[tokio::test]
async fn a_refresh_that_fails_after_rotating_is_explained_on_the_next_call() {
    let sandbox = common::start(
        Sandbox::builder()
            .claims_per_beneficiary(4)
            .access_token_ttl(Duration::from_secs(1)),
    )
    .await;
    let bb = BlueButton::new(common::config(&sandbox, ApiVersion::V2)).unwrap();
    let beneficiary = common::connect(&bb).await;
    let before = beneficiary.stored_token().await.unwrap().unwrap();
    sandbox.fail_refreshes_after_rotation(1);
    // Let the 1 s token certainly expire: the next call must refresh first.
    tokio::time::sleep(Duration::from_millis(1100)).await;

    let first = beneficiary
        .coverage()
        .first::<bluebutton::Bundle>()
        .await
        .unwrap_err();
    assert!(
        matches!(&first, bluebutton::Error::Auth(AuthError::UnexpectedStatus { status, .. }) if status.as_u16() == 500),
        "{first}"
    );
    let counters = sandbox.counters();
    assert_eq!(counters.refresh_failures_after_rotation, 1);
    assert_eq!(
        counters.token_posts, 2,
        "the code, then one refresh: not retried"
    );
    let kept = beneficiary.stored_token().await.unwrap().unwrap();
    assert_eq!(
        kept.refresh_token().unwrap().secret(),
        before.refresh_token().unwrap().secret(),
        "the stored token is kept"
    );

    let second = beneficiary
        .coverage()
        .first::<bluebutton::Bundle>()
        .await
        .unwrap_err();
    assert!(second.requires_reauthorization(), "{second}");
    assert!(
        matches!(
            &second,
            bluebutton::Error::Auth(AuthError::ReauthorizationRequired {
                reason: ReauthReason::EarlierRefreshFailed,
                ..
            })
        ),
        "{second}"
    );
    assert!(
        second
            .to_string()
            .contains("earlier refresh failed on the server")
    );
}
