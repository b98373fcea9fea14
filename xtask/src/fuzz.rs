//! `cargo xtask fuzz --seconds N`: runs every cargo-fuzz target of `fuzz/` for N seconds each
//! and reports executions and findings.
//!
//! cargo-fuzz needs nightly compiler flags (`-Zsanitizer`, `-Cpasses=sancov-module`). On the
//! stable toolchain they are unlocked with `RUSTC_BOOTSTRAP=1`, which this command sets. Install
//! the tool once with `cargo install cargo-fuzz --locked`. The targets build without a sanitizer
//! by default (`--sanitizer none`): the code under test forbids `unsafe`, so what fuzzing finds
//! is panics, overflows and hangs, which need no sanitizer. Seeds: `fuzz/seeds/<target>/`
//! (committed), plus the JSON fixtures of `../shared/fixtures` for the FHIR targets when that
//! folder exists (read only). New inputs go to `fuzz/corpus/<target>/`, crashes to
//! `fuzz/artifacts/<target>/` (both ignored by git).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use clap::Args;

use crate::cmd::{StepFailed, failed, workspace_root};

/// Options of `cargo xtask fuzz`.
#[derive(Debug, Args)]
#[command(after_help = "\
Setup (once): cargo install cargo-fuzz --locked
cargo-fuzz needs nightly-only compiler flags; on the stable toolchain this command unlocks them
with RUSTC_BOOTSTRAP=1 (set it yourself when running cargo fuzz by hand). See fuzz/README.md.
Runs, per target: RUSTC_BOOTSTRAP=1 cargo fuzz run <target> --sanitizer none \\
    fuzz/corpus/<target> fuzz/seeds/<target> [../shared/fixtures/...] \\
    -- -max_total_time=<seconds> -print_final_stats=1
Targets: config_parse, config_file (size, depth and repeated-key limits), callback_parse,
callback_request (the login listener's screening of stray requests), fhir_deserialize,
bundle_links. One of them: cargo xtask fuzz --seconds 120 --target callback_request
Crashes are saved in fuzz/artifacts/<target>/; replay one with
    RUSTC_BOOTSTRAP=1 cargo fuzz run <target> --sanitizer none <artifact file>")]
pub(crate) struct FuzzArgs {
    /// How long to fuzz each target, in seconds.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Fuzz only this target (default: every target in fuzz/fuzz_targets).
    #[arg(long)]
    target: Option<String>,
    /// The sanitizer (`none`, `address`, ...), passed to `cargo fuzz run --sanitizer`.
    #[arg(long, default_value = "none")]
    sanitizer: String,
}

/// The outcome of one target.
struct Outcome {
    target: String,
    executions: Option<u64>,
    seconds: f64,
    crashed: bool,
    artifacts: Vec<PathBuf>,
}

/// Builds and runs each target, then prints a summary; fails if any target found a crash.
pub(crate) fn run(args: &FuzzArgs) -> Result<(), StepFailed> {
    let root = workspace_root();
    let fuzz_dir = root.join("fuzz");
    if !works(Command::new(cargo_bin()).args(["fuzz", "--version"])) {
        return Err(failed(
            "cargo fuzz",
            "cargo-fuzz is not installed: run `cargo install cargo-fuzz --locked`",
        ));
    }
    let mut targets = list_targets(&fuzz_dir)?;
    if let Some(only) = &args.target {
        targets.retain(|t| t == only);
        if targets.is_empty() {
            return Err(failed("cargo fuzz", format!("no fuzz target named {only}")));
        }
    }
    let mut outcomes = Vec::new();
    for target in &targets {
        outcomes.push(run_target(&root, target, args)?);
    }
    println!("fuzz summary ({} s per target):", args.seconds);
    for o in &outcomes {
        let executions = o
            .executions
            .map_or_else(|| "unknown".to_owned(), |n| n.to_string());
        println!(
            "    {:<20} executions={executions:<12} wall={:.0}s findings={}",
            o.target,
            o.seconds,
            o.artifacts.len() + usize::from(o.crashed && o.artifacts.is_empty())
        );
        for artifact in &o.artifacts {
            println!("        {}", artifact.display());
        }
    }
    let crashed: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.crashed)
        .map(|o| o.target.as_str())
        .collect();
    if crashed.is_empty() {
        println!("xtask fuzz: no findings");
        Ok(())
    } else {
        Err(failed(
            "cargo fuzz",
            format!("findings in: {}", crashed.join(", ")),
        ))
    }
}

