//! `cargo xtask`: the project's automation entry point (CI checks, and later codegen, suites and benchmarks).

mod ci;
mod cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Project automation for bluebutton-rs.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run every check CI runs: formatting, clippy, docs and the whole test suite.
    Ci(ci::CiArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Ci(args) => ci::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: {err}");
            ExitCode::FAILURE
        }
    }
}
