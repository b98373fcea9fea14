//! `cargo xtask ci`: the whole check that CI runs (formatting, lints, docs, the build without
//! default features, packaging of the published crates, tests).

use std::path::Path;
use std::process::Command;

use clap::Args;

use crate::cmd::{StepFailed, cargo, failed, run_step};

/// What the web example's browser test drives (Debian's `chromium-driver` and `chromium`).
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// Options of `cargo xtask ci`.
#[derive(Debug, Args)]
pub(crate) struct CiArgs {
    /// Skip `cargo doc` (it is the slowest of the static checks).
    #[arg(long)]
    no_doc: bool,
    /// Also build every published crate from its packaged `.crate` file (`cargo publish
    /// --workspace --dry-run` with verification: minutes, as each crate is compiled again).
    #[arg(long)]
    publish_verify: bool,
}

/// Runs every CI step in order, stopping at the first failure.
pub(crate) fn run(args: &CiArgs) -> Result<(), StepFailed> {
    match crate::codegen::missing_definitions() {
        None => {
            println!("==> cargo xtask codegen --check");
            crate::codegen::run(&crate::codegen::CodegenArgs::check()).map_err(|err| {
                StepFailed {
                    step: "cargo xtask codegen --check".to_owned(),
                    detail: err.to_string(),
                }
            })?;
        }
        Some(definitions) => println!(
            "==> cargo xtask codegen --check: skipped: definitions not found at {}",
            definitions.display()
        ),
    }

    crate::deps::run()?;

    let mut fmt = cargo();
    fmt.args(["fmt", "--all", "--check"]);
    run_step("cargo fmt --all --check", fmt)?;

    let mut clippy = cargo();
    clippy.args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]);
    run_step(
        "cargo clippy --workspace --all-targets -- -D warnings",
        clippy,
    )?;

    if !args.no_doc {
        let mut doc = cargo();
        doc.args(["doc", "--workspace", "--no-deps", "--locked"])
            .env("RUSTDOCFLAGS", "-D warnings");
        run_step("cargo doc --workspace --no-deps", doc)?;
    }

    let mut minimal = cargo();
    minimal.args([
        "check",
        "-p",
        "bluebutton",
        "--no-default-features",
        "--locked",
    ]);
    run_step(
        "cargo check -p bluebutton --no-default-features (no SQLite)",
        minimal,
    )?;

    // Packages every crate that is not `publish = false` as crates.io would receive it
    // (metadata, README, licenses, files; it reads the registry index). Uncommitted changes
    // are allowed: this checks the packages, not the git state.
    let mut publish = cargo();
    publish.args([
        "publish",
        "--workspace",
        "--dry-run",
        "--allow-dirty",
        "--locked",
    ]);
    let publish_step = if args.publish_verify {
        "cargo publish --workspace --dry-run"
    } else {
        publish.arg("--no-verify");
        "cargo publish --workspace --dry-run --no-verify"
    };
    run_step(publish_step, publish)?;

    ensure_browser()?;

    let mut test = cargo();
    test.args(["test", "--workspace", "--locked"]);
    run_step("cargo test --workspace", test)?;

    println!("xtask ci: all checks passed");
    Ok(())
}

/// Installs headless Chromium and chromedriver for the web example's browser test when they
/// are missing and this runs as root (`apt-get`, refreshing the package lists if the first
/// try fails). Otherwise it says so: the test then skips, or fails under `CI=true`.
fn ensure_browser() -> Result<(), StepFailed> {
    const STEP: &str = "browser for the web example's test (chromium, chromium-driver)";
    if Path::new(CHROMEDRIVER).exists() && Path::new(CHROMIUM).exists() {
        println!("==> {STEP}: found {CHROMEDRIVER} and {CHROMIUM}");
        return Ok(());
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0");
    if !root {
        println!(
            "==> {STEP}: missing and not root, so not installed: the browser test skips \
             (and fails under CI=true); install with `apt-get install chromium chromium-driver`"
        );
        return Ok(());
    }
    let install = || {
        let mut apt = Command::new("apt-get");
        apt.args([
            "install",
            "-y",
            "--no-install-recommends",
            "chromium",
            "chromium-driver",
        ])
        .env("DEBIAN_FRONTEND", "noninteractive");
        apt
    };
    let step = "apt-get install chromium chromium-driver";
    if run_step(step, install()).is_err() {
        let mut update = Command::new("apt-get");
        update.arg("update");
        run_step("apt-get update", update)?;
        run_step(step, install())?;
    }
    if Path::new(CHROMEDRIVER).exists() && Path::new(CHROMIUM).exists() {
        Ok(())
    } else {
        Err(failed(
            STEP,
            format!("installed, but {CHROMEDRIVER} or {CHROMIUM} is still missing"),
        ))
    }
}
