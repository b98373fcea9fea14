//! Token lifetime across long paging: 1-second tokens over a 30-page fetch, 401 replay,
//! single-flight refresh. Counters come from the sandbox.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use bluebutton::ApiVersion;
use bluebutton::prelude::*;
use bluebutton_sandbox::Sandbox;

const CLAIMS: usize = 60;
const PAGE: u32 = 2; // 30 pages

#[tokio::test]
async fn one_second_tokens_across_thirty_pages_refresh_ahead_without_reuse() {
    let sandbox = common::start(
        Sandbox::builder()
            .claims_per_beneficiary(CLAIMS)
            .access_token_ttl(Duration::from_secs(1)),
    )
    .await;
    // Default skew (60 s) > TTL: the effective skew is half the 1 s lifetime, so a token is
    // refreshed once it has 0.5 s left, not before every page.
    let bb = BlueButton::new(common::config(&sandbox, ApiVersion::V2)).unwrap();
    let beneficiary = common::connect(&bb).await;
    let started = std::time::Instant::now();

    let mut pages = beneficiary
        .explanation_of_benefit()
        .page_size(PAGE)
        .pages::<bluebutton::Bundle>();
    let mut ids = Vec::new();
    let mut count = 0;
    while let Some(page) = pages.try_next().await.unwrap() {
        count += 1;
        ids.extend(page.explanation_of_benefits().filter_map(|e| e.id.clone()));
        if count == 15 {
            // Halfway, let the token certainly expire: the next page must refresh first.
            tokio::time::sleep(Duration::from_millis(1100)).await;
        }
    }
    let elapsed = started.elapsed();
    assert_eq!(count, 30);
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(ids.len(), CLAIMS, "every EOB once");
    assert_eq!(unique.len(), CLAIMS, "no EOB twice");

    let counters = sandbox.counters();
    assert_eq!(counters.refresh_token_reuses, 0);
    // Each refresh gives a token that is not due for 0.5 s: at most one refresh per 0.5 s.
    let bound = 1 + (elapsed.as_secs_f64() / 0.5).ceil() as u64;
    assert!(
        (1..=bound).contains(&counters.refreshes),
        "{} refreshes in {elapsed:?} (at most {bound})",
        counters.refreshes
    );
    // The handle's newest token is the one the sandbox issued last and it still works.
    let newest = beneficiary.token().await.unwrap();
    let coverage = beneficiary
        .coverage()
        .first::<bluebutton::Bundle>()
        .await
        .unwrap();
    assert!(
        !coverage.entry.is_empty(),
        "the newest token reads Coverage"
    );
    assert!(!newest.is_expired());
    assert_eq!(sandbox.counters().refresh_token_reuses, 0);
}

#[tokio::test]
async fn expired_tokens_mid_pagination_get_one_refresh_and_one_replay_per_page() {
    let sandbox = common::start(
        Sandbox::builder()
            .claims_per_beneficiary(CLAIMS)
            .access_token_ttl(Duration::from_secs(1)),
    )
    .await;
    // No skew: the client believes its token is fine; the sandbox clock says it expired, so
    // every page meets a 401 invalid_token, refreshes once and replays once.
    let bb = BlueButton::builder(common::config(&sandbox, ApiVersion::V2))
        .token_manager(|tokens| tokens.with_skew(Duration::ZERO))
        .build()
        .unwrap();
    let beneficiary = common::connect(&bb).await;
    let tokens_before = sandbox.counters().token_posts;

    let mut pages = beneficiary
        .explanation_of_benefit()
        .page_size(PAGE)
        .pages::<bluebutton::Bundle>();
    let mut ids = HashSet::new();
    let mut count = 0;
    loop {
        sandbox.advance_clock(Duration::from_secs(2));
        let Some(page) = pages.try_next().await.unwrap() else {
            break;
        };
        count += 1;
        for eob in page.explanation_of_benefits() {
            assert!(ids.insert(eob.id.clone().unwrap()), "duplicate EOB");
        }
    }
    assert_eq!(count, 30);
    assert_eq!(ids.len(), CLAIMS);
    let counters = sandbox.counters();
    assert_eq!(counters.refresh_token_reuses, 0);
    assert_eq!(
        counters.token_posts - tokens_before,
        30,
        "one refresh per page"
    );
    assert_eq!(counters.refreshes, 30);
    assert_eq!(
        counters.requests_to("/v2/fhir/ExplanationOfBenefit")
            + counters.requests_to("/v2/fhir/ExplanationOfBenefit/"),
        60,
        "each page: one 401 and one replay"
    );
}

