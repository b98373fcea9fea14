//! `cargo run --example axum_app`: the official SDK's Flask sample in axum, on
//! http://127.0.0.1:3000/. Uses `.bluebutton-config.json` (or `BLUEBUTTON_*`) when present,
//! whose callback URL must be `http://127.0.0.1:3000/api/bluebutton/callback/`; otherwise the
//! embedded sandbox, which approves every login automatically.

use bluebutton::{BlueButton, Config};
use bluebutton_examples::axum_app::{CALLBACK_PATH, serve};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let app_url = "http://127.0.0.1:3000";
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    let mut _sandbox = None;
    let config = match Config::discover() {
        Ok(config) => config,
        Err(_) => {
            let sandbox = bluebutton_sandbox::Sandbox::builder()
                .redirect_uri(format!("{app_url}{CALLBACK_PATH}"))
                .start()
                .await?;
            let config = Config::builder()
                .client_id(sandbox.client_id())
                .client_secret(sandbox.client_secret())
                .callback_url(format!("{app_url}{CALLBACK_PATH}"))
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
    println!("Open {app_url}/ in a browser (Ctrl-C to stop)");
    serve(listener, BlueButton::new(config)?).await?;
    Ok(())
}
