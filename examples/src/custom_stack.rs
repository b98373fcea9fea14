//! A custom stack without the facade: `bluebutton-config` + `bluebutton-transport` +
//! `bluebutton-auth`, for apps that want their own HTTP handling or data models.

use std::io::Write;
use std::sync::Arc;

use bluebutton_auth::{AuthClient, AuthRequest, CallbackQuery, MemoryStore, TokenManager};
use bluebutton_config::Config;
use bluebutton_sandbox::Sandbox;
use bluebutton_transport::{Request, Transport};
use url::Url;

use crate::quickstart::BoxError;

/// What the custom stack fetched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fetched {
    /// The patient id.
    pub patient: String,
    /// ExplanationOfBenefit resources over every page.
    pub claims: usize,
    /// Pages fetched.
    pub pages: usize,
}

/// Runs the flow against `config`, using `approve` as the browser (it receives the authorize
/// URL and returns the callback's query string).
pub async fn run<F, Fut>(
    config: &Config,
    approve: F,
    out: &mut (dyn Write + Send),
) -> Result<Fetched, BoxError>
where
    F: FnOnce(Url) -> Fut,
    Fut: std::future::Future<Output = Result<String, BoxError>>,
{
    // 1. Transport: retries, timeouts, origin-pinned bearer tokens.
    let transport = Transport::builder(config)
        .user_agent_suffix("custom-stack-example/1.0")
        .build()?;
    // 2. OAuth client and a token manager over a store.
    let auth = AuthClient::new(config, transport.clone());
    let tokens = TokenManager::from_config(config, auth.clone(), Arc::new(MemoryStore::new()));

    let request = AuthRequest::new();
    let query = approve(auth.authorize_url(&request)).await?;
    let token = auth
        .exchange_code(request, &CallbackQuery::parse(&query)?)
        .await?;
    let patient = token.patient().unwrap_or("me").to_owned();
    tokens.insert(&patient, &token).await?;
    writeln!(out, "connected patient {patient}")?;

    // 3. Page through the claims with raw JSON, following `next` links ourselves.
    let mut url = Some(
        config
            .endpoints()
            .fhir_base
            .join("ExplanationOfBenefit/?_count=25")?,
    );
    let (mut claims, mut pages) = (0, 0);
    while let Some(next) = url.take() {
        let access = tokens.access_token(&patient).await?;
        let response = transport
            .send(Request::get(next).bearer(access.secret()))
            .await?;
        let bundle: serde_json::Value = response.json()?;
        pages += 1;
        claims += bundle["entry"].as_array().map_or(0, Vec::len);
        url = bundle["link"]
            .as_array()
            .and_then(|links| links.iter().find(|l| l["relation"] == "next"))
            .and_then(|l| l["url"].as_str())
            .map(Url::parse)
            .transpose()?;
    }
    writeln!(out, "fetched {claims} claims in {pages} pages")?;
    Ok(Fetched {
        patient,
        claims,
        pages,
    })
}

/// Starts the embedded sandbox and runs [`run`] against it (the sandbox auto-approves).
pub async fn run_sandbox(out: &mut (dyn Write + Send)) -> Result<Fetched, BoxError> {
    let sandbox = Sandbox::builder().start().await?;
    let config = Config::builder()
        .client_id(sandbox.client_id())
        .client_secret(sandbox.client_secret())
        .callback_url(sandbox.redirect_uri().as_str())
        .base_url(sandbox.base_url().as_str())
        .build()?;
    let browser = Transport::new(&config)?;
    run(
        &config,
        |authorize| async move {
            let response = browser.send_raw(Request::get(authorize)).await?;
            let location = response
                .headers()
                .get(http::header::LOCATION)
                .ok_or("no redirect")?
                .to_str()?;
            Ok(Url::parse(location)?.query().unwrap_or_default().to_owned())
        },
        out,
    )
    .await
}
