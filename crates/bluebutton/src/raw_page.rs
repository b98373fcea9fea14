//! [`RawPage`]: a search page as received, with where its resources are, found by a scan that
//! builds no tree (the pass-through path of [`crate::Search::pages`]`::<RawPage>`).

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use bytes::Bytes;
use serde::Deserialize;
use serde_json::value::RawValue;
use url::Url;

use crate::error::{Error, Operation, redacted};

/// One `link` of a Bundle.
#[derive(Deserialize)]
struct Link<'a> {
    #[serde(default, borrow)]
    relation: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    url: Option<Cow<'a, str>>,
}

/// One `entry` of a Bundle, of which only the resource's text is kept.
#[derive(Deserialize)]
struct Entry<'a> {
    #[serde(default, borrow)]
    resource: Option<&'a RawValue>,
}

/// What a scan reads of a Bundle (other members are skipped without being built).
#[derive(Deserialize)]
#[serde(bound = "E: Deserialize<'de>")]
struct Shell<'a, E> {
    #[serde(rename = "resourceType", borrow)]
    resource_type: Cow<'a, str>,
    #[serde(default)]
    total: Option<u64>,
    #[serde(default, borrow)]
    link: Vec<Link<'a>>,
    #[serde(default = "Vec::new")]
    entry: Vec<E>,
}

/// A search page as received: its exact bytes, its `next` link and `total`, and the exact JSON
/// text of each entry's resource, found by a scan that builds no tree.
///
/// For pass-through (writing resources to a file, a queue or another service) this costs a
/// fraction of a typed parse, and the text is byte for byte what the server sent. It works on
/// every API version (v1 serves STU3, which the typed models do not read). Paging through
/// [`crate::Search::pages`]`::<RawPage>` keeps every guarantee of the typed pages: newest token, one
/// refresh and replay after a 401, `next` links only on the configured origin, caps.
///
/// ```no_run
/// # async fn run(beneficiary: bluebutton::Beneficiary) -> Result<(), bluebutton::Error> {
/// use bluebutton::prelude::*;
///
/// let mut pages = beneficiary.explanation_of_benefit().page_size(50).pages::<RawPage>();
/// while let Some(page) = pages.try_next().await? {
///     for eob in page.resources() {
///         println!("{eob}"); // one ExplanationOfBenefit's JSON, as received
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RawPage {
    body: Bytes,
    next: Option<String>,
    total: Option<u64>,
    entries: usize,
    resources: Vec<Range<usize>>,
}

/// Why a body could not be scanned as a Bundle.
pub(crate) enum ScanFailure {
    /// Not JSON, or not the shape of a Bundle.
    Json(serde_path_to_error::Error<serde_json::Error>),
    /// Another resource type.
    NotABundle(String),
}

impl ScanFailure {
    /// The error of a page fetched from `url`.
    pub(crate) fn into_error(self, operation: Operation, url: &Url) -> Error {
        match self {
            ScanFailure::Json(e) => Error::Json {
                operation,
                url: redacted(url),
                json_path: e.path().to_string(),
                source: e.into_inner(),
            },
            ScanFailure::NotABundle(found) => Error::UnexpectedResource {
                operation,
                expected: "Bundle",
                found,
                status: http::StatusCode::OK,
            },
        }
    }
}

/// Where `part` (a slice of `whole`) lies in `whole`.
fn range_in(whole: &[u8], part: &str) -> Range<usize> {
    let start = part.as_ptr() as usize - whole.as_ptr() as usize;
    start..start + part.len()
}

/// Scans a body as a Bundle of entries of type `E`.
fn shell<'a, E: Deserialize<'a>>(body: &'a [u8]) -> Result<Shell<'a, E>, ScanFailure> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    let shell: Shell<'a, E> = serde_path_to_error::deserialize(de).map_err(ScanFailure::Json)?;
    if shell.resource_type != "Bundle" {
        return Err(ScanFailure::NotABundle(shell.resource_type.into_owned()));
    }
    Ok(shell)
}

impl RawPage {
    /// Scans `body` (shared, not copied).
    pub(crate) fn scan(body: &Bytes) -> Result<RawPage, ScanFailure> {
        let shell: Shell<'_, Entry<'_>> = shell(body)?;
        let next = shell
            .link
            .iter()
            .find(|l| l.relation.as_deref() == Some("next"))
            .and_then(|l| l.url.as_deref())
            .map(str::to_owned);
        let resources = shell
            .entry
            .iter()
            .filter_map(|e| e.resource)
            .map(|r| range_in(body, r.get()))
            .collect();
        Ok(RawPage {
            body: body.clone(),
            next,
            total: shell.total,
            entries: shell.entry.len(),
            resources,
        })
    }

    /// The body exactly as received.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The `next` link, verbatim (`None` on the last page).
    pub fn next_link(&self) -> Option<&str> {
        self.next.as_deref()
    }

