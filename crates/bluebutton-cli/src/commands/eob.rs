//! `eob`: the ExplanationOfBenefit search as one Bundle (JSON), one claim per line (NDJSON) or
//! one row per claim line item (CSV). JSON and NDJSON are written from the bytes received,
//! without a typed tree; CSV parses each claim with the typed models of the served FHIR release
//! (STU3 on v1, R4 on v2/v3).

use std::io::{BufWriter, Write};

use bluebutton::{DateFilter, EobSearch};

use crate::cli::{Cli, EobArgs, EobFormat};
use crate::commands::print_document;
use crate::context::Context;
use crate::error::CliError;
use crate::exit::Exit;
use crate::output::bundle::BundleWriter;
use crate::output::csv::LineItemWriter;
use crate::output::ndjson;
use crate::pager::{PageLimit, RawPages};

/// The search the options describe.
pub(crate) fn search(context: &Context, args: &EobArgs) -> EobSearch {
    let mut search = context
        .beneficiary()
        .explanation_of_benefit()
        .claim_types(args.types.iter().copied());
    if let Some(since) = args.since {
        search = search.service_date(DateFilter::ge(since));
    }
    if let Some(until) = args.until {
        search = search.service_date(DateFilter::le(until));
    }
    if let Some(updated) = args.updated_since {
        search = search.last_updated(DateFilter::ge(updated));
    }
    // Bulk downloads default to the largest page (fewer round trips).
    match (args.count, args.all || args.max_pages.is_some()) {
        (Some(count), _) => search = search.page_size(count),
        (None, true) => search = search.page_size(bluebutton::MAX_PAGE_SIZE),
        (None, false) => {}
    }
    search
}

/// Runs the search and writes the chosen format to standard output.
pub(crate) async fn run(cli: &Cli, args: &EobArgs) -> Result<Exit, CliError> {
    let context = Context::with_login(cli).await?;
    let limit = match (args.all, args.max_pages) {
        (true, _) => PageLimit::All,
        (false, Some(max)) => PageLimit::Pages(max),
        (false, None) => PageLimit::Pages(1),
    };
    let search = search(&context, args).limits(limit.limits());
    let first = search.url()?;
    let mut pages = RawPages::new(search.pages::<bluebutton::RawPage>());
    let out = BufWriter::with_capacity(1 << 16, std::io::stdout());
    let mut more = false;
    match args.format {
        EobFormat::Json if limit == PageLimit::Pages(1) => {
            // One page: the Bundle exactly as received (the scan checked it is one).
            if let Some(page) = pages.next_page().await? {
                more = page.next_link().is_some();
                print_document(page.body())?;
            }
        }
        EobFormat::Json => {
            let mut bundle = BundleWriter::start(out, first.as_str())?;
            while let Some(page) = pages.next_page().await? {
                for entry in page.entries() {
                    bundle.push(entry)?;
                }
            }
            bundle.finish()?.flush()?;
        }
        EobFormat::Ndjson => {
            let mut out = out;
            while let Some(page) = pages.next_page().await? {
                for resource in page.resources() {
                    ndjson::write_line(&mut out, resource)?;
                }
            }
            out.flush()?;
        }
        EobFormat::Csv => {
            let mut csv = LineItemWriter::new(out, context.client.fhir_version())?;
            while let Some(page) = pages.next_page().await? {
                for resource in page.resources() {
                    csv.write_json(resource)?;
                }
            }
            csv.finish()?.flush()?;
        }
    }
    if more || pages.truncated() {
        eprintln!(
            "note: stopped after {} page(s); more remain (use --all or --max-pages)",
            pages.fetched()
        );
    }
    Ok(Exit::Success)
}
