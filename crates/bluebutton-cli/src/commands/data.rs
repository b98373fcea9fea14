//! `patient`, `coverage`, `userinfo`, `metadata`: one JSON document each on standard output.

use bluebutton::{
    ApiVersion, BlueButton, Bundle, Bytes, Error as ApiError, Search, SearchResource,
};

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
        let json = search.first::<serde_json::Value>().await?;
        return Ok(serde_json::to_string(&json).map_err(std::io::Error::from)?);
    }
    to_json(&search.first::<Bundle>().await?)
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

/// The beneficiary's profile, as the server sent it (needs the `profile` scope, which the
/// library checks before sending).
pub(crate) async fn userinfo(cli: &Cli) -> Result<Exit, CliError> {
    let context = Context::with_login(cli).await?;
    match context.beneficiary().userinfo::<Bytes>().await {
        Ok(body) => print_document(&body)?,
        Err(ApiError::ScopeNotGranted { .. }) => {
            return Err(CliError::ScopeNotGranted {
                what: "userinfo",
                scope: "profile",
            });
        }
        Err(other) => return Err(other.into()),
    }
    Ok(Exit::Success)
}

/// The CapabilityStatement, as the server sent it (no login needed).
pub(crate) async fn metadata(cli: &Cli) -> Result<Exit, CliError> {
    // No token is involved: no token file is opened.
    let client = BlueButton::new(load_config(cli)?)?;
    let body = client.metadata::<Bytes>().await?;
    print_document(&body)?;
    Ok(Exit::Success)
}
