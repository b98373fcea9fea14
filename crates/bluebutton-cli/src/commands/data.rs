//! `patient`, `coverage`, `userinfo`, `metadata`, `insurance-card`: one JSON document each on standard output,
//! byte for byte as the server sent it.

use bluebutton::{BlueButton, Bytes, Error as ApiError, RawPage, Search, SearchResource};

use crate::cli::Cli;
use crate::commands::print_document;
use crate::context::{Context, load_config_without_credentials};
use crate::error::CliError;
use crate::exit::Exit;

/// The first page of a search, exactly as the server sent it (checked to be a Bundle).
async fn first_page<R: SearchResource>(search: Search<R>) -> Result<RawPage, CliError> {
    Ok(search.first::<RawPage>().await?)
}

/// The beneficiary's Patient search Bundle (needs demographic scopes).
pub(crate) async fn patient(cli: &Cli) -> Result<Exit, CliError> {
    let context = Context::with_login(cli).await?;
    let page = first_page(context.beneficiary().patient()).await?;
    print_document(page.body())?;
    Ok(Exit::Success)
}

/// The beneficiary's Coverage search Bundle.
pub(crate) async fn coverage(cli: &Cli) -> Result<Exit, CliError> {
    let context = Context::with_login(cli).await?;
    let page = first_page(context.beneficiary().coverage()).await?;
    print_document(page.body())?;
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

/// The CapabilityStatement, as the server sent it (no login or client credentials needed).
pub(crate) async fn metadata(cli: &Cli) -> Result<Exit, CliError> {
    // No token is involved: no token file is opened.
    let config = load_config_without_credentials(cli)?;
    crate::context::warn_unknown_keys(&config);
    let transport = crate::retries::transport(&config)?;
    let client = BlueButton::builder(config).transport(transport).build()?;
    let body = client.metadata::<Bytes>().await?;
    print_document(&body)?;
    Ok(Exit::Success)
}

/// The digital insurance card Bundle (v3), as the server sent it.
pub(crate) async fn insurance_card(cli: &Cli) -> Result<Exit, CliError> {
    let context = Context::with_login(cli).await?;
    let card = context.beneficiary().insurance_card::<RawPage>().await?;
    print_document(card.body())?;
    Ok(Exit::Success)
}
