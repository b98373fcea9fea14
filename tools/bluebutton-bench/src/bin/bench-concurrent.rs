//! Concurrency: many beneficiaries, each fetching every EOB, all at once through one client,
//! with a short access-token lifetime so tokens expire mid-way. Reports EOBs/s, the refreshes
//! the client made and the expiries it met. A token counts as expired in use when its lifetime,
//! less the refresh skew, had run out by the time a newer token replaced it (or, for the last
//! token of a beneficiary, by its last request): with single-flight refresh and no premature or
//! duplicate refresh, refreshes equal expiries.

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bluebutton::BlueButton;
use bluebutton::prelude::*;
use bluebutton_bench::{AppArgs, BenchError, approve, print_report, raw_client};
use clap::Parser;
use futures_util::stream;
use serde_json::json;
use time::OffsetDateTime;

/// Fetches every EOB of many beneficiaries concurrently.
#[derive(Debug, Parser)]
struct Args {
    #[command(flatten)]
    app: AppArgs,
    /// The beneficiaries' patient ids (comma-separated; they start with `-`, so pass
    /// `--patients=-1999…,-1999…`).
    #[arg(
        long,
        value_delimiter = ',',
        required = true,
        allow_hyphen_values = true
    )]
    patients: Vec<String>,
    /// Page size (`_count`).
    #[arg(long, default_value_t = 50)]
    count: u32,
    /// Refresh this many milliseconds before expiry.
    #[arg(long, default_value_t = 500)]
    skew_ms: u64,
    /// Fail unless each beneficiary gets exactly this many EOBs.
    #[arg(long)]
    expect_each: Option<u64>,
    /// After authorizing everyone, print `authorized` and wait for a line on stdin before
    /// fetching (so the runner can read the sandbox's counters in between).
    #[arg(long)]
    wait_for_go: bool,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if let Err(e) = run(&args).await {
        eprintln!("bench-concurrent: {e}");
        std::process::exit(1);
    }
}

/// Every token issued, in order: (store key, when it was issued, its expiry).
type Issued = Arc<Mutex<Vec<(String, OffsetDateTime, OffsetDateTime)>>>;

async fn run(args: &Args) -> Result<(), BenchError> {
    let skew = Duration::from_millis(args.skew_ms);
    let issued: Issued = Arc::default();
    let record = Arc::clone(&issued);
    let bb = BlueButton::builder(args.app.config()?)
        .token_manager(move |tokens| {
            tokens.with_skew(skew).on_token_issued(move |key, token| {
                if let Ok(mut issued) = record.lock() {
                    issued.push((
                        key.to_owned(),
                        OffsetDateTime::now_utc(),
                        token.expires_at(),
                    ));
                }
            })
        })
        .build()
        .map_err(BenchError::client("client"))?;
    let browser = raw_client()?;

    let auth_started = Instant::now();
    let connect = |patient: String| {
        let (bb, browser) = (bb.clone(), browser.clone());
        async move {
            let request = bb.new_auth_request();
            let query = approve(&browser, &bb.authorize_url(&request), Some(&patient)).await?;
            bb.exchange_code(request, &query)
                .await
                .map_err(BenchError::client("exchange"))
        }
    };
    let beneficiaries: Vec<_> = stream::iter(args.patients.iter().cloned().map(connect))
        .buffer_unordered(8)
        .try_collect()
        .await?;
    let auth_s = auth_started.elapsed().as_secs_f64();
    if args.wait_for_go {
        println!("authorized");
        let _ = std::io::stdout().flush();
        let _ = tokio::task::spawn_blocking(|| std::io::stdin().lines().next()).await;
    }

    let fetch_started = Instant::now();
    let tasks: Vec<_> = beneficiaries
        .into_iter()
        .map(|beneficiary| {
            let count = args.count;
            tokio::spawn(async move {
                let mut pages = beneficiary
                    .explanation_of_benefit()
                    .page_size(count)
                    .pages::<bluebutton::Bundle>();
                let mut eobs = 0u64;
                let mut last_request = OffsetDateTime::now_utc();
                loop {
                    let polled = OffsetDateTime::now_utc();
                    match pages.try_next().await {
                        Ok(Some(page)) => {
                            last_request = polled;
                            eobs += page.entry.len() as u64;
                        }
                        Ok(None) => break,
                        Err(e) => return Err(BenchError::client("EOB page")(e)),
                    }
                }
                Ok((beneficiary.key().to_owned(), eobs, last_request))
            })
        })
        .collect();
    let mut last_requests = HashMap::new();
    let mut total = 0u64;
    for task in tasks {
        let (key, eobs, last) = task.await.map_err(|e| BenchError::Unexpected {
            what: "fetch task",
            detail: e.to_string(),
        })??;
        if let Some(expected) = args.expect_each
            && expected != eobs
        {
            return Err(BenchError::Unexpected {
                what: "EOB count",
                detail: format!("{key}: expected {expected}, got {eobs}"),
            });
        }
        total += eobs;
        last_requests.insert(key, last);
    }
    let fetch_s = fetch_started.elapsed().as_secs_f64();

    let issued = issued.lock().map(|i| i.clone()).unwrap_or_default();
    let skew = time::Duration::try_from(skew).unwrap_or(time::Duration::ZERO);
    let mut per_key: HashMap<&str, Vec<(OffsetDateTime, OffsetDateTime)>> = HashMap::new();
    for (key, issued_at, expires_at) in &issued {
        per_key
            .entry(key.as_str())
            .or_default()
            .push((*issued_at, *expires_at));
    }
    let mut expiries = 0usize;
    for (key, tokens) in &per_key {
        for (index, (_, expires_at)) in tokens.iter().enumerate() {
            // When this token stopped being used: replaced by the next one, or the last request.
            let until = match tokens.get(index + 1) {
                Some((replaced_at, _)) => Some(*replaced_at),
                None => last_requests.get(*key).copied(),
            };
            if until.is_some_and(|until| *expires_at - skew <= until) {
                expiries += 1;
            }
        }
    }
    let refreshes = issued.len().saturating_sub(last_requests.len());
    print_report(&json!({
        "beneficiaries": last_requests.len(),
        "eobs": total,
        "auth_s": auth_s,
        "fetch_s": fetch_s,
        "eobs_per_s": total as f64 / fetch_s.max(1e-9),
        "tokens_issued": issued.len(),
        "client_refreshes": refreshes,
        "expiries": expiries,
    }));
    Ok(())
}
