//! Plays the browser for `bluebutton login --no-browser`: reads the authorize URL from the
//! first argument, lets the sandbox auto-approve it, then follows the redirect to the CLI's
//! loopback callback so the CLI can finish its login.

use bluebutton_bench::{BenchError, print_report, raw_client};
use serde_json::json;
use url::Url;

#[tokio::main]
async fn main() {
    let Some(url) = std::env::args().nth(1) else {
        eprintln!("usage: bench-browser AUTHORIZE_URL");
        std::process::exit(2);
    };
    if let Err(e) = run(&url).await {
        eprintln!("bench-browser: {e}");
        std::process::exit(1);
    }
}

async fn run(url: &str) -> Result<(), BenchError> {
    let authorize = Url::parse(url.trim()).map_err(|e| BenchError::Unexpected {
        what: "authorize URL",
        detail: e.to_string(),
    })?;
    let http = raw_client()?;
    // The login's own authorize URL; the sandbox answers 302 to the registered callback.
    let response = http
        .get(authorize.clone())
        .send()
        .await
        .map_err(BenchError::http("authorize"))?;
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .map(str::to_owned)
        .ok_or_else(|| BenchError::Unexpected {
            what: "authorize",
            detail: format!("status {} without a Location", response.status()),
        })?;
    let callback = authorize
        .join(&location)
        .map_err(|e| BenchError::Unexpected {
            what: "authorize",
            detail: format!("bad Location: {e}"),
        })?;
    let status = http
        .get(callback)
        .send()
        .await
        .map_err(BenchError::http("callback"))?
        .status();
    print_report(&json!({"callback_status": status.as_u16()}));
    Ok(())
}
