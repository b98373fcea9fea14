//! Refresh storm: 64 tasks on one beneficiary across 50 expiries; each expiry must cost exactly
//! one refresh POST, whether the SDK notices it before sending (expired by its own clock) or only
//! from the server's 401 (expired by the server's clock).

use std::sync::Arc;
use std::time::{Duration, Instant};

use bluebutton::{BlueButton, MemoryStore, TokenStore};
use bluebutton_reliability::sandbox as sb;
use bluebutton_reliability::tokens;
use bluebutton_sandbox::Sandbox;
use futures_util::future::join_all;
use time::OffsetDateTime;

const TASKS: usize = 64;
const EXPIRIES: usize = 50;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_storm_one_refresh_per_expiry() {
    let started = Instant::now();
    let sandbox = Sandbox::builder()
        .beneficiaries(1)
        .claims_per_beneficiary(3)
        .start()
        .await
        .expect("sandbox");
    let config = sb::config(&sandbox).build().expect("config");
    let store = Arc::new(MemoryStore::new());
    let bb = BlueButton::builder(config)
        .token_store(store.clone() as Arc<dyn TokenStore>)
        .build()
        .expect("client");
    let patient = sandbox.beneficiaries()[0].patient_id.clone();
    let request = bb.new_auth_request();
    let url = sb::authorize_url_for(bb.auth_client(), &request, &patient);
    let query = sb::authorize(bb.transport(), url).await;
    let beneficiary = bb.exchange_code(request, &query).await.expect("connected");

    let mut proactive_rounds = 0;
    let mut reactive_rounds = 0;
    let mut replays_total = 0;
    let mut requests_total = 0;
    for round in 0..EXPIRIES {
        // The server's clock passes the access token's expiry (it now answers 401).
        sandbox.advance_clock(Duration::from_secs(3601));
        let proactive = round % 2 == 0;
        if proactive {
            // ... and the SDK's stored copy says so too: it refreshes before sending.
            let current = store.load(&patient).await.unwrap().expect("stored");
            let expired = tokens::with_expires_at(
                &current,
                OffsetDateTime::now_utc() - time::Duration::SECOND,
            );
            store.save(&patient, &expired).await.unwrap();
            proactive_rounds += 1;
        } else {
            reactive_rounds += 1;
        }
        let before = sandbox.counters();
        let barrier = Arc::new(tokio::sync::Barrier::new(TASKS));
        let results = join_all((0..TASKS).map(|_| {
            let (beneficiary, barrier) = (beneficiary.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                beneficiary
                    .explanation_of_benefit()
                    .page_size(1)
                    .first::<bluebutton::Bundle>()
                    .await
            })
        }))
        .await;
        for result in results {
            let bundle = result.expect("no panic").expect("every task gets its page");
            assert_eq!(bundle.entry.len(), 1);
        }
        let after = sandbox.counters();
        let refreshes = after.refreshes - before.refreshes;
        assert_eq!(
            refreshes,
            1,
            "round {round} ({}): exactly one refresh",
            if proactive { "proactive" } else { "reactive" }
        );
        let gets = eob_requests(&after) - eob_requests(&before);
        requests_total += gets;
        replays_total += gets - TASKS as u64;
    }
    let counters = sandbox.counters();
    assert_eq!(counters.refresh_token_reuses, 0);
    println!(
        "refresh storm: {TASKS} tasks x {EXPIRIES} expiries ({proactive_rounds} noticed by the \
         SDK's clock, {reactive_rounds} only by the server's 401): {} refreshes in all (1 per \
         expiry), {} refresh-token reuses, {requests_total} EOB GETs of which {replays_total} \
         replays after a 401, in {:.1}s",
        counters.refreshes,
        counters.refresh_token_reuses,
        started.elapsed().as_secs_f64()
    );
}

/// Requests to any ExplanationOfBenefit path so far.
fn eob_requests(counters: &bluebutton_sandbox::Counters) -> u64 {
    counters
        .requests_per_path
        .iter()
        .filter(|(path, _)| path.contains("/fhir/ExplanationOfBenefit"))
        .map(|(_, n)| n)
        .sum()
}
