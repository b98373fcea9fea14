//! `cargo xtask codegen`: generates the FHIR models of `bluebutton-fhir` from StructureDefinitions,
//! one module per FHIR release ([`RELEASES`]: R4 for API v2/v3, STU3 for API v1).
//!
//! For each release it reads an unpacked core package (default `<workspace>/../shared/fhir-<release>-definitions`),
//! writes rustfmt-formatted Rust into the release's folder (`crates/bluebutton-fhir/src/generated/`,
//! `crates/bluebutton-fhir/src/stu3/generated/`), and with `--check` only compares the committed files
//! with a fresh generation (non-zero exit naming the stale files).

mod emit;
mod model;

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use clap::Args;

use crate::cmd::workspace_root;

/// One FHIR release that gets generated models.
#[derive(Debug)]
pub(crate) struct Release {
    /// The release's name in docs and `--release`, e.g. `R4`.
    pub(crate) name: &'static str,
    /// The default definitions folder, relative to the workspace root.
    definitions: &'static str,
    /// The output folder, relative to the workspace root.
    output: &'static str,
    /// The resources that get typed models (everything else is kept as JSON in `Resource::Other`).
    pub(crate) resources: &'static [&'static str],
}

/// FHIR R4 (API v2 and v3).
pub(crate) const R4: Release = Release {
    name: "R4",
    definitions: "../shared/fhir-r4-definitions",
    output: "crates/bluebutton-fhir/src/generated",
    resources: &[
        "Bundle",
        "CapabilityStatement",
        "Coverage",
        "ExplanationOfBenefit",
        "Observation",
        "OperationOutcome",
        "Organization",
        "Parameters",
        "Patient",
        "Practitioner",
        "PractitionerRole",
        "RelatedPerson",
    ],
};

/// FHIR STU3 (API v1): the served resources, and those its claims contain (`ReferralRequest`,
/// `Observation`) or name as providers (`Organization`, `Practitioner`).
pub(crate) const STU3: Release = Release {
    name: "STU3",
    definitions: "../shared/fhir-stu3-definitions",
    output: "crates/bluebutton-fhir/src/stu3/generated",
    resources: &[
        "Bundle",
        "CapabilityStatement",
        "Coverage",
        "ExplanationOfBenefit",
        "Observation",
        "OperationOutcome",
        "Organization",
        "Patient",
        "Practitioner",
        "ReferralRequest",
    ],
};

/// Every generated release.
pub(crate) const RELEASES: [&Release; 2] = [&R4, &STU3];

/// Which releases `cargo xtask codegen` works on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum ReleaseChoice {
    /// FHIR R4 only.
    R4,
    /// FHIR STU3 only.
    Stu3,
}

/// Options of `cargo xtask codegen`.
#[derive(Debug, Args)]
pub(crate) struct CodegenArgs {
    /// Generate (or check) only this release; default: every release.
    #[arg(long, value_enum)]
    release: Option<ReleaseChoice>,
    /// Folder with the release's `StructureDefinition-*.json` files (an unpacked core package).
    #[arg(long, value_name = "DIR", requires = "release")]
    definitions: Option<PathBuf>,
    /// Do not write: fail when the committed generated code differs from a fresh generation.
    #[arg(long)]
    check: bool,
}

impl CodegenArgs {
    /// `--check` of every release against the default definitions (what `cargo xtask ci` runs).
    pub(crate) fn check() -> Self {
        CodegenArgs {
            release: None,
            definitions: None,
            check: true,
        }
    }

    fn releases(&self) -> Vec<&'static Release> {
        match self.release {
            None => RELEASES.to_vec(),
            Some(ReleaseChoice::R4) => vec![&R4],
            Some(ReleaseChoice::Stu3) => vec![&STU3],
        }
    }
}

/// Why codegen failed.
#[derive(Debug)]
pub(crate) enum CodegenError {
    /// The definitions could not be read or modelled.
    Definitions(String),
    /// rustfmt could not format the output.
    Format(String),
    /// Writing or reading the output failed.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// `--check` found files that differ from a fresh generation.
    Stale(Vec<PathBuf>),
}

