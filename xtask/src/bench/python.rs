//! The official Python SDK's venv under `target/bench/venv`: created with `python3 -m venv`
//! and filled with `pip install cms-bluebutton-sdk==1.1.0` from the package registry.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The official SDK, pinned.
pub(crate) const SDK: &str = "cms-bluebutton-sdk==1.1.0";

/// The venv's python with the SDK installed, or why the Python row is skipped.
pub(crate) fn venv_python(bench_dir: &Path) -> Result<PathBuf, String> {
    let python = PathBuf::from("python3");
    if !crate::cmd::runs_ok(&python, &["--version"]) {
        return Err("python3 is not available".to_owned());
    }
    let venv = bench_dir.join("venv");
    let venv_python = venv.join("bin").join("python");
    if !venv_python.exists() {
        println!("==> python3 -m venv {}", venv.display());
        let created = Command::new(&python)
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .is_ok_and(|s| s.success());
        if !created {
            return Err("python3 cannot create a venv (is python3-venv installed?)".to_owned());
        }
    }
    if !crate::cmd::runs_ok(&venv_python, &["-m", "pip", "--version"]) {
        return Err("pip is not available in the venv".to_owned());
    }
    if crate::cmd::runs_ok(&venv_python, &["-c", "import cms_bluebutton, requests"]) {
        return Ok(venv_python);
    }
    println!("==> pip install {SDK}");
    let output = Command::new(&venv_python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            SDK,
        ])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("pip could not run: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "pip install {SDK} failed (no package registry?): {}",
            super::measure::tail(&String::from_utf8_lossy(&output.stderr))
        ));
    }
    Ok(venv_python)
}
