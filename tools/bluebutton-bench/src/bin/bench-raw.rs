//! The floor: the same GET sequence as the facade (authorize, token, every EOB page following
//! `next` links) with a bare `reqwest::Client`, each page parsed into `serde_json::Value`.

use std::time::Instant;

use bluebutton_bench::{AppArgs, BenchError, exchange_raw, print_report, raw_client};
use clap::Parser;
use serde_json::{Value, json};

/// Fetches every EOB of one beneficiary with bare reqwest + serde_json.
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
        eprintln!("bench-raw: {e}");
        std::process::exit(1);
    }
}

fn next_link(page: &Value) -> Option<String> {
    page["link"]
        .as_array()?
        .iter()
        .find(|l| l["relation"] == "next")?["url"]
        .as_str()
        .map(str::to_owned)
}

async fn run(args: &Args) -> Result<(), BenchError> {
    let started = Instant::now();
    let http = raw_client()?;
    let token = exchange_raw(&http, &args.app, None).await?;
    let mut url = Some(format!(
        "{}/v2/fhir/ExplanationOfBenefit/?_count={}",
        args.app.base(),
        args.count
    ));
    let (mut count, mut pages, mut bytes) = (0u64, 0u64, 0usize);
    while let Some(next) = url.take() {
        let body = http
            .get(next)
            .bearer_auth(&token)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(BenchError::http("EOB page"))?
            .bytes()
            .await
            .map_err(BenchError::http("EOB page body"))?;
        bytes += body.len();
        let page: Value = serde_json::from_slice(&body).map_err(BenchError::json("EOB page"))?;
        pages += 1;
        count += page["entry"].as_array().map_or(0, |e| e.len() as u64);
        url = next_link(&page);
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
        "pages": pages,
        "bytes": bytes,
        "wall_s": started.elapsed().as_secs_f64(),
    }));
    Ok(())
}