#[tokio::test]
async fn concurrent_calls_after_expiry_refresh_once() {
    let sandbox = common::start(Sandbox::builder().claims_per_beneficiary(4)).await;
    let bb = BlueButton::builder(common::config(&sandbox, ApiVersion::V2))
        .token_manager(|tokens| tokens.with_skew(Duration::ZERO))
        .build()
        .unwrap();
    let beneficiary = common::connect(&bb).await;
    sandbox.advance_clock(Duration::from_secs(2 * 3600));

    let calls = (0..8).map(|_| {
        let b = beneficiary.clone();
        tokio::spawn(async move {
            b.explanation_of_benefit()
                .all::<bluebutton::ExplanationOfBenefit>()
                .await
        })
    });
    for call in futures_util::future::join_all(calls).await {
        assert_eq!(call.unwrap().unwrap().len(), 4);
    }
    let counters = sandbox.counters();
    assert_eq!(counters.refreshes, 1, "single flight");
    assert_eq!(counters.refresh_token_reuses, 0);
}

#[tokio::test]
async fn refresh_off_keeps_the_401() {
    let sandbox = common::start(Sandbox::builder().claims_per_beneficiary(4)).await;
    let config = bluebutton::Config::builder()
        .client_id(sandbox.client_id())
        .client_secret(sandbox.client_secret())
        .callback_url(sandbox.redirect_uri().as_str())
        .base_url(sandbox.base_url().as_str())
        .token_refresh_on_expire(false)
        .build()
        .unwrap();
    let bb = BlueButton::builder(config)
        .token_manager(|tokens| tokens.with_skew(Duration::ZERO))
        .build()
        .unwrap();
    let beneficiary = common::connect(&bb).await;
    sandbox.advance_clock(Duration::from_secs(2 * 3600));
    let error = beneficiary
        .coverage()
        .first::<bluebutton::Bundle>()
        .await
        .unwrap_err();
    assert_eq!(
        error.status(),
        Some(http::StatusCode::UNAUTHORIZED),
        "{error}"
    );
    assert_eq!(sandbox.counters().refreshes, 0);
    // Neither the message nor the debug output carries the token.
    let token = beneficiary.stored_token().await.unwrap().unwrap();
    for text in [
        error.to_string(),
        format!("{error:?}"),
        format!("{token:?}"),
    ] {
        assert!(!text.contains(token.access_token().secret()), "{text}");
        assert!(
            !text.contains(token.refresh_token().unwrap().secret()),
            "{text}"
        );
    }
}

#[tokio::test]
async fn an_expired_grant_requires_reauthorization() {
    let sandbox = common::start(Sandbox::builder().claims_per_beneficiary(4)).await;
    let bb = BlueButton::new(common::config(&sandbox, ApiVersion::V2)).unwrap();
    let beneficiary = common::connect(&bb).await;
    assert!(sandbox.expire_grant(beneficiary.key()));
    let error = beneficiary
        .coverage()
        .first::<bluebutton::Bundle>()
        .await
        .unwrap_err();
    assert!(error.requires_reauthorization(), "{error:?}");
    assert!(
        beneficiary.stored_token().await.unwrap().is_none(),
        "dead token removed"
    );
}

#[tokio::test]
async fn refreshed_tokens_are_persisted_in_the_configured_store() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tokens.json");
    let sandbox = common::start(
        Sandbox::builder()
            .claims_per_beneficiary(6)
            .access_token_ttl(Duration::from_secs(1)),
    )
    .await;
    let bb = BlueButton::builder(common::config(&sandbox, ApiVersion::V2))
        .token_store(std::sync::Arc::new(bluebutton::FileStore::new(&file)))
        .build()
        .unwrap();
    let beneficiary = common::connect(&bb).await;
    let first = beneficiary.stored_token().await.unwrap().unwrap();
    // Let the 1 s token certainly expire: the fetch refreshes it first.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        beneficiary
            .explanation_of_benefit()
            .page_size(3)
            .all::<bluebutton::ExplanationOfBenefit>()
            .await
            .unwrap()
            .len(),
        6
    );
    let newest = beneficiary.stored_token().await.unwrap().unwrap();
    assert_ne!(
        first.access_token().secret(),
        newest.access_token().secret()
    );

    // A new client over the same file picks up the rotated token and keeps working.
    let again = BlueButton::builder(common::config(&sandbox, ApiVersion::V2))
        .token_store(std::sync::Arc::new(bluebutton::FileStore::new(&file)))
        .build()
        .unwrap();
    let reloaded = again.beneficiary(beneficiary.key());
    assert_eq!(
        reloaded
            .stored_token()
            .await
            .unwrap()
            .unwrap()
            .access_token()
            .secret(),
        newest.access_token().secret()
    );
    assert_eq!(
        reloaded
            .coverage()
            .all::<bluebutton::Coverage>()
            .await
            .unwrap()
            .len(),
        4
    );
    assert_eq!(sandbox.counters().refresh_token_reuses, 0);
}
