//! `patient`, `coverage`, `userinfo`, `metadata`: one JSON document each on standard output.

use bluebutton::{ApiVersion, BlueButton, Scope, Search, SearchResource};
use bluebutton_transport::Request;
use http::StatusCode;

use crate::cli::Cli;
use crate::commands::print_document;
use crate::context::{Context, load_config};
use crate::error::CliError;
use crate::exit::Exit;

/// Serializes a typed result losslessly (decimals keep their text).
fn to_json<T: serde::Serialize>(value: &T) -> Result<String, CliError> {
    bluebutton_fhir::to_json_string(value).map_err(|e| CliError::Output {
        source: std::io::Error::other(e),
    })
}

/// The first page of a search as JSON: typed and lossless for v2/v3, as received for v1.
async fn first_page<R: SearchResource>(
    search: Search<R>,
    version: ApiVersion,
) -> Result<String, CliError> {
    if version == ApiVersion::V1 {
        let json = search.send_json().await?;
        return Ok(serde_json::to_string(&json).map_err(std::io::Error::from)?);
    }
    to_json(&search.send().await?)
}

/// The beneficiary's Patient search Bundle (needs demographic scopes).
pub(crate) async fn patient(cli: &Cli) -> Result<Exit, CliError> {
    let context = Context::with_login(cli).await?;
    let version = context.client.config().version();
    let text = first_page(context.beneficiary().patient(), version).await?;
    print_document(text.as_bytes())?;
    Ok(Exit::Success)
}

/// The beneficiary's Coverage search Bundle.
pub(crate) async fn coverage(cli: &Cli) -> Result<Exit, CliError> {
    let context = Context::with_login(cli).await?;
    let version = context.client.config().version();
    let text = first_page(context.beneficiary().coverage(), version).await?;
    print_document(text.as_bytes())?;
    Ok(Exit::Success)
}

/// The beneficiary's profile, as the server sent it (needs the `profile` scope).
pub(crate) async fn userinfo(cli: &Cli) -> Result<Exit, CliError> {
    let context = Context::with_login(cli).await?;
    let refused = CliError::ScopeNotGranted {
        what: "userinfo",
        scope: "profile",
    };
    let token = context.beneficiary().token().await?;
    if !token.scopes().is_empty() && !token.has_scope(&Scope::Profile) {
        return Err(refused);
    }
    let url = context.client.endpoints().userinfo.clone();
    match context.beneficiary().get_raw(url.as_str()).await {
        Ok(body) => print_document(&body)?,
        Err(error) if error.status() == Some(StatusCode::FORBIDDEN) => return Err(refused),
        Err(other) => return Err(other.into()),
    }
    Ok(Exit::Success)
}

/// The CapabilityStatement, as the server sent it (no login needed).
pub(crate) async fn metadata(cli: &Cli) -> Result<Exit, CliError> {
    // No token is involved: no token file is opened.
    let client = BlueButton::new(load_config(cli)?)?;
    let url = client.endpoints().metadata.clone();
    let response = client
        .transport()
        .send(Request::get(url))
        .await
        .map_err(|source| CliError::Transport {
            what: "metadata",
            source,
        })?;
    print_document(response.body())?;
    Ok(Exit::Success)
}
