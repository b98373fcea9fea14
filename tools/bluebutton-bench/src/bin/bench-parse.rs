//! Parse throughput in MB/s: typed `Bundle` vs `serde_json::Value` vs a scan-only floor
//! (`serde::de::IgnoredAny`), on the six real sandbox EOB pages (`../shared/fixtures/sandbox`,
//! skipped when absent) and on a 10 MB Bundle of EOBs from the sandbox's generator.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bluebutton_bench::{BenchError, exchange_raw, print_report, raw_client};
use bluebutton_sandbox::Sandbox;
use clap::Parser;
use serde_json::value::RawValue;
use serde_json::{Value, json};

/// Measures parse throughput.
#[derive(Debug, Parser)]
struct Args {
    /// The real sandbox pages (`eob_p0.json` … `eob_p5.json`).
    #[arg(long)]
    pages_dir: PathBuf,
    /// Size of the generated Bundle in bytes.
    #[arg(long, default_value_t = 10_000_000)]
    generated_bytes: usize,
    /// Time spent per parser and corpus, in milliseconds (split into five rounds; the median
    /// round counts).
    #[arg(long, default_value_t = 1500)]
    millis: u64,
}

fn main() {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| {
            eprintln!("bench-parse: runtime: {e}");
            std::process::exit(1)
        });
    if let Err(e) = runtime.block_on(run(&args)) {
        eprintln!("bench-parse: {e}");
        std::process::exit(1);
    }
}

fn real_pages(dir: &Path) -> Option<Vec<Vec<u8>>> {
    (0..6)
        .map(|index| std::fs::read(dir.join(format!("eob_p{index}.json"))).ok())
        .collect()
}

/// One Bundle of at least `bytes` bytes, made of the EOBs a sandbox generates, fetched over
/// loopback 50 at a time and written out as a single searchset.
async fn generated_bundle(bytes: usize) -> Result<Vec<u8>, BenchError> {
    let sandbox = Sandbox::builder()
        .beneficiaries(1)
        .claims_per_beneficiary(5_000)
        .redirect_uri("http://127.0.0.1:8765/callback")
        .start()
        .await?;
    let app = bluebutton_bench::AppArgs {
        base_url: sandbox.base_url().clone(),
        client_id: sandbox.client_id().to_owned(),
        client_secret: sandbox.client_secret().to_owned(),
        redirect_uri: sandbox.redirect_uri().clone(),
    };
    let http = raw_client()?;
    let token = exchange_raw(&http, &app, None).await?;
    let mut entries: Vec<Box<RawValue>> = Vec::new();
    let mut size = 0usize;
    let mut url = Some(format!(
        "{}/v2/fhir/ExplanationOfBenefit/?_count=50",
        app.base()
    ));
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
        #[derive(serde::Deserialize)]
        struct Page {
            entry: Vec<Box<RawValue>>,
            link: Vec<Value>,
        }
        let page: Page = serde_json::from_slice(&body).map_err(BenchError::json("EOB page"))?;
        for entry in page.entry {
            size += entry.get().len() + 1;
            entries.push(entry);
            if size >= bytes {
                break;
            }
        }
        if size < bytes {
            url = page
                .link
                .iter()
                .find(|l| l["relation"] == "next")
                .and_then(|l| l["url"].as_str())
                .map(str::to_owned);
        }
    }
    sandbox.shutdown().await;
    let bundle = json!({
        "resourceType": "Bundle",
        "id": "bench-generated",
        "type": "searchset",
        "total": entries.len(),
        "link": [{"relation": "self", "url": format!("{}/v2/fhir/ExplanationOfBenefit/", app.base())}],
        "entry": entries,
    });
    serde_json::to_vec(&bundle).map_err(BenchError::json("generated bundle"))
}

/// Median MB/s over five rounds of `millis / 5` each, after one warm-up pass.
fn measure(docs: &[Vec<u8>], millis: u64, parse: &dyn Fn(&[u8])) -> f64 {
    let bytes: usize = docs.iter().map(Vec::len).sum();
    for doc in docs {
        parse(doc);
    }
    let round = Duration::from_millis((millis / 5).max(1));
    let mut rates: Vec<f64> = (0..5)
        .map(|_| {
            let started = Instant::now();
            let mut passes = 0u32;
            while passes == 0 || started.elapsed() < round {
                for doc in docs {
                    parse(doc);
                }
                passes += 1;
            }
            (bytes as f64 * f64::from(passes)) / started.elapsed().as_secs_f64() / 1e6
        })
        .collect();
    rates.sort_by(f64::total_cmp);
    rates[2]
}

fn corpus(name: &str, docs: &[Vec<u8>], millis: u64) -> Value {
    let typed = measure(docs, millis, &|doc| {
        let bundle: bluebutton_fhir::Bundle =
            bluebutton_fhir::from_json_slice(doc).expect("a Bundle");
        black_box(bundle);
    });
    let value = measure(docs, millis, &|doc| {
        let value: Value = serde_json::from_slice(doc).expect("JSON");
        black_box(value);
    });
    let floor = measure(docs, millis, &|doc| {
        let scan: serde::de::IgnoredAny = serde_json::from_slice(doc).expect("JSON");
        black_box(scan);
    });
    json!({
        "corpus": name,
        "documents": docs.len(),
        "bytes": docs.iter().map(Vec::len).sum::<usize>(),
        "typed_mb_s": typed,
        "value_mb_s": value,
        "ignored_any_mb_s": floor,
    })
}

async fn run(args: &Args) -> Result<(), BenchError> {
    let mut corpora = Vec::new();
    let mut skipped = Vec::new();
    match real_pages(&args.pages_dir) {
        Some(pages) => corpora.push(corpus("six real sandbox pages", &pages, args.millis)),
        None => skipped.push(format!(
            "six real sandbox pages: skipped, {} not found",
            args.pages_dir.display()
        )),
    }
    let generated = generated_bundle(args.generated_bytes).await?;
    corpora.push(corpus(
        "generated Bundle",
        std::slice::from_ref(&generated),
        args.millis,
    ));
    print_report(&json!({"corpora": corpora, "skipped": skipped}));
    Ok(())
}
