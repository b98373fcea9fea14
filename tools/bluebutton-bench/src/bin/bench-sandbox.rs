//! The sandbox in its own process, for `cargo xtask bench`: prints its URL, credentials and
//! beneficiaries, then `ready`; each `counters` line on stdin is answered with one JSON line of
//! counters; EOF or `quit` stops it.

use std::io::BufRead;
use std::net::SocketAddr;
use std::time::Duration;

use bluebutton_bench::print_report;
use bluebutton_sandbox::Sandbox;
use clap::Parser;
use serde_json::json;

/// Runs a sandbox until stdin closes.
#[derive(Debug, Parser)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:0")]
    addr: SocketAddr,
    /// Synthetic beneficiaries.
    #[arg(long, default_value_t = 1)]
    beneficiaries: usize,
    /// ExplanationOfBenefit resources per beneficiary.
    #[arg(long, default_value_t = 1000)]
    claims: usize,
    /// Access token lifetime in seconds.
    #[arg(long, default_value_t = 3600)]
    token_ttl: u64,
    /// The registered client id.
    #[arg(long, default_value = "bench-client-id")]
    client_id: String,
    /// The registered client secret.
    #[arg(long, default_value = "bench-client-secret")]
    client_secret: String,
    /// The registered redirect URI.
    #[arg(long, default_value = "http://127.0.0.1:8765/callback")]
    redirect_uri: String,
    /// Worker threads of the server's runtime.
    #[arg(long, default_value_t = 2)]
    threads: usize,
}

fn main() {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build()
        .unwrap_or_else(|e| {
            eprintln!("bench-sandbox: runtime: {e}");
            std::process::exit(1)
        });
    // The server runs on the runtime's worker threads; this thread answers stdin.
    let sandbox = runtime.block_on(
        Sandbox::builder()
            .bind(args.addr)
            .beneficiaries(args.beneficiaries)
            .claims_per_beneficiary(args.claims)
            .access_token_ttl(Duration::from_secs(args.token_ttl))
            .client_id(args.client_id)
            .client_secret(args.client_secret)
            .redirect_uri(args.redirect_uri)
            .start(),
    );
    let sandbox = match sandbox {
        Ok(sandbox) => sandbox,
        Err(e) => {
            eprintln!("bench-sandbox: {e}");
            std::process::exit(1)
        }
    };
    println!(
        "base_url={}",
        sandbox.base_url().as_str().trim_end_matches('/')
    );
    for bene in sandbox.beneficiaries() {
        println!("beneficiary={}", bene.patient_id);
    }
    println!("ready");
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        match line.trim() {
            "counters" => {
                let c = sandbox.counters();
                let fhir_requests: u64 = c
                    .requests_per_path
                    .iter()
                    .filter(|(path, _)| path.contains("/fhir/"))
                    .map(|(_, n)| n)
                    .sum();
                print_report(&json!({
                    "token_posts": c.token_posts,
                    "codes_exchanged": c.codes_exchanged,
                    "refreshes": c.refreshes,
                    "refresh_token_reuses": c.refresh_token_reuses,
                    "authorizations": c.authorizations,
                    "connections": c.connections_accepted,
                    "fhir_requests": fhir_requests,
                }));
            }
            "quit" => break,
            _ => {}
        }
    }
    runtime.block_on(sandbox.shutdown());
}
