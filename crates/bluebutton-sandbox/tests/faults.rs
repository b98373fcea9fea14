//! Deterministic fault injection: 502, 429 with Retry-After, dropped connections, latency, token faults.

mod common;

use std::time::Duration;

use bluebutton_sandbox::{Fault, Faults, Sandbox};
use common::*;

#[tokio::test]
async fn injected_502_and_429_have_the_real_bodies() {
    let sb = Sandbox::builder()
        .faults(Faults::none().retry_after(Duration::from_secs(7)))
        .start()
        .await
        .expect("start");
    let token = login(&sb, "").await;
    sb.inject(Fault::ServerError, 1);
    sb.inject(Fault::Throttle, 1);
    let bad = get(&sb, "/v2/fhir/Coverage/", at(&token)).await;
    assert_eq!(bad.status(), 502);
    assert_eq!(
        bad.text().await.expect("body"),
        r#"{"detail":"A failure occurred contacting the upstream server"}"#
    );
    let slow = get(&sb, "/v2/fhir/Coverage/", at(&token)).await;
    assert_eq!(slow.status(), 429);
    assert_eq!(slow.headers()["retry-after"], "7");
    assert_eq!(
        slow.text().await.expect("body"),
        r#"{"detail":"Request was throttled. Expected available in 7 seconds."}"#
    );
    assert_eq!(
        get(&sb, "/v2/fhir/Coverage/", at(&token)).await.status(),
        200
    );
    let counters = sb.counters();
    assert_eq!(
        (
            counters.faults.server_errors,
            counters.faults.throttled,
            counters.faults_injected
        ),
        (1, 1, 2)
    );
}

#[tokio::test]
async fn dropped_connection_is_a_client_side_error() {
    let sb = Sandbox::builder().start().await.expect("start");
    let token = login(&sb, "").await;
    sb.inject(Fault::DropConnection, 1);
    let result = client()
        .get(url(&sb, "/v2/fhir/Coverage/"))
        .bearer_auth(at(&token))
        .send()
        .await;
    let err = result.expect_err("the connection is closed without a response");
    assert!(!err.is_status() && !err.is_timeout(), "{err:?}");
    assert_eq!(sb.counters().faults.dropped_connections, 1);
    assert_eq!(
        get(&sb, "/v2/fhir/Coverage/", at(&token)).await.status(),
        200
    );
}

#[tokio::test]
async fn rates_are_deterministic_from_the_seed() {
    async fn statuses(seed: u64) -> Vec<u16> {
        let sb = Sandbox::builder()
            .seed(seed)
            .faults(Faults::none().server_error_rate(0.3).throttle_rate(0.2))
            .start()
            .await
            .expect("start");
        let token = login(&sb, "").await;
        let mut out = Vec::new();
        for _ in 0..30 {
            out.push(
                get(&sb, "/v2/fhir/Coverage/", at(&token))
                    .await
                    .status()
                    .as_u16(),
            );
        }
        out
    }
    let a = statuses(42).await;
    assert_eq!(a, statuses(42).await);
    assert!(
        a.contains(&502) && a.contains(&429) && a.contains(&200),
        "{a:?}"
    );
}

#[tokio::test]
async fn latency_and_token_endpoint_faults() {
    let sb = Sandbox::builder()
        .faults(
            Faults::none()
                .latency(Duration::from_millis(5))
                .include_token_endpoint(true),
        )
        .start()
        .await
        .expect("start");
    let token = login(&sb, "").await;
    assert_eq!(
        get(&sb, "/v2/fhir/Coverage/", at(&token)).await.status(),
        200
    );
    sb.inject(Fault::ServerError, 1);
    let failed = refresh(&sb, rt(&token)).await;
    assert_eq!(failed.status(), 500);
    assert_eq!(
        failed.text().await.expect("body"),
        r#"{"error": "Server Error (500)"}"#
    );
    assert!(sb.counters().faults.delayed >= 3);
}

#[tokio::test]
async fn invalid_rates_are_rejected() {
    let err = Sandbox::builder()
        .faults(Faults::none().drop_rate(2.0))
        .start()
        .await
        .expect_err("rate > 1");
    assert!(err.to_string().contains("faults.drop_rate"), "{err}");
}
