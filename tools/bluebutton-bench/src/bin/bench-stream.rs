//! Memory while streaming: every EOB of a beneficiary through `Search::resources()`, each
//! dropped after use, then the peak RSS (`VmHWM`). With `--probe`: the size of one page, as
//! bytes on the wire and as a parsed typed Bundle (the RSS it adds).

use std::time::Instant;

use bluebutton::BlueButton;
use bluebutton::prelude::*;
use bluebutton_bench::{
    AppArgs, BenchError, approve, exchange_raw, peak_rss_bytes, print_report, raw_client,
    rss_anon_bytes, rss_bytes,
};
use clap::Parser;
use serde_json::json;

/// Streams EOBs and reports memory.
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
    /// Measure one page instead of streaming.
    #[arg(long)]
    probe: bool,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let result = if args.probe {
        probe(&args).await
    } else {
        stream(&args).await
    };
    if let Err(e) = result {
        eprintln!("bench-stream: {e}");
        std::process::exit(1);
    }
}

async fn stream(args: &Args) -> Result<(), BenchError> {
    let started = Instant::now();
    let bb = BlueButton::new(args.app.config()?).map_err(BenchError::client("client"))?;
    let browser = raw_client()?;
    let request = bb.new_auth_request();
    let query = approve(&browser, &bb.authorize_url(&request), None).await?;
    let beneficiary = bb
        .exchange_code(request, &query)
        .await
        .map_err(BenchError::client("exchange"))?;
    let rss_before = rss_bytes();
    let anon_before = rss_anon_bytes();
    let mut eobs = beneficiary
        .explanation_of_benefit()
        .page_size(args.count)
        .resources::<bluebutton::ExplanationOfBenefit>();
    let mut count = 0u64;
    while let Some(eob) = eobs.try_next().await.map_err(BenchError::client("EOB"))? {
        count += 1;
        drop(eob);
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
        "rss_before_stream_bytes": rss_before,
        "rss_anon_before_stream_bytes": anon_before,
        "rss_anon_after_stream_bytes": rss_anon_bytes(),
        "peak_rss_bytes": peak_rss_bytes(),
        "wall_s": started.elapsed().as_secs_f64(),
    }));
    Ok(())
}

async fn probe(args: &Args) -> Result<(), BenchError> {
    let http = raw_client()?;
    let token = exchange_raw(&http, &args.app, None).await?;
    let url = format!(
        "{}/v2/fhir/ExplanationOfBenefit/?_count={}",
        args.app.base(),
        args.count
    );
    let body = http
        .get(url)
        .bearer_auth(&token)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(BenchError::http("EOB page"))?
        .bytes()
        .await
        .map_err(BenchError::http("EOB page body"))?;
    let before = rss_bytes();
    let bundle: bluebutton::Bundle =
        bluebutton_fhir::from_json_slice(&body).map_err(|e| BenchError::Unexpected {
            what: "EOB page",
            detail: e.to_string(),
        })?;
    let after = rss_bytes();
    let entries = bundle.entry.len();
    let value: serde_json::Value =
        serde_json::from_slice(&body).map_err(BenchError::json("EOB page"))?;
    let after_value = rss_bytes();
    print_report(&json!({
        "page_entries": entries,
        "page_bytes": body.len(),
        "parsed_page_bytes": after.zip(before).map(|(a, b)| a.saturating_sub(b)),
        "value_page_bytes": after_value.zip(after).map(|(a, b)| a.saturating_sub(b)),
        "peak_rss_bytes": peak_rss_bytes(),
    }));
    drop((bundle, value));
    Ok(())
}
