//! `sandbox serve`: runs the emulator in this process and writes a config file pointing at it.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use bluebutton_sandbox::{ConsentMode, Faults, Sandbox, SandboxHandle};

use crate::cli::ServeArgs;
use crate::error::CliError;
use crate::exit::Exit;

/// The config file name `Config::discover` finds.
const CONFIG_FILE: &str = ".bluebutton-config.json";

/// The config of a client of `sandbox`: environment LOCAL, `base_url` = the sandbox.
pub(crate) fn client_config(sandbox: &SandboxHandle, callback_url: &url::Url) -> serde_json::Value {
    serde_json::json!({
        "client_id": sandbox.client_id(),
        "client_secret": sandbox.client_secret(),
        "callback_url": callback_url.as_str(),
        "environment": "LOCAL",
        "base_url": sandbox.base_url().as_str(),
        "version": 2,
    })
}

fn write_config(dir: &Path, config: &serde_json::Value) -> Result<PathBuf, CliError> {
    std::fs::create_dir_all(dir).map_err(CliError::io(dir))?;
    let path = dir.join(CONFIG_FILE);
    let text = serde_json::to_string_pretty(config).map_err(|e| CliError::Io {
        path: path.clone(),
        source: e.into(),
    })?;
    std::fs::write(&path, text + "\n").map_err(CliError::io(&path))?;
    Ok(path)
}

/// Starts the sandbox, prints `key=value` lines (base_url, client_id, client_secret,
/// callback_url, config, one `beneficiary=` line each, then `ready`) and serves until Ctrl-C or
/// SIGTERM. With `--consent-page`, every authorization shows the sandbox's HTML consent page.
pub(crate) async fn serve(args: &ServeArgs) -> Result<Exit, CliError> {
    let faults = Faults::none()
        .server_error_rate(args.fault_5xx)
        .throttle_rate(args.fault_429)
        .retry_after(Duration::from_secs(1));
    let sandbox = Sandbox::builder()
        .bind(SocketAddr::from((Ipv4Addr::LOCALHOST, args.port)))
        .beneficiaries(args.beneficiaries)
        .claims_per_beneficiary(args.claims)
        .access_token_ttl(args.token_ttl)
        .seed(args.seed)
        .faults(faults)
        .redirect_uri(args.callback_url.as_str())
        .consent(if args.consent_page {
            ConsentMode::ConsentPage
        } else {
            ConsentMode::AutoApprove
        })
        .start()
        .await?;
    let dir = match &args.config_dir {
        Some(dir) => dir.clone(),
        None => tempfile::Builder::new()
            .prefix("bluebutton-sandbox-")
            .tempdir()
            .map_err(CliError::io(std::env::temp_dir()))?
            .keep(),
    };
    let path = write_config(&dir, &client_config(&sandbox, &args.callback_url))?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "base_url={}", sandbox.base_url())?;
        writeln!(out, "client_id={}", sandbox.client_id())?;
        writeln!(out, "client_secret={}", sandbox.client_secret())?;
        writeln!(out, "callback_url={}", args.callback_url)?;
        writeln!(out, "config={}", path.display())?;
        for bene in sandbox.beneficiaries() {
            writeln!(
                out,
                "beneficiary={} claims={}",
                bene.patient_id, bene.claim_count
            )?;
        }
        writeln!(out, "ready")?;
        out.flush()?;
    }
    eprintln!(
        "sandbox listening on {}; try: bluebutton --config {} login (Ctrl-C to stop)",
        sandbox.base_url(),
        path.display()
    );
    stopped().await?;
    sandbox.shutdown().await;
    Ok(Exit::Success)
}

/// Waits for Ctrl-C (SIGINT), or SIGTERM on Unix.
async fn stopped() -> Result<(), CliError> {
    let runtime = |source| CliError::Runtime { source };
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .map_err(runtime)?;
        tokio::select! {
            interrupted = tokio::signal::ctrl_c() => interrupted.map_err(runtime),
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.map_err(runtime)
    }
}
