//! Measures sandbox start-up time and FHIR page requests per second over loopback.
//!
//! `cargo run --release -p bluebutton-sandbox --example throughput -- [requests] [concurrency]`
//! (defaults: 20000 requests, 8 concurrent connections). Bounded in count; loopback only.

use std::time::{Duration, Instant};

use base64::Engine;
use bluebutton_sandbox::{Sandbox, SandboxHandle};
use sha2::{Digest, Sha256};

const VERIFIER: &str = "throughput-verifier-0123456789-0123456789-abc";

async fn access_token(sb: &SandboxHandle, http: &reqwest::Client) -> String {
    let base = sb.base_url().as_str().trim_end_matches('/');
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(VERIFIER.as_bytes()));
    let authorize = format!(
        "{base}/v2/o/authorize/?client_id={}&redirect_uri={}&response_type=code&state=throughput-state-0001&code_challenge_method=S256&code_challenge={challenge}",
        sb.client_id(),
        sb.redirect_uri()
    );
    let response = http.get(authorize).send().await.expect("authorize");
    let location = response.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let code = url::Url::parse(&location)
        .expect("redirect")
        .query_pairs()
        .find(|(k, _)| k == "code")
        .expect("code")
        .1
        .into_owned();
    let token: serde_json::Value = http
        .post(format!("{base}/v2/o/token/"))
        .basic_auth(sb.client_id(), Some(sb.client_secret()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("code_verifier", VERIFIER),
            ("redirect_uri", sb.redirect_uri().as_str()),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("token json");
    token["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let requests: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let concurrency: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(8);

    // reqwest is built with rustls but no crypto provider (the workspace's choice); plain HTTP
    // still needs one installed before a client is built.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut starts = Vec::new();
    for _ in 0..20 {
        let started = Instant::now();
        let sb = Sandbox::builder().start().await.expect("start");
        starts.push(started.elapsed());
        sb.shutdown().await;
    }
    let started = Instant::now();
    let big = Sandbox::builder()
        .beneficiaries(1)
        .claims_per_beneficiary(100_000)
        .start()
        .await
        .expect("start");
    let big_start = started.elapsed();
    starts.sort();
    println!(
        "start-up (default builder, 20 runs): median {:.2} ms, max {:.2} ms; with 100,000 claims: {:.2} ms",
        starts[10].as_secs_f64() * 1e3,
        starts[19].as_secs_f64() * 1e3,
        big_start.as_secs_f64() * 1e3
    );

    // 52 claims: the same 6 pages again and again (served from the EOB text cache);
    // 100,000 claims: every request a page not served before (EOBs built and serialized cold).
    for (label, sb, span) in [
        (
            "52 claims, warm",
            Sandbox::builder().start().await.expect("start"),
            60,
        ),
        ("100,000 claims, cold", big, 100_000),
    ] {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(concurrency)
            .build()
            .expect("client");
        let token = access_token(&sb, &http).await;
        let base = sb.base_url().as_str().trim_end_matches('/').to_owned();
        let first = Instant::now();
        http.get(format!("{base}/v2/fhir/ExplanationOfBenefit?_count=10"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("first page")
            .bytes()
            .await
            .expect("first body");
        println!(
            "{label}: first EOB search (builds the claim index) took {:.2} ms",
            first.elapsed().as_secs_f64() * 1e3
        );
        let per_task = requests / concurrency;
        let started = Instant::now();
        let mut tasks = Vec::new();
        for worker in 0..concurrency {
            let (http, token, base) = (http.clone(), token.clone(), base.clone());
            tasks.push(tokio::spawn(async move {
                let mut bytes = 0usize;
                for i in 0..per_task {
                    let start = ((worker * per_task + i) * 10) % span;
                    let url =
                        format!("{base}/v2/fhir/ExplanationOfBenefit?startIndex={start}&_count=10");
                    let body = http
                        .get(url)
                        .bearer_auth(&token)
                        .send()
                        .await
                        .expect("page")
                        .bytes()
                        .await
                        .expect("body");
                    bytes += body.len();
                }
                bytes
            }));
        }
        let mut bytes = 0;
        for task in tasks {
            bytes += task.await.expect("task");
        }
        let elapsed = started.elapsed().max(Duration::from_micros(1));
        let done = per_task * concurrency;
        println!(
            "{label}: {done} EOB pages (_count=10) in {:.2} s with {concurrency} connections: {:.0} pages/s, {:.1} MB/s",
            elapsed.as_secs_f64(),
            done as f64 / elapsed.as_secs_f64(),
            bytes as f64 / elapsed.as_secs_f64() / 1e6
        );
        sb.shutdown().await;
    }
}
