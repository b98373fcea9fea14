//! Sharing one token store: two `refresh-worker` processes over one SQLite store refresh the
//! same beneficiary again and again (the sandbox must see zero refresh-token reuse, every
//! refresh must succeed, both processes must end with a token the API accepts); and two
//! `FileStore` instances on one file within one process must not spend a refresh token twice.

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use bluebutton_auth::{SqliteStore, TokenStore};
use bluebutton_reliability::sandbox as sb;
use bluebutton_sandbox::Sandbox;

use crate::common::auth_client;

const ROUNDS: u32 = 40;
const WORKERS: usize = 2;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_one_sqlite_store_without_reuse() {
    let started = Instant::now();
    let sandbox = Sandbox::builder()
        .beneficiaries(1)
        .claims_per_beneficiary(3)
        .start()
        .await
        .expect("sandbox");
    let config = sb::config(&sandbox).build().expect("config");
    let (transport, client) = auth_client(&config);
    let patient = sandbox.beneficiaries()[0].patient_id.clone();
    let token = sb::connect(&client, &transport, &patient).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shared-tokens.sqlite3");
    let store: Arc<dyn TokenStore> = Arc::new(SqliteStore::open(&db).await.unwrap());
    store.save(&patient, &token).await.unwrap();
    let before = sandbox.counters();

    let worker = env!("CARGO_BIN_EXE_refresh-worker");
    let mut children = Vec::new();
    for _ in 0..WORKERS {
        let child = Command::new(worker)
            .args([
                sandbox.base_url().as_str(),
                sandbox.client_id(),
                sandbox.client_secret(),
                sandbox.redirect_uri().as_str(),
                db.to_str().unwrap(),
                &patient,
                &ROUNDS.to_string(),
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("worker starts");
        children.push(child);
    }
    // Blocking reads off the runtime, so the in-process sandbox keeps serving.
    let outcome = tokio::task::spawn_blocking(move || {
        for child in &mut children {
            writeln!(child.stdin.as_mut().unwrap(), "start").unwrap();
        }
        let mut readers = Vec::new();
        let mut ready = Vec::new();
        for child in &mut children {
            let mut reader = BufReader::new(child.stdout.take().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            ready.push(line.trim().to_owned());
            readers.push(reader);
        }
        let mut finals = Vec::new();
        for (child, reader) in children.iter_mut().zip(&mut readers) {
            writeln!(child.stdin.as_mut().unwrap(), "go").unwrap();
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            finals.push(line.trim().to_owned());
        }
        let statuses: Vec<_> = children.iter_mut().map(|c| c.wait().unwrap()).collect();
        (ready, finals, statuses)
    })
    .await
    .unwrap();
    let (ready, finals, statuses) = outcome;
    for status in &statuses {
        assert!(
            status.success(),
            "worker exited with {status}; ready={ready:?}"
        );
    }
    for line in &ready {
        assert!(
            line.starts_with(&format!("ready refreshes={ROUNDS} ")),
            "every refresh succeeded: {line}"
        );
    }
    assert_eq!(finals, vec!["final status=200"; WORKERS], "both end valid");
    let after = sandbox.counters();
    let refreshes = after.refreshes - before.refreshes;
    assert_eq!(after.refresh_token_reuses, 0, "no refresh token reused");
    assert!(refreshes >= u64::from(ROUNDS) * WORKERS as u64);
    // The store holds the newest token, and it works.
    let stored = store.load(&patient).await.unwrap().expect("stored");
    let url = config
        .endpoints()
        .fhir_base
        .join("ExplanationOfBenefit/?_count=1")
        .unwrap();
    transport
        .send(bluebutton_transport::Request::get(url).bearer(stored.access_token().secret()))
        .await
        .expect("the stored token works");
    println!(
        "cross-process: {WORKERS} processes x {ROUNDS} forced refreshes over one SQLite store: \
         {refreshes} refreshes, {} refresh-token reuses, workers: {ready:?}, both ended with a \
         valid token ({finals:?}), in {:.1}s",
        after.refresh_token_reuses,
        started.elapsed().as_secs_f64()
    );
}

/// Two `FileStore`s on one file in one process (e.g. two clients built from the same config):
/// the file store documents per-process locking, so they must not both spend one refresh token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_file_store_instances_on_one_file_do_not_reuse() {
    use bluebutton_auth::{FileStore, TokenManager};
    let sandbox = Sandbox::builder()
        .beneficiaries(1)
        .claims_per_beneficiary(1)
        .start()
        .await
        .expect("sandbox");
    let config = sb::config(&sandbox).build().expect("config");
    let (transport, client) = auth_client(&config);
    let patient = sandbox.beneficiaries()[0].patient_id.clone();
    let token = sb::connect(&client, &transport, &patient).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.json");
    let managers: Vec<Arc<TokenManager>> = (0..2)
        .map(|_| {
            let store: Arc<dyn TokenStore> = Arc::new(FileStore::new(&path));
            Arc::new(TokenManager::new(client.clone(), store))
        })
        .collect();
    managers[0].insert(&patient, &token).await.unwrap();
    let (mut rounds, mut failures) = (0, Vec::new());
    for _ in 0..10 {
        let Ok(current) = managers[0].token(&patient).await else {
            break;
        };
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let manager = managers[i % 2].clone();
                let (patient, rejected) = (patient.clone(), current.access_token().clone());
                tokio::spawn(async move { manager.refresh_rejected(&patient, &rejected).await })
            })
            .collect();
        for task in tasks {
            if let Err(e) = task.await.unwrap() {
                failures.push(e.to_string());
            }
        }
        rounds += 1;
    }
    let counters = sandbox.counters();
    println!(
        "two FileStore instances, one file: {rounds} rounds of 8 concurrent 401 handlers: {} \
         refreshes, {} refresh-token reuses, {} failed calls {:?}",
        counters.refreshes,
        counters.refresh_token_reuses,
        failures.len(),
        failures.first()
    );
    assert_eq!(
        counters.refresh_token_reuses, 0,
        "a refresh token was spent twice"
    );
    assert!(failures.is_empty(), "{failures:?}");
    assert_eq!(counters.refreshes, rounds);
}
