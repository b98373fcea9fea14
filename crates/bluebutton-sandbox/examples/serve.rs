//! Runs a sandbox on a fixed address until killed, printing its base URL and credentials.
//!
//! `cargo run -p bluebutton-sandbox --example serve -- [--addr 127.0.0.1:8000] [--client-id ID]
//! [--client-secret SECRET] [--redirect-uri URI] [--claims N] [--beneficiaries N] [--seed N]`

use std::net::SocketAddr;
use std::time::Instant;

use bluebutton_sandbox::Sandbox;

fn usage(problem: &str) -> ! {
    eprintln!("serve: {problem}");
    eprintln!(
        "usage: serve [--addr HOST:PORT] [--client-id ID] [--client-secret SECRET] [--redirect-uri URI] [--claims N] [--beneficiaries N] [--seed N]"
    );
    std::process::exit(2)
}

fn number<T: std::str::FromStr>(flag: &str, value: &str) -> T {
    value
        .parse()
        .unwrap_or_else(|_| usage(&format!("{flag} needs a number, got {value:?}")))
}

#[tokio::main]
async fn main() {
    let mut builder = Sandbox::builder();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let Some(value) = args.next() else {
            usage(&format!("{flag} needs a value"));
        };
        builder = match flag.as_str() {
            "--addr" => builder.bind(
                value
                    .parse::<SocketAddr>()
                    .unwrap_or_else(|_| usage(&format!("bad address {value:?}"))),
            ),
            "--client-id" => builder.client_id(value),
            "--client-secret" => builder.client_secret(value),
            "--redirect-uri" => builder.redirect_uri(value),
            "--claims" => builder.claims_per_beneficiary(number(&flag, &value)),
            "--beneficiaries" => builder.beneficiaries(number(&flag, &value)),
            "--seed" => builder.seed(number(&flag, &value)),
            other => usage(&format!("unknown option {other}")),
        };
    }
    let started = Instant::now();
    let sandbox = match builder.start().await {
        Ok(sandbox) => sandbox,
        Err(err) => {
            eprintln!("serve: {err}");
            std::process::exit(1);
        }
    };
    let elapsed = started.elapsed();
    println!("base_url={}", sandbox.base_url());
    println!("client_id={}", sandbox.client_id());
    println!("client_secret={}", sandbox.client_secret());
    println!("redirect_uri={}", sandbox.redirect_uri());
    for bene in sandbox.beneficiaries() {
        println!(
            "beneficiary={} mbi={} claims={}",
            bene.patient_id, bene.mbi, bene.claim_count
        );
    }
    println!("started_in_ms={:.2}", elapsed.as_secs_f64() * 1000.0);
    println!("ready");
    std::future::pending::<()>().await;
}
