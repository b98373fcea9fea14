//! `patient`, `coverage`, `userinfo`, `metadata`: one JSON document each on standard output.

use bluebutton::{
    BlueButton, Bundle, Bytes, Error as ApiError, FhirVersion, Search, SearchResource, stu3,
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

/// The first page of a search as JSON, typed and lossless with the served release's models
/// (STU3 on v1, R4 on v2/v3).
async fn first_page<R: SearchResource>(
    search: Search<R>,
    release: FhirVersion,
) -> Result<String, CliError> {
    match release {
        FhirVersion::Stu3 => to_json(&search.first::<stu3::Bundle>().await?),
        _ => to_json(&search.first::<Bundle>().await?),
    }
}

/// The beneficiary's Patient search Bundle (needs demographic scopes).
pub(crate) async fn patient(cli: &Cli) -> Result<Exit, CliError> {
    let context = Context::with_login(cli).await?;
    let release = context.client.fhir_version();
    let text = first_page(context.beneficiary().patient(), release).await?;
    print_document(text.as_bytes())?;
    Ok(Exit::Success)
}

/// The beneficiary's Coverage search Bundle.
pub(crate) async fn coverage(cli: &Cli) -> Result<Exit, CliError> {
    let context = Context::with_login(cli).await?;
    let release = context.client.fhir_version();
    let text = first_page(context.beneficiary().coverage(), release).await?;
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
