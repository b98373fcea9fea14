//! `export`: the beneficiary's Patient, Coverage and every ExplanationOfBenefit into files of a
//! directory, with a progress bar on a terminal and a summary line.
//!
//! Files: `Patient.ndjson`, `Coverage.ndjson`, and `ExplanationOfBenefit.ndjson` (or, with
//! `--format csv`, `ExplanationOfBenefit.csv` of line items). Each file is written under a
//! temporary name and renamed when complete, so a failed export leaves no complete-looking file.
//! A login without demographic scopes exports no Patient (a warning says so). NDJSON lines are
//! the server's text of each resource (only the whitespace between tokens removed), on every API
//! version; CSV rows read each claim with the typed models of the served FHIR release (STU3 on
//! v1, R4 on v2/v3) through the release-independent views.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use bluebutton::{Beneficiary, Error as ApiError, RawPage};
use futures_util::TryStreamExt;

use crate::cli::{Cli, ExportArgs, ExportFormat};
use crate::context::Context;
use crate::error::CliError;
use crate::exit::Exit;
use crate::output::csv::LineItemWriter;
use crate::output::ndjson;
use crate::pager::{PageLimit, RawPages};
use crate::progress::Progress;

/// A file written under a temporary name, renamed into place by [`OutputFile::commit`];
/// dropped without a commit, the temporary file is deleted.
struct OutputFile {
    partial: PathBuf,
    path: PathBuf,
    writer: Option<BufWriter<File>>,
}

impl OutputFile {
    fn create(dir: &Path, name: &str) -> Result<Self, CliError> {
        let path = dir.join(name);
        let partial = dir.join(format!(".{name}.partial"));
        // Claims are health data: readable by the owner only.
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&partial).map_err(CliError::io(&partial))?;
        Ok(OutputFile {
            partial,
            path,
            writer: Some(BufWriter::with_capacity(1 << 16, file)),
        })
    }

    /// The buffered file (an error once committed).
    fn writer(&mut self) -> Result<&mut BufWriter<File>, CliError> {
        let partial = &self.partial;
        self.writer.as_mut().ok_or_else(|| CliError::Io {
            path: partial.clone(),
            source: std::io::Error::other("the file is already complete"),
        })
    }

    /// An I/O error on this file.
    fn error(&self, source: std::io::Error) -> CliError {
        CliError::Io {
            path: self.partial.clone(),
            source,
        }
    }

    /// Flushes, syncs, closes and renames the file into place.
    fn commit(mut self) -> Result<PathBuf, CliError> {
        let writer = self.writer()?;
        writer.flush().map_err(|e| self.error(e))?;
        if let Some(writer) = self.writer.take() {
            let file = writer
                .into_inner()
                .map_err(|e| self.error(e.into_error()))?;
            file.sync_all().map_err(|e| self.error(e))?;
        }
        std::fs::rename(&self.partial, &self.path).map_err(CliError::io(&self.path))?;
        Ok(self.path.clone())
    }
}

impl Drop for OutputFile {
    fn drop(&mut self) {
        if self.writer.take().is_some() || self.partial.exists() {
            let _ = std::fs::remove_file(&self.partial);
        }
    }
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

/// Runs the export.
pub(crate) async fn run(cli: &Cli, args: &ExportArgs) -> Result<Exit, CliError> {
    let context = Context::with_login(cli).await?;
    std::fs::create_dir_all(&args.out).map_err(CliError::io(&args.out))?;
    let beneficiary = context.beneficiary();
    let mut summary = Summary::default();
    export_demographics(&beneficiary, &args.out, &mut summary).await?;

    let search = beneficiary
        .explanation_of_benefit()
        .page_size(args.count)
        .limits(PageLimit::All.limits());
    let mut pages = RawPages::new(search.pages::<RawPage>());
    let progress = Progress::new("ExplanationOfBenefit");
    match args.format {
        ExportFormat::Ndjson => {
            let mut file = OutputFile::create(&args.out, "ExplanationOfBenefit.ndjson")?;
            while let Some(page) = pages.next_page().await? {
                if pages.fetched() == 1
                    && let Some(total) = page.total()
                {
                    progress.set_total(total);
                }
                for resource in page.resources() {
                    let written = ndjson::write_line(file.writer()?, resource);
                    written.map_err(|e| file.error(e))?;
                    summary.eobs += 1;
                    progress.advance(1);
                }
            }
            file.commit()?;
        }
        ExportFormat::Csv => {
            let mut file = OutputFile::create(&args.out, "ExplanationOfBenefit.csv")?;
            let mut csv = LineItemWriter::new(file.writer()?, context.client.fhir_version())?;
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
            file.commit()?;
        }
    }
    progress.finish();
    summary.pages = pages.fetched();

    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", render_summary(&summary, &args.out))?;
    out.flush()?;
    Ok(Exit::Success)
}

/// The `resourceType` of a resource's JSON text (everything else is skipped, not built).
#[derive(serde::Deserialize)]
struct TypeOnly<'a> {
    #[serde(rename = "resourceType", borrow)]
    resource_type: std::borrow::Cow<'a, str>,
}

/// Writes each resource of `page` whose type is `wanted`, as received (NDJSON), and counts them.
fn write_resources_of(
    file: &mut OutputFile,
    page: &RawPage,
    wanted: &str,
) -> Result<u64, CliError> {
    let mut count = 0;
    for text in page.resources() {
        let is_wanted = serde_json::from_str::<TypeOnly<'_>>(text)
            .is_ok_and(|only| only.resource_type == wanted);
        if is_wanted {
            let written = ndjson::write_line(file.writer()?, text);
            written.map_err(|e| file.error(e))?;
            count += 1;
        }
    }
    Ok(count)
}

/// `Patient.ndjson` and `Coverage.ndjson`, each resource as the server sent it (on every API
/// version: no typed model is involved).
async fn export_demographics(
    beneficiary: &Beneficiary,
    dir: &Path,
    summary: &mut Summary,
) -> Result<(), CliError> {
    match beneficiary.patient().first::<RawPage>().await {
        Ok(page) => {
            let mut file = OutputFile::create(dir, "Patient.ndjson")?;
            let count = write_resources_of(&mut file, &page, "Patient")?;
            file.commit()?;
            summary.patients = Some(count);
        }
        Err(ApiError::ScopeNotGranted { .. }) => {
            eprintln!("warning: no Patient exported: this login did not share demographic data");
        }
        Err(error) => return Err(error.into()),
    }

    let mut file = OutputFile::create(dir, "Coverage.ndjson")?;
    let mut pages = beneficiary.coverage().pages::<RawPage>();
    while let Some(page) = pages.try_next().await? {
        summary.coverages += write_resources_of(&mut file, &page, "Coverage")?;
    }
    file.commit()?;
    Ok(())
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