fn cargo_bin() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

fn works(command: &mut Command) -> bool {
    command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The targets: the file stems of `fuzz/fuzz_targets/*.rs`, sorted.
fn list_targets(fuzz_dir: &Path) -> Result<Vec<String>, StepFailed> {
    let dir = fuzz_dir.join("fuzz_targets");
    let entries = std::fs::read_dir(&dir)
        .map_err(|err| failed("cargo fuzz", format!("{}: {err}", dir.display())))?;
    let mut targets: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    targets.sort();
    Ok(targets)
}

/// Read-only seed folders from `../shared/fixtures` for the FHIR targets.
fn fixture_seeds(root: &Path, target: &str) -> Vec<PathBuf> {
    if !target.starts_with("fhir") && !target.starts_with("bundle") {
        return Vec::new();
    }
    let fixtures = root.join("..").join("shared").join("fixtures");
    let mut dirs = Vec::new();
    let mut stack = vec![fixtures];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut has_json = false;
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                has_json = true;
            }
        }
        if has_json {
            dirs.push(dir);
        }
    }
    dirs.sort();
    dirs
}

fn run_target(root: &Path, target: &str, args: &FuzzArgs) -> Result<Outcome, StepFailed> {
    let step = format!("cargo fuzz run {target} ({} s)", args.seconds);
    println!("==> {step}");
    let corpus = root.join("fuzz").join("corpus").join(target);
    let seeds = root.join("fuzz").join("seeds").join(target);
    std::fs::create_dir_all(&corpus)
        .map_err(|err| failed(&step, format!("{}: {err}", corpus.display())))?;
    let artifacts_dir = root.join("fuzz").join("artifacts").join(target);
    let before = list_files(&artifacts_dir);

    let mut command = Command::new(cargo_bin());
    command
        .current_dir(root)
        .env("RUSTC_BOOTSTRAP", "1")
        .args(["fuzz", "run", target, "--sanitizer", &args.sanitizer])
        .arg(&corpus);
    if seeds.is_dir() {
        command.arg(&seeds);
    }
    let fixtures = fixture_seeds(root, target);
    if !fixtures.is_empty() {
        println!(
            "    seeding from {} fixture folder(s) under ../shared/fixtures",
            fixtures.len()
        );
    }
    command.args(&fixtures).args([
        "--".to_owned(),
        format!("-max_total_time={}", args.seconds),
        "-print_final_stats=1".to_owned(),
        "-timeout=10".to_owned(),
        "-rss_limit_mb=2048".to_owned(),
    ]);
    command.stderr(Stdio::piped());
    let started = Instant::now();
    let output = command
        .spawn()
        .and_then(|child| child.wait_with_output())
        .map_err(|err| failed(&step, format!("could not start cargo fuzz: {err}")))?;
    let seconds = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let executions = stderr
        .lines()
        .rev()
        .filter_map(|l| l.trim().strip_prefix("stat::number_of_executed_units:"))
        .find_map(|n| n.trim().parse().ok());
    // The panic message (if any), then the final statistics.
    let lines: Vec<&str> = stderr.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if line.contains("panicked at") {
            for shown in lines.iter().skip(i).take(3) {
                println!("    | {shown}");
            }
        }
    }
    for line in lines
        .iter()
        .filter(|l| l.starts_with("stat::") || l.starts_with("Done "))
    {
        println!("    | {line}");
    }
    let artifacts: Vec<PathBuf> = list_files(&artifacts_dir)
        .into_iter()
        .filter(|p| !before.contains(p))
        .collect();
    let crashed = !output.status.success();
    if crashed && executions.is_none() && artifacts.is_empty() {
        return Err(failed(
            &step,
            format!("cargo fuzz exited with {} before fuzzing", output.status),
        ));
    }
    println!("<== {step}: {seconds:.0}s");
    Ok(Outcome {
        target: target.to_owned(),
        executions,
        seconds,
        crashed,
        artifacts,
    })
}

fn list_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default()
}
