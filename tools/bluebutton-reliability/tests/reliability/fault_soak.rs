//! Fault soak: 20 beneficiaries x 250 EOBs fetched concurrently through the SDK facade from a
//! sandbox injecting 20% 502s, 5% 429s (`Retry-After: 1`), 2% dropped connections, with a 2 s
//! access-token lifetime and the default refresh skew. Every EOB must arrive exactly once, no
//! refresh token may be reused,
//! and no request may be sent more than `1 + total` times.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bluebutton::{BlueButton, MemoryStore, TokenStore};
use bluebutton_reliability::sandbox::{self as sb, fast_retry};
use bluebutton_sandbox::{Faults, Sandbox};
use futures_util::future::join_all;
use tracing::field::{Field, Visit};
use tracing::span::{Id, Record};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt as _};

const BENEFICIARIES: usize = 20;
const EOBS: usize = 250;
const PAGE_SIZE: u32 = 10;
const RETRY_TOTAL: u32 = 10;

/// Collects the `attempts` value each `bluebutton_request` span records when it ends.
#[derive(Clone, Default)]
struct AttemptsLayer(Arc<Mutex<Vec<u64>>>);

impl AttemptsLayer {
    fn values(&self) -> Vec<u64> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

struct AttemptsVisitor(Option<u64>);

impl Visit for AttemptsVisitor {
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "attempts" {
            self.0 = Some(value);
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if field.name() == "attempts" {
            self.0 = u64::try_from(value).ok();
        }
    }

    fn record_debug(&mut self, _field: &Field, _value: &dyn fmt::Debug) {}
}

impl<S: tracing::Subscriber> Layer<S> for AttemptsLayer {
    fn on_record(&self, _id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        let mut visitor = AttemptsVisitor(None);
        values.record(&mut visitor);
        if let Some(attempts) = visitor.0 {
            self.0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(attempts);
        }
    }
}

// Current-thread runtime: the attempt recorder is the thread's default subscriber, and every
// task (SDK and sandbox) runs on this thread.
#[tokio::test]
async fn fault_soak_every_eob_exactly_once() {
    let attempts = AttemptsLayer::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(attempts.clone()));
    let started = Instant::now();
    let faults = Faults::none()
        .server_error_rate(0.20)
        .throttle_rate(0.05)
        .retry_after(Duration::from_secs(1))
        .drop_rate(0.02);
    let sandbox = Sandbox::builder()
        .seed(20261128)
        .beneficiaries(BENEFICIARIES)
        .claims_per_beneficiary(EOBS)
        .access_token_ttl(Duration::from_secs(2))
        .faults(faults)
        .start()
        .await
        .expect("sandbox");
    // Retry-After is honoured in full (1 s); computed backoff stays in the milliseconds.
    let config = sb::config(&sandbox)
        .retry_settings(fast_retry(RETRY_TOTAL, Duration::from_secs(1)))
        .build()
        .expect("config");
    let store = Arc::new(MemoryStore::new());
    // The SDK's default skew: nothing here is fitted to the 2 s token lifetime. Every attempt
    // resolves its token (a retry after a `Retry-After` wait never sends an expired one), and
    // a 401 for a token replaced meanwhile is replayed with the newer one.
    let bb = BlueButton::builder(config)
        .token_store(store.clone() as Arc<dyn TokenStore>)
        .build()
        .expect("client");

    // Connect every beneficiary (the authorize and token endpoints have no faults).
    let mut people = Vec::new();
    for info in sandbox.beneficiaries() {
        let request = bb.new_auth_request();
        let url = sb::authorize_url_for(bb.auth_client(), &request, &info.patient_id);
        let query = sb::authorize(bb.transport(), url).await;
        let beneficiary = bb.exchange_code(request, &query).await.expect("connected");
        assert_eq!(beneficiary.key(), info.patient_id);
        people.push((info, beneficiary));
    }
    let connected_at = started.elapsed();

    let results = join_all(people.iter().map(|(info, beneficiary)| {
        let beneficiary = beneficiary.clone();
        let expected = info.claim_count;
        async move {
            let eobs = beneficiary
                .explanation_of_benefit()
                .page_size(PAGE_SIZE)
                .all::<bluebutton::ExplanationOfBenefit>()
                .await;
            (expected, eobs)
        }
    }))
    .await;

    let mut received = 0;
    for ((info, _), (expected, eobs)) in people.iter().zip(results) {
        let eobs = eobs.unwrap_or_else(|e| panic!("{}: {e}", info.patient_id));
        let ids: BTreeSet<String> = eobs.iter().filter_map(|e| e.id.clone()).collect();
        assert_eq!(expected, EOBS);
        assert_eq!(eobs.len(), EOBS, "{}: every EOB", info.patient_id);
        assert_eq!(ids.len(), EOBS, "{}: each exactly once", info.patient_id);
        received += eobs.len();
    }
    let counters = sandbox.counters();
    let attempts = attempts.values();
    let max_attempts = attempts.iter().copied().max().unwrap_or(0);
    let retried = attempts.iter().filter(|&&a| a > 1).count();
    assert!(
        max_attempts <= u64::from(RETRY_TOTAL) + 1,
        "a request was sent {max_attempts} times"
    );
    assert_eq!(counters.refresh_token_reuses, 0, "no refresh token reused");

    assert_eq!(received, BENEFICIARIES * EOBS);
    assert!(counters.faults.server_errors > 0 && counters.faults.throttled > 0);
    assert!(counters.faults.dropped_connections > 0);
    println!(
        "fault soak: {BENEFICIARIES} beneficiaries x {EOBS} EOBs = {received} received, each \
         exactly once, in {:.1}s ({:.1}s connecting); faults injected: {} 502, {} 429 \
         (Retry-After 1 s), {} dropped connections; {} requests sent by the SDK, {retried} of \
         them retried, max {max_attempts} attempts for one request (limit {}); refreshes {} \
         (2 s token TTL, default skew), refresh-token reuses {}, requests with an expired \
         token {}",
        started.elapsed().as_secs_f64(),
        connected_at.as_secs_f64(),
        counters.faults.server_errors,
        counters.faults.throttled,
        counters.faults.dropped_connections,
        attempts.len(),
        RETRY_TOTAL + 1,
        counters.refreshes,
        counters.refresh_token_reuses,
        counters.expired_token_requests,
    );
}