    /// The Bundle's `total`, when the server sends it.
    pub fn total(&self) -> Option<u64> {
        self.total
    }

    /// How many entries the page has (with or without a resource).
    pub fn entry_count(&self) -> usize {
        self.entries
    }

    /// Each entry's resource as its exact JSON text, in order (entries without one skipped).
    pub fn resources(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.resources.iter().map(|range| self.text(range.clone()))
    }

    /// Each whole entry (`fullUrl`, `resource`, `search`...) as its exact JSON text, in order.
    /// Scans the body again (the first scan keeps only the resources).
    pub fn entries(&self) -> Vec<&str> {
        match shell::<&RawValue>(&self.body) {
            Ok(shell) => shell.entry.into_iter().map(RawValue::get).collect(),
            // The body scanned as a Bundle once; the same scan of its entries cannot fail.
            Err(_) => Vec::new(),
        }
    }

    /// The byte ranges of the resources (for parsing them one at a time).
    pub(crate) fn into_parts(self) -> (Bytes, Vec<Range<usize>>) {
        (self.body, self.resources)
    }

    /// The text of a range the scan found (a `&str` of the body, so valid UTF-8).
    fn text(&self, range: Range<usize>) -> &str {
        std::str::from_utf8(&self.body[range]).unwrap_or_default()
    }
}

/// Shows the shape, never the body or the link (health data, beneficiary ids in queries).
impl fmt::Debug for RawPage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawPage")
            .field("bytes", &self.body.len())
            .field("entries", &self.entries)
            .field("resources", &self.resources.len())
            .field("total", &self.total)
            .field("has_next", &self.next.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"{
        "resourceType": "Bundle", "type": "searchset", "total": 3,
        "link": [
            {"relation": "self", "url": "https://api.example/self"},
            {"relation": "next", "url": "https:\/\/api.example\/next?startIndex=2"}
        ],
        "entry": [
            {"fullUrl": "x", "resource": {"resourceType": "Coverage", "id": "a", "n": 10.50}},
            {"search": {"mode": "match"}},
            {"resource": null},
            {"resource": {"resourceType": "Coverage", "id": "b\u00e9"}}
        ]
    }"#;

    fn url() -> Url {
        Url::parse("https://api.example/v2/fhir/Coverage/?_count=2").unwrap()
    }

    fn decode(body: &str) -> Result<RawPage, Error> {
        <RawPage as crate::format::FromBody>::from_body(
            Operation::Search("Coverage"),
            &url(),
            http::StatusCode::OK,
            Bytes::from(body.to_owned()),
        )
    }

    #[test]
    fn finds_next_link_total_and_the_exact_text_of_each_resource() {
        let page = decode(PAGE).unwrap();
        assert_eq!(
            page.next_link(),
            Some("https://api.example/next?startIndex=2")
        );
        assert_eq!(page.total(), Some(3));
        assert_eq!(page.entry_count(), 4);
        assert_eq!(page.body().as_ref(), PAGE.as_bytes());
        let resources: Vec<&str> = page.resources().collect();
        assert_eq!(
            resources,
            [
                r#"{"resourceType": "Coverage", "id": "a", "n": 10.50}"#,
                r#"{"resourceType": "Coverage", "id": "b\u00e9"}"#
            ]
        );
        let entries = page.entries();
        assert_eq!(entries.len(), 4);
        assert!(
            entries[0].starts_with(r#"{"fullUrl": "x""#),
            "{}",
            entries[0]
        );
        assert_eq!(entries[1], r#"{"search": {"mode": "match"}}"#);
        let debug = format!("{page:?}");
        assert!(
            !debug.contains("startIndex") && !debug.contains("Coverage"),
            "{debug}"
        );
    }

    #[test]
    fn a_bundle_without_entries_or_links_is_an_empty_last_page() {
        let page = decode(r#"{"resourceType":"Bundle","type":"searchset"}"#).unwrap();
        assert_eq!(page.resources().len(), 0);
        assert!(page.entries().is_empty() && page.next_link().is_none());
        assert_eq!(page.total(), None);
    }

    #[test]
    fn other_documents_are_typed_errors_with_their_place() {
        let outcome = decode(r#"{"resourceType":"OperationOutcome","issue":[]}"#).unwrap_err();
        assert!(
            matches!(&outcome, Error::UnexpectedResource { expected: "Bundle", found, .. } if found == "OperationOutcome"),
            "{outcome:?}"
        );
        let shape = decode(r#"{"resourceType":"Bundle","entry":{"resource":{}}}"#).unwrap_err();
        match &shape {
            Error::Json { json_path, .. } => assert_eq!(json_path, "entry"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(decode("[1]").unwrap_err(), Error::Json { .. }));
        assert!(matches!(decode("{").unwrap_err(), Error::Json { .. }));
    }
}
