//! `export`: the beneficiary's Patient, Coverage and every ExplanationOfBenefit into files of a
//! directory, with a progress bar on a terminal and a summary line.
//!
//! Files: `Patient.ndjson`, `Coverage.ndjson`, and `ExplanationOfBenefit.ndjson` (or, with
//! `--format csv`, `ExplanationOfBenefit.csv` of line items). The set is written into a hidden
//! folder of the directory and moved into place when every file is complete, so a failed or
//! interrupted export (Ctrl-C, SIGTERM: exit 130) replaces no file of the previous one. A
//! directory that already holds an export is replaced only with `--force`. A login without
//! demographic scopes exports no Patient (a warning says so). NDJSON lines are the server's text
//! of each resource (only the whitespace between tokens removed) on every API version; CSV rows
//! read each claim with the typed models of the served FHIR release (STU3 on v1, R4 on v2/v3)
//! through the release-independent views.

use std::io::Write;
use std::path::Path;

use bluebutton::{Beneficiary, Error as ApiError, RawPage};
use futures_util::TryStreamExt;

use crate::cli::{Cli, ExportArgs, ExportFormat};
use crate::context::Context;
use crate::error::CliError;
use crate::exit::Exit;
use crate::interrupt::Interrupt;
use crate::output::csv::LineItemWriter;
use crate::output::ndjson;
use crate::output::staged::{StagedFile, Staging};
use crate::pager::{PageLimit, RawPages};
use crate::progress::Progress;

/// Every file an export may write: a new export replaces all of them that are present.
const EXPORT_FILES: [&str; 4] = [
    "Patient.ndjson",
    "Coverage.ndjson",
    "ExplanationOfBenefit.ndjson",
    "ExplanationOfBenefit.csv",
];

/// The `resourceType` of a resource's JSON text (everything else is skipped, not built).
#[derive(serde::Deserialize)]
struct TypeOnly<'a> {
    #[serde(rename = "resourceType", borrow)]
    resource_type: std::borrow::Cow<'a, str>,
}

/// Writes each resource of `page` whose type is `wanted` as received (NDJSON) and returns how
/// many there were.
fn write_resources_of(
    file: &mut StagedFile,
    page: &RawPage,
    wanted: &str,
    progress: &Progress,
) -> Result<u64, CliError> {
    let mut count = 0;
    for text in page.resources() {
        let is_wanted = serde_json::from_str::<TypeOnly<'_>>(text)
            .is_ok_and(|only| only.resource_type == wanted);
        if is_wanted {
            let written = ndjson::write_line(file.writer(), text);
            written.map_err(|e| file.error(e))?;
            count += 1;
            progress.advance(1);
        }
    }
    Ok(count)
}

/// Counts of what was exported.
#[derive(Debug, Default)]
struct Summary {
    patients: Option<u64>,
    coverages: u64,
    eobs: u64,
    pages: u64,
    csv_rows: Option<u64>,
}

/// Refuses an `--out` that is not a directory, or that holds an export when `force` is off,
/// before anything is fetched.
fn check_destination(out: &Path, force: bool) -> Result<(), CliError> {
    let metadata = match std::fs::metadata(out) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(error) => return Err(CliError::io(out)(error)),
    };
    if !metadata.is_dir() {
        return Err(CliError::NotADirectory {
            path: out.to_path_buf(),
            what: "this is a file",
        });
    }
    let mut present = Vec::new();
    for name in EXPORT_FILES {
        let path = out.join(name);
        match std::fs::metadata(&path) {
            Ok(metadata) if metadata.is_dir() => {
                return Err(CliError::Io {
                    path,
                    source: std::io::Error::new(
                        std::io::ErrorKind::IsADirectory,
                        "a directory is where the export writes this file",
                    ),
                });
            }
            Ok(_) => present.push(name.to_owned()),
            Err(_) => {}
        }
    }
    if !present.is_empty() && !force {
        return Err(CliError::ExportExists {
            dir: out.to_path_buf(),
            files: present,
        });
    }
    Ok(())
}

/// Runs the export.
pub(crate) async fn run(cli: &Cli, args: &ExportArgs) -> Result<Exit, CliError> {
    check_destination(&args.out, args.force)?;
    let mut interrupt = Interrupt::listen()?;
    let written = tokio::select! {
        written = write_export(cli, args) => written?,
        () = interrupt.received() => {
            // The export's future is dropped: its files are closed and its folder deleted.
            eprintln!("interrupted: nothing replaced");
            return Ok(Exit::Interrupted);
        }
    };
    let (staging, summary) = written;
    let files = staging.replace(&EXPORT_FILES)?;

    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", summary_json(&summary, &args.out, &files))?;
    } else {
        writeln!(out, "{}", render_summary(&summary, &args.out))?;
    }
    out.flush()?;
    Ok(Exit::Success)
}

