//! End to end through the facade: authorize (the browser step), exchange the code, then every
//! ExplanationOfBenefit of the beneficiary as typed resources (`Search::resources()`).

use std::time::Instant;

use bluebutton::BlueButton;
use bluebutton::prelude::*;
use bluebutton_bench::{AppArgs, BenchError, approve, print_report, raw_client};
use clap::Parser;
use serde_json::json;

/// Fetches every EOB of one beneficiary with the facade.
#[derive(Debug, Parser)]
struct Args {
    #[command(flatten)]
    app: AppArgs,
    /// Page size (`_count`).
    #[arg(long, default_value_t = 50)]
    count: u32,
    /// Fail unless exactly this many EOBs arrive.
    #[arg(long)]
    expect: Option<u64>,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if let Err(e) = run(&args).await {
        eprintln!("bench-facade: {e}");
        std::process::exit(1);
    }
}

async fn run(args: &Args) -> Result<(), BenchError> {
    let started = Instant::now();
    let bb = BlueButton::new(args.app.config()?).map_err(BenchError::client("client"))?;
    let browser = raw_client()?;
    let request = bb.new_auth_request();
    let query = approve(&browser, &bb.authorize_url(&request), None).await?;
    let beneficiary = bb
        .exchange_code(request, &query)
        .await
        .map_err(BenchError::client("exchange"))?;
    let mut eobs = beneficiary
        .explanation_of_benefit()
        .page_size(args.count)
        .resources::<bluebutton::ExplanationOfBenefit>();
    let mut count = 0u64;
    let mut lines = 0usize;
    while let Some(eob) = eobs.try_next().await.map_err(BenchError::client("EOB"))? {
        count += 1;
        lines += eob.item.len();
    }
    if let Some(expected) = args.expect
        && expected != count
    {
        return Err(BenchError::Unexpected {
            what: "EOB count",
            detail: format!("expected {expected}, got {count}"),
        });
    }
    print_report(&json!({
        "eobs": count,
        "line_items": lines,
        "wall_s": started.elapsed().as_secs_f64(),
    }));
    Ok(())
}