impl fmt::Display for CodegenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodegenError::Definitions(msg) => write!(f, "definitions: {msg}"),
            CodegenError::Format(msg) => write!(f, "rustfmt: {msg}"),
            CodegenError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            CodegenError::Stale(paths) => {
                write!(f, "generated code is stale (run `cargo xtask codegen`):")?;
                for p in paths {
                    write!(f, "\n  {}", p.display())?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for CodegenError {}

impl Release {
    /// The default definitions folder, e.g. `<workspace>/../shared/fhir-r4-definitions`.
    pub(crate) fn default_definitions(&self) -> PathBuf {
        workspace_root().join(self.definitions)
    }

    /// The output folder inside the workspace.
    fn output_dir(&self) -> PathBuf {
        workspace_root().join(self.output)
    }
}

/// Whether every release's default definitions folder exists (else CI skips the check), and the
/// first missing one.
pub(crate) fn missing_definitions() -> Option<PathBuf> {
    RELEASES
        .iter()
        .map(|r| r.default_definitions())
        .find(|dir| !dir.is_dir())
}

/// Runs the generator (or the check) for the chosen releases.
pub(crate) fn run(args: &CodegenArgs) -> Result<(), CodegenError> {
    for release in args.releases() {
        let definitions = args
            .definitions
            .clone()
            .unwrap_or_else(|| release.default_definitions());
        run_release(release, &definitions, args.check)?;
    }
    Ok(())
}

fn run_release(
    release: &Release,
    definitions: &Path,
    check_only: bool,
) -> Result<(), CodegenError> {
    let files = generate(release, definitions)?;
    let out_dir = release.output_dir();
    if check_only {
        check(&out_dir, &files)?;
        println!(
            "xtask codegen --check: {} generated FHIR {} files are up to date",
            files.len(),
            release.name
        );
        return Ok(());
    }
    fs::create_dir_all(&out_dir).map_err(|source| CodegenError::Io {
        path: out_dir.clone(),
        source,
    })?;
    let mut lines = 0;
    for (name, text) in &files {
        let path = out_dir.join(name);
        lines += text.lines().count();
        let unchanged = fs::read_to_string(&path).is_ok_and(|old| old == *text);
        if !unchanged {
            fs::write(&path, text).map_err(|source| CodegenError::Io {
                path: path.clone(),
                source,
            })?;
        }
    }
    for stale in extra_files(&out_dir, &files) {
        fs::remove_file(&stale).map_err(|source| CodegenError::Io {
            path: stale.clone(),
            source,
        })?;
    }
    println!(
        "xtask codegen: wrote {} FHIR {} files ({lines} lines) to {}",
        files.len(),
        release.name,
        out_dir.display()
    );
    Ok(())
}

/// Generates every file in memory: file name -> formatted text.
fn generate(
    release: &Release,
    definitions: &Path,
) -> Result<BTreeMap<String, String>, CodegenError> {
    let model = model::build(definitions, release.resources).map_err(CodegenError::Definitions)?;
    let files = emit::emit(&model, release).map_err(CodegenError::Definitions)?;
    files
        .into_iter()
        .map(|(name, text)| Ok((name, rustfmt(&text)?)))
        .collect()
}

/// Formats source text with the toolchain's rustfmt (edition 2024, the workspace's settings).
fn rustfmt(text: &str) -> Result<String, CodegenError> {
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout"])
        .current_dir(workspace_root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| CodegenError::Format(format!("cannot start rustfmt: {e}")))?;
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| CodegenError::Format("no stdin".to_owned()))?;
    let input = text.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child
        .wait_with_output()
        .map_err(|e| CodegenError::Format(e.to_string()))?;
    writer
        .join()
        .map_err(|_| CodegenError::Format("writer thread panicked".to_owned()))?
        .map_err(|e| CodegenError::Format(e.to_string()))?;
    if !output.status.success() {
        return Err(CodegenError::Format(
            String::from_utf8_lossy(&output.stderr).into_owned(),
        ));
    }
    String::from_utf8(output.stdout).map_err(|e| CodegenError::Format(e.to_string()))
}

/// Files in the output folder that the generator would not write.
fn extra_files(out_dir: &Path, files: &BTreeMap<String, String>) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(out_dir) else {
        return Vec::new();
    };
    let mut extra: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "rs")
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| !files.contains_key(n))
        })
        .collect();
    extra.sort();
    extra
}

/// Compares the committed files with a fresh generation.
fn check(out_dir: &Path, files: &BTreeMap<String, String>) -> Result<(), CodegenError> {
    let mut stale = Vec::new();
    for (name, text) in files {
        let path = out_dir.join(name);
        match fs::read_to_string(&path) {
            Ok(old) if old == *text => {}
            _ => stale.push(path),
        }
    }
    stale.extend(extra_files(out_dir, files));
    if stale.is_empty() {
        Ok(())
    } else {
        Err(CodegenError::Stale(stale))
    }
}
