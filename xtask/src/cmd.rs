//! Running child commands (cargo and friends) with their output streamed, and the workspace root.

use std::fmt;
use std::path::Path;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

/// A failed step: which command, and how it ended.
#[derive(Debug)]
pub(crate) struct StepFailed {
    pub(crate) step: String,
    pub(crate) detail: String,
}

impl fmt::Display for StepFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "step `{}` failed: {}", self.step, self.detail)
    }
}

impl std::error::Error for StepFailed {}

/// The workspace root (the parent of this crate's directory).
pub(crate) fn workspace_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(PathBuf::from)
        .unwrap_or(manifest_dir)
}

/// A [`StepFailed`] for `step` with `detail`.
pub(crate) fn failed(step: &str, detail: impl Into<String>) -> StepFailed {
    StepFailed {
        step: step.to_owned(),
        detail: detail.into(),
    }
}

/// The cargo target directory (`CARGO_TARGET_DIR`, else `<workspace>/target`).
pub(crate) fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// Whether `program args…` runs and exits 0, with its output discarded.
pub(crate) fn runs_ok(program: &Path, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The cargo binary that runs xtask (so the same toolchain is used throughout).
pub(crate) fn cargo() -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.current_dir(workspace_root());
    command
}

/// Runs `command`, streaming its output, and prints how long it took.
pub(crate) fn run_step(name: &str, mut command: Command) -> Result<(), StepFailed> {
    println!("==> {name}");
    let started = Instant::now();
    let status = command.status().map_err(|err| StepFailed {
        step: name.to_owned(),
        detail: format!("could not start: {err}"),
    })?;
    println!("<== {name}: {:.1}s", started.elapsed().as_secs_f64());
    if status.success() {
        Ok(())
    } else {
        Err(StepFailed {
            step: name.to_owned(),
            detail: format!("exited with {status}"),
        })
    }
}