/// Fetches everything into a new hidden folder of `--out`; returns it, complete, and the counts.
async fn write_export(cli: &Cli, args: &ExportArgs) -> Result<(Staging, Summary), CliError> {
    let context = Context::with_login(cli).await?;
    std::fs::create_dir_all(&args.out).map_err(CliError::io(&args.out))?;
    let mut staging = Staging::new(&args.out)?;
    tracing::debug!(folder = %staging.path().display(), "export staging folder");
    let beneficiary = context.beneficiary();
    let mut summary = Summary::default();
    let release = context.client.fhir_version();
    export_demographics(&beneficiary, &mut staging, &mut summary).await?;

    let search = beneficiary
        .explanation_of_benefit()
        .page_size(args.count)
        .limits(PageLimit::All.limits());
    let mut pages = RawPages::new(search.pages::<RawPage>());
    let mut progress = Progress::new("ExplanationOfBenefit", "EOB");
    match args.format {
        ExportFormat::Ndjson => {
            let mut file = staging.create("ExplanationOfBenefit.ndjson")?;
            while let Some(page) = pages.next_page().await? {
                if pages.fetched() == 1
                    && let Some(total) = page.total()
                {
                    progress.set_total(total);
                }
                for resource in page.resources() {
                    let written = ndjson::write_line(file.writer(), resource);
                    written.map_err(|e| file.error(e))?;
                    summary.eobs += 1;
                    progress.advance(1);
                }
            }
            staging.complete(file)?;
        }
        ExportFormat::Csv => {
            let mut file = staging.create("ExplanationOfBenefit.csv")?;
            let mut csv = LineItemWriter::new(file.writer(), release)?;
            while let Some(page) = pages.next_page().await? {
                if pages.fetched() == 1
                    && let Some(total) = page.total()
                {
                    progress.set_total(total);
                }
                for resource in page.resources() {
                    csv.write_json(resource)?;
                    summary.eobs += 1;
                    progress.advance(1);
                }
            }
            summary.csv_rows = Some(csv.rows());
            csv.finish()?;
            staging.complete(file)?;
        }
    }
    progress.finish();
    summary.pages = pages.fetched();
    Ok((staging, summary))
}

/// Writes `Patient.ndjson` (unless demographics were not shared) and `Coverage.ndjson`, each
/// resource as the server sent it (on every API version: no typed model is involved).
async fn export_demographics(
    beneficiary: &Beneficiary,
    staging: &mut Staging,
    summary: &mut Summary,
) -> Result<(), CliError> {
    let progress = Progress::new("Patient", "Patient");
    match beneficiary.patient().first::<RawPage>().await {
        Ok(page) => {
            let mut file = staging.create("Patient.ndjson")?;
            let count = write_resources_of(&mut file, &page, "Patient", &progress)?;
            staging.complete(file)?;
            summary.patients = Some(count);
        }
        Err(ApiError::ScopeNotGranted { .. }) => {
            eprintln!("warning: no Patient exported: this login did not share demographic data");
        }
        Err(error) => return Err(error.into()),
    }
    progress.finish();

    let progress = Progress::new("Coverage", "Coverage");
    let mut file = staging.create("Coverage.ndjson")?;
    let mut pages = beneficiary.coverage().pages::<RawPage>();
    while let Some(page) = pages.try_next().await? {
        summary.coverages += write_resources_of(&mut file, &page, "Coverage", &progress)?;
    }
    staging.complete(file)?;
    progress.finish();
    Ok(())
}

/// The summary as one JSON object: the counts (`patients` is `null` when demographics were
/// not shared, `csv_rows` without CSV), the directory and the files written.
fn summary_json(summary: &Summary, dir: &Path, files: &[std::path::PathBuf]) -> serde_json::Value {
    let files: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    serde_json::json!({
        "patients": summary.patients,
        "coverages": summary.coverages,
        "explanation_of_benefits": summary.eobs,
        "pages": summary.pages,
        "csv_rows": summary.csv_rows,
        "dir": dir.display().to_string(),
        "files": files,
    })
}

fn render_summary(summary: &Summary, dir: &Path) -> String {
    let patients = match summary.patients {
        Some(n) => format!("{n} Patient"),
        None => "no Patient (demographics not shared)".to_owned(),
    };
    let rows = summary
        .csv_rows
        .map(|n| format!(", {n} CSV line-item rows"))
        .unwrap_or_default();
    format!(
        "Exported {patients}, {} Coverage, {} ExplanationOfBenefit ({} pages{rows}) to {}",
        summary.coverages,
        summary.eobs,
        summary.pages,
        dir.display()
    )
}
