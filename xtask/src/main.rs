//! `cargo xtask`: the project's automation entry point (CI checks, and later codegen, suites and benchmarks).

mod bench;
mod ci;
mod cmd;
mod codegen;
mod deps;
mod fuzz;
mod man;
mod reliability;
mod suite;

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
    /// Generate the FHIR R4 and STU3 models of bluebutton-fhir from StructureDefinitions (`--check`: verify only).
    Codegen(codegen::CodegenArgs),
    /// Run an end-to-end suite against a local sandbox (`official-sdk`: the official Python SDK; needs PyPI;
    /// `reliability`: faults, refresh storms, security checks and hostile input, with their figures).
    Suite(suite::SuiteArgs),
    /// Check the dependency policy (one reqwest and one sha2 major, no banned crates) over `cargo metadata`.
    Deps,
    /// Measure end to end, parse, concurrency, memory (and with --build, build cost) against the sandbox.
    Bench(bench::BenchArgs),
    /// Run every cargo-fuzz target in fuzz/ for N seconds (needs `cargo install cargo-fuzz`).
    Fuzz(fuzz::FuzzArgs),
    /// Write the CLI's manual page (`bluebutton.1`, from its clap definition via clap_mangen).
    Man(man::ManArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Ci(args) => ci::run(&args),
        Command::Suite(args) => suite::run(&args),
        Command::Deps => deps::run(),
        Command::Fuzz(args) => fuzz::run(&args),
        Command::Bench(args) => bench::run(&args),
        Command::Man(args) => man::run(&args),
        Command::Codegen(args) => codegen::run(&args).map_err(|err| cmd::StepFailed {
            step: "codegen".to_owned(),
            detail: err.to_string(),
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: {err}");
            ExitCode::FAILURE
        }
    }
}
