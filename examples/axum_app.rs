//! `cargo run --example axum_app`: the official SDK's Flask sample in axum, on port 3001 as the
//! sample. With `.bluebutton-config.json` (`.yaml`, `.yml`) or `BLUEBUTTON_*` variables it
//! runs against that environment and listens on the port of its `callback_url` (which must be
//! `http(s)://<host>:<port>/api/bluebutton/callback/`); an invalid configuration is reported
//! and the app exits. With neither, it starts the embedded sandbox, whose consent page asks
//! who you are.
//!
//! `GET /` answers the authorize URL (the login then ends in the sample's JSON), and
//! `/app` is the HTML view with Connect and Disconnect.

use std::process::ExitCode;

use bluebutton::{BlueButton, Config};
use bluebutton_examples::axum_app::{CALLBACK_PATH, DEFAULT_PORT, find_config, serve};
use bluebutton_sandbox::ConsentMode;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("axum_app: {err}");
            ExitCode::from(2)
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::current_dir()?;
    let found = find_config(&dir, std::env::vars())
        .map_err(|err| format!("invalid configuration: {err}"))?;
    let mut _sandbox = None;
    let config = match found {
        Some(config) => config,
        None => {
            let callback = format!("http://127.0.0.1:{DEFAULT_PORT}{CALLBACK_PATH}");
            let sandbox = bluebutton_sandbox::Sandbox::builder()
                .redirect_uri(callback.clone())
                .consent(ConsentMode::ConsentPage)
                .start()
                .await?;
            let config = Config::builder()
                .client_id(sandbox.client_id())
                .client_secret(sandbox.client_secret())
                .callback_url(callback)
                .base_url(sandbox.base_url().as_str())
                .build()?;
            println!(
                "No configuration found: using the embedded sandbox at {}",
                sandbox.base_url()
            );
            _sandbox = Some(sandbox);
            config
        }
    };
    let callback = config.callback_url();
    let port = callback.port_or_known_default().unwrap_or(DEFAULT_PORT);
    let origin = callback.origin().ascii_serialization();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!(
        "Open {origin}/app in a browser, or GET {origin}/ for the authorize URL (Ctrl-C to stop)"
    );
    serve(listener, BlueButton::new(config)?).await?;
    Ok(())
}
