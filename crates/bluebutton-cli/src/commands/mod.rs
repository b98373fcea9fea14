//! Runs the parsed command: one module per command family.

mod config;
mod data;
mod eob;
mod export;
mod fhir;
mod login;
mod sandbox;
mod token;

use std::io::Write;

use bluebutton_config::ConfigKey;

use crate::cli::{Cli, Command, ConfigCommand, FhirCommand, SandboxCommand};
use crate::error::CliError;
use crate::exit::Exit;

/// Runs `cli.command`; `Ok` carries the exit status of a command that finished normally. A
/// network failure also names the configured server and where its address came from; rejected
/// client credentials name the settings to check and where they came from.
pub(crate) async fn run(cli: &Cli) -> Result<Exit, CliError> {
    dispatch(cli).await.map_err(|error| {
        name_the_profile(cli, name_the_credentials(cli, name_the_server(cli, error)))
    })
}

/// A login missing from the store, in the user's terms: the profile and the command to run.
fn name_the_profile(cli: &Cli, error: CliError) -> CliError {
    match &error {
        CliError::Auth(bluebutton::AuthError::TokenNotFound { .. })
        | CliError::Api(bluebutton::Error::Auth(bluebutton::AuthError::TokenNotFound { .. })) => {
            CliError::LoginMissing {
                profile: cli.profile.clone(),
            }
        }
        _ => error,
    }
}

/// `error`, wrapped with the sources of `client_id` and `client_secret` when the server
/// rejected them (`invalid_client`).
fn name_the_credentials(cli: &Cli, error: CliError) -> CliError {
    let auth = match &error {
        CliError::Auth(auth) | CliError::Api(bluebutton::Error::Auth(auth)) => auth,
        _ => return error,
    };
    if !matches!(auth, bluebutton::AuthError::OAuth { error, .. } if error == "invalid_client") {
        return error;
    }
    let Ok(config) = crate::context::load_config(cli) else {
        return error;
    };
    CliError::ClientRejected {
        source: Box::new(error),
        client_id_from: config.source_of(ConfigKey::ClientId).to_string(),
        client_secret_from: config.source_of(ConfigKey::ClientSecret).to_string(),
    }
}

/// `error`, wrapped with the configured `base_url` when it is a network failure of a command
/// that talks to the configured server.
fn name_the_server(cli: &Cli, error: CliError) -> CliError {
    if crate::exit::of(&error) != Exit::Network || matches!(cli.command, Command::Sandbox(_)) {
        return error;
    }
    let Ok(config) = crate::context::load_config_without_credentials(cli) else {
        return error;
    };
    let (base_url, origin, loopback) = crate::retries::server_origin(&config);
    CliError::Unreachable {
        source: Box::new(error),
        base_url: Box::new(base_url),
        origin,
        loopback,
    }
}

async fn dispatch(cli: &Cli) -> Result<Exit, CliError> {
    match &cli.command {
        Command::Login(args) => login::run(cli, args).await,
        Command::Token(command) => token::run(cli, command).await,
        Command::Patient => data::patient(cli).await,
        Command::Coverage => data::coverage(cli).await,
        Command::Userinfo => data::userinfo(cli).await,
        Command::Metadata => data::metadata(cli).await,
        Command::InsuranceCard => data::insurance_card(cli).await,
        Command::Eob(args) => eob::run(cli, args).await,
        Command::Export(args) => export::run(cli, args).await,
        Command::Config(ConfigCommand::Show { json }) => config::show(cli, *json),
        Command::Fhir(FhirCommand::Check { files, strict }) => fhir::check(files, *strict),
        Command::Sandbox(SandboxCommand::Serve(args)) => sandbox::serve(args).await,
        Command::Completions { shell } => completions(*shell),
        Command::Man => man_page(),
    }
}

/// Prints the completion script of `shell`.
fn completions(shell: clap_complete::Shell) -> Result<Exit, CliError> {
    use clap::CommandFactory;
    let mut out = std::io::stdout().lock();
    clap_complete::generate(shell, &mut Cli::command(), "bluebutton", &mut out);
    out.flush()?;
    Ok(Exit::Success)
}

/// Prints the manual page (roff).
fn man_page() -> Result<Exit, CliError> {
    use clap::CommandFactory;
    let mut out = std::io::stdout().lock();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    out.flush()?;
    Ok(Exit::Success)
}

/// Writes `bytes` to standard output followed by a line break if they lack one.
pub(crate) fn print_document(bytes: &[u8]) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    if !bytes.ends_with(b"\n") {
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}
