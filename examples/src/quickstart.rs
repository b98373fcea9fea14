//! The quickstart: connect a beneficiary (authorize → consent → code exchange) and print a
//! summary of their data, against the embedded sandbox (no setup) or a real environment.

use std::error::Error as StdError;
use std::io::Write;
use std::path::PathBuf;

use bluebutton::prelude::*;
use bluebutton::{ApiVersion, AuthorizationToken};
use bluebutton_config::ConfigLoader;
use bluebutton_sandbox::Sandbox;
use tokio::net::TcpListener;
use url::Url;

use crate::callback;
use crate::summary::{self, Summary};

/// A boxed error for the example's plumbing.
pub type BoxError = Box<dyn StdError + Send + Sync>;

/// Claims per page the quickstart asks for (the server's maximum).
pub const PAGE_SIZE: u32 = 50;

const USAGE: &str = "\
Usage: cargo run --example quickstart [-- --config FILE]

Without a configuration, starts the embedded Blue Button sandbox and runs the whole flow
against it. With --config FILE (JSON or YAML, the official SDKs' format) or BLUEBUTTON_*
environment variables, runs against that environment: open the printed URL, log in, and the
redirect to the callback URL (which must be on localhost) is received here.";

/// Where to run.
#[derive(Debug)]
pub enum Target {
    /// The embedded sandbox.
    Sandbox,
    /// A configured environment.
    Configured(Box<Config>),
}

/// Parses the command line (without the program name) and the environment.
pub fn target_from_args(
    args: impl IntoIterator<Item = String>,
) -> Result<Option<Target>, BoxError> {
    let mut args = args.into_iter();
    let mut file: Option<PathBuf> = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--config" => {
                file = Some(args.next().ok_or("--config needs a file name")?.into());
            }
            other => return Err(format!("unknown argument {other:?}\n\n{USAGE}").into()),
        }
    }
    if let Some(file) = file {
        let config = ConfigLoader::new().file(file).process_env().load()?;
        return Ok(Some(Target::Configured(Box::new(config))));
    }
    if std::env::vars_os().any(|(k, _)| k.to_string_lossy().starts_with("BLUEBUTTON_")) {
        return Ok(Some(Target::Configured(Box::new(Config::from_env()?))));
    }
    Ok(Some(Target::Sandbox))
}

/// The example's `main`: parses arguments, runs, prints.
pub async fn main(args: impl IntoIterator<Item = String>) -> std::process::ExitCode {
    let outcome = async {
        let mut out = std::io::stdout();
        match target_from_args(args)? {
            None => {
                println!("{USAGE}");
                Ok(())
            }
            Some(Target::Sandbox) => run_sandbox(&mut out).await.map(drop),
            Some(Target::Configured(config)) => {
                let listener = callback::bind(config.callback_url()).await?;
                run_configured(*config, listener, &mut out, |url| {
                    println!("\nOpen this URL in a browser and log in:\n\n  {url}\n");
                })
                .await
                .map(drop)
            }
        }
    };
    match outcome.await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            let mut source = error.source();
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            std::process::ExitCode::FAILURE
        }
    }
}

/// Starts the embedded sandbox and runs the whole flow against it.
pub async fn run_sandbox(out: &mut (dyn Write + Send)) -> Result<Summary, BoxError> {
    let sandbox = Sandbox::builder().start().await?;
    writeln!(
        out,
        "Blue Button quickstart against the embedded sandbox at {} ({} synthetic beneficiaries)",
        sandbox.base_url(),
        sandbox.beneficiaries().len()
    )?;
    let config = Config::builder()
        .client_id(sandbox.client_id())
        .client_secret(sandbox.client_secret())
        .callback_url(sandbox.redirect_uri().as_str())
        .base_url(sandbox.base_url().as_str())
        .version(ApiVersion::V2)
        .build()?;
    let bb = BlueButton::new(config)?;

    let request = bb.new_auth_request();
    let authorize = bb.authorize_url(&request);
    writeln!(
        out,
        "1. authorize  {} (state and PKCE S256 challenge attached)",
        without_query(&authorize)
    )?;
    // The "browser": the sandbox approves on the beneficiary's behalf and redirects.
    let redirect = follow_authorize(&bb, authorize).await?;
    writeln!(
        out,
        "2. consent    auto-approved, redirected to {}",
        without_query(&redirect)
    )?;
    let beneficiary = bb
        .exchange_code(request, redirect.query().unwrap_or_default())
        .await?;
    finish(&beneficiary, out).await
}

/// Runs the flow against a configured environment: `show_url` presents the authorize URL, and
/// the redirect is awaited on `listener` (bound to the callback URL's address).
pub async fn run_configured(
    config: Config,
    listener: TcpListener,
    out: &mut (dyn Write + Send),
    show_url: impl FnOnce(&Url),
) -> Result<Summary, BoxError> {
    writeln!(
        out,
        "Blue Button quickstart against {} (API {})",
        config.base_url(),
        config.version().path_segment()
    )?;
    let callback_url = config.callback_url().clone();
    let bb = BlueButton::new(config)?;
    let request = bb.new_auth_request();
    let authorize = bb.authorize_url(&request);
    writeln!(out, "1. authorize  {}", without_query(&authorize))?;
    show_url(&authorize);
    writeln!(
        out,
        "2. consent    waiting for the redirect to {} ...",
        without_query(&callback_url)
    )?;
    let query = callback::wait(&listener, callback_url.path()).await?;
    let beneficiary = bb.exchange_code(request, &query).await?;
    finish(&beneficiary, out).await
}

async fn finish(
    beneficiary: &Beneficiary,
    out: &mut (dyn Write + Send),
) -> Result<Summary, BoxError> {
    let token = beneficiary.token().await?;
    writeln!(out, "3. exchange   {}", describe_token(&token))?;
    let summary = summary::fetch(beneficiary, PAGE_SIZE).await?;
    writeln!(
        out,
        "4. fetch      Patient, Coverage and {} ExplanationOfBenefit page(s)\n",
        summary.pages
    )?;
    writeln!(out, "{summary}")?;
    Ok(summary)
}

fn describe_token(token: &AuthorizationToken) -> String {
    format!(
        "token for patient {}, valid {} s, scopes: {}",
        token.patient().unwrap_or("?"),
        token.expires_in().as_secs(),
        bluebutton_auth::join_scopes(token.scopes())
    )
}

/// GETs the authorize URL without following redirects and returns the `Location`.
async fn follow_authorize(bb: &BlueButton, authorize: Url) -> Result<Url, BoxError> {
    let response = bb
        .transport()
        .send_raw(bluebutton_transport::Request::get(authorize))
        .await?;
    let location = response
        .headers()
        .get(http::header::LOCATION)
        .ok_or_else(|| {
            format!(
                "the authorize endpoint answered {} without a redirect",
                response.status()
            )
        })?
        .to_str()?;
    Ok(Url::parse(location)?)
}

fn without_query(url: &Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.to_string()
}
