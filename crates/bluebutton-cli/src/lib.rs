//! The `bluebutton` command-line client of the CMS Blue Button 2.0 API, as a library: the
//! binary's `main` calls [`main`].
//!
//! For developers trying the API, researchers pulling their own data, and scripts: sign in
//! through the browser (`login`), read the beneficiary's data as JSON, NDJSON or CSV (`patient`,
//! `coverage`, `userinfo`, `metadata`, `eob`, `export`), inspect the configuration
//! (`config show`), check FHIR files (`fhir check`) and run the local emulator
//! (`sandbox serve`). See the crate README for the exit codes.
//!
//! # Test hook
//!
//! `BLUEBUTTON_TEST_TOKEN_WRITE_FAULT=enospc` makes every write of the token file fail as a
//! full disk does (ENOSPC from the temp file's `fsync`, through
//! [`bluebutton_auth::WriteFaults`]), so tests can run the real binary through a rotation whose
//! write fails. It is read by this program only, is not a `BLUEBUTTON_*` setting of the
//! configuration, and is never needed outside tests; any other value is refused (exit 2).
#![deny(missing_docs)]

mod cli;
mod commands;
mod context;
mod error;
mod exit;
mod interrupt;
mod loopback;
mod output;
mod pager;
mod progress;
mod retries;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::Cli;
use crate::exit::Exit;

fn init_tracing(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let default = match verbose {
        0 => "warn",
        1 => {
            "warn,bluebutton=debug,bluebutton_cli=debug,bluebutton_auth=debug,bluebutton_transport=debug,bluebutton_sandbox=debug"
        }
        _ => {
            "info,bluebutton=trace,bluebutton_cli=trace,bluebutton_auth=trace,bluebutton_transport=trace,bluebutton_sandbox=trace"
        }
    };
    let filter = match std::env::var("RUST_LOG") {
        Ok(directives) if verbose == 0 && !directives.is_empty() => EnvFilter::new(directives),
        _ => EnvFilter::new(default),
    };
    // Colour only on a terminal: logs redirected to a file stay plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .with_target(verbose > 1)
        .try_init();
}

/// Parses the command line, runs the command and returns the documented exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose);
    // One thread: a command is one sequence of requests, so worker threads would only add
    // cross-thread wake-ups and per-thread allocator arenas (the blocking pool still exists for
    // the browser launcher and file I/O).
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(source) => {
            let error = error::CliError::Runtime { source };
            eprintln!("bluebutton: error: {error}");
            return Exit::Failure.into();
        }
    };
    let result = runtime.block_on(commands::run(&cli));
    // Do not wait for a browser launcher still running in the blocking pool.
    runtime.shutdown_background();
    match result {
        Ok(exit) => exit.into(),
        Err(error) if error.is_broken_pipe() => Exit::Success.into(),
        Err(error) => {
            let exit = exit::of(&error);
            let mut line = format!("bluebutton: error: {error}");
            if exit == Exit::Auth
                && !matches!(cli.command, cli::Command::Login(_))
                && !line.contains("login`")
            {
                line.push_str(" (run `bluebutton login` to sign in again)");
            }
            if cli.verbose > 0 {
                let mut source = std::error::Error::source(&error);
                while let Some(cause) = source {
                    line.push_str(&format!("\n  caused by: {cause}"));
                    source = cause.source();
                }
            }
            eprintln!("{line}");
            exit.into()
        }
    }
}
