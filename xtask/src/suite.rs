//! `cargo xtask suite NAME`: end-to-end suites against a running sandbox. `official-sdk` drives the
//! official CMS Python SDK (cms-bluebutton-sdk 1.1.0) through its whole flow; it needs PyPI, so it is
//! not part of `cargo xtask ci`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};

use crate::cmd::{StepFailed, cargo, failed, run_step, runs_ok, target_dir, workspace_root};

/// The suites `cargo xtask suite` knows.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum SuiteName {
    /// The official Python SDK against `cargo run --example serve` on 127.0.0.1:8000.
    OfficialSdk,
    /// The reliability and security suite (tools/bluebutton-reliability), printing its figures.
    Reliability,
    /// The reliability suite's fault soak, `--runs` times in a row while `--burners`
    /// CPU-bound processes run beside it.
    FaultSoak,
}

/// Options of `cargo xtask suite`.
#[derive(Debug, Args)]
pub(crate) struct SuiteArgs {
    /// Which suite to run.
    #[arg(value_enum)]
    suite: SuiteName,
    /// fault-soak: how many runs in a row must pass.
    #[arg(long, default_value_t = 30)]
    runs: u32,
    /// fault-soak: how many CPU-bound processes run beside it.
    #[arg(long, default_value_t = 2)]
    burners: u32,
}

/// Runs the chosen suite.
pub(crate) fn run(args: &SuiteArgs) -> Result<(), StepFailed> {
    match args.suite {
        SuiteName::OfficialSdk => official_sdk(),
        SuiteName::Reliability => crate::reliability::run(),
        SuiteName::FaultSoak => crate::reliability::fault_soak(args.runs, args.burners),
    }
}

const SDK: &str = "cms-bluebutton-sdk==1.1.0";
const CLIENT_ID: &str = "xtask-official-sdk-client";
const CLIENT_SECRET: &str = "xtask-official-sdk-secret";
const REDIRECT_URI: &str = "http://localhost:3000/callback";

fn official_sdk() -> Result<(), StepFailed> {
    let python = PathBuf::from("python3");
    if !runs_ok(&python, &["--version"]) {
        println!("skipped: python3 is not available");
        return Ok(());
    }
    let venv = target_dir().join("official-sdk-venv");
    let venv_python = venv.join("bin").join("python");
    if !venv_python.exists() {
        let mut create = Command::new(&python);
        create.args(["-m", "venv"]).arg(&venv);
        if run_step("python3 -m venv target/official-sdk-venv", create).is_err() {
            println!("skipped: python3 cannot create a venv (is python3-venv installed?)");
            return Ok(());
        }
    }
    if !runs_ok(&venv_python, &["-m", "pip", "--version"]) {
        println!("skipped: pip is not available in the venv");
        return Ok(());
    }
    let mut install = Command::new(&venv_python);
    install.args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        SDK,
    ]);
    run_step(&format!("pip install {SDK}"), install)?;

    let mut build = cargo();
    build.args(["build", "-p", "bluebutton-sandbox", "--example", "serve"]);
    run_step("cargo build -p bluebutton-sandbox --example serve", build)?;

    let serve = target_dir().join("debug").join("examples").join("serve");
    let mut sandbox = Sandbox::start(&serve)?;
    let mut driver = Command::new(&venv_python);
    driver
        .arg(
            workspace_root()
                .join("xtask")
                .join("suites")
                .join("official_sdk.py"),
        )
        .env("BB_CLIENT_ID", CLIENT_ID)
        .env("BB_CLIENT_SECRET", CLIENT_SECRET)
        .env("BB_REDIRECT_URI", REDIRECT_URI)
        .env("BB_EXPECTED_EOBS", "52");
    let result = run_step("official SDK driver (xtask/suites/official_sdk.py)", driver);
    sandbox.stop();
    result?;
    println!("xtask suite official-sdk: passed");
    Ok(())
}

/// The `serve` example running in the background; stopped on drop.
struct Sandbox {
    child: Child,
}

impl Sandbox {
    fn start(serve: &Path) -> Result<Sandbox, StepFailed> {
        let step = "start the sandbox on 127.0.0.1:8000";
        println!("==> {step}");
        let mut child = Command::new(serve)
            .args([
                "--addr",
                "127.0.0.1:8000",
                "--client-id",
                CLIENT_ID,
                "--client-secret",
                CLIENT_SECRET,
                "--redirect-uri",
                REDIRECT_URI,
                "--claims",
                "52",
            ])
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|err| failed(step, format!("could not start {}: {err}", serve.display())))?;
        let Some(stdout) = child.stdout.take() else {
            let _ = child.kill();
            return Err(failed(step, "no stdout"));
        };
        let started = Instant::now();
        let mut sandbox = Sandbox { child };
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if line.starts_with("base_url=") || line.starts_with("started_in_ms=") {
                println!("    {line}");
            }
            if line == "ready" {
                return Ok(sandbox);
            }
            if started.elapsed() > Duration::from_secs(30) {
                break;
            }
        }
        sandbox.stop();
        Err(failed(
            step,
            "the sandbox exited before printing `ready` (is port 8000 in use?)",
        ))
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.stop();
    }
}
