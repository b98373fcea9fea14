//! `cargo xtask man`: the CLI's manual page, rendered by the binary itself from its clap
//! definition (`bluebutton man`, hidden) and written to a file.

use std::path::PathBuf;

use clap::Args;

use crate::cmd::{self, StepFailed};

/// Options of `man`.
#[derive(Debug, Args)]
pub(crate) struct ManArgs {
    /// Directory to write `bluebutton.1` into (default: `<target dir>/man`).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

/// Builds the CLI, renders its manual page and writes `bluebutton.1`.
pub(crate) fn run(args: &ManArgs) -> Result<(), StepFailed> {
    let step = "man page";
    let mut command = cmd::cargo();
    command.args([
        "run",
        "--quiet",
        "-p",
        "bluebutton-cli",
        "--bin",
        "bluebutton",
        "--",
        "man",
    ]);
    let output = command
        .output()
        .map_err(|err| cmd::failed(step, format!("could not start cargo: {err}")))?;
    if !output.status.success() {
        return Err(cmd::failed(
            step,
            format!(
                "`bluebutton man` exited with {}: {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ),
        ));
    }
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| cmd::target_dir().join("man"));
    std::fs::create_dir_all(&dir)
        .map_err(|err| cmd::failed(step, format!("{}: {err}", dir.display())))?;
    let path = dir.join("bluebutton.1");
    std::fs::write(&path, &output.stdout)
        .map_err(|err| cmd::failed(step, format!("{}: {err}", path.display())))?;
    println!("wrote {}", path.display());
    Ok(())
}
