//! Scanned search pages: a page's body and where each entry's resource is in it, so that
//! `resources()` parses one resource at a time and never holds a whole typed page.
//!
//! The scan is [`RawPage`]'s: the `next` link and each `entry[].resource` as byte ranges of the
//! body, which stays shared, not copied; it is several times faster than a typed parse. A body the
//! scan cannot read (not JSON, not a Bundle, an unusual shape) goes through the typed decoder,
//! which either reads it or gives the same error as [`crate::Search::pages`]. A resource that
//! fails to parse is reported with the page's typed decode error, so its line and column are
//! positions in the page body, as with `pages()`.

use std::marker::PhantomData;
use std::ops::Range;

use bluebutton_fhir::bluebutton::BundleView;
use bytes::Bytes;
use url::Url;

use crate::error::{Error, Operation, redacted};
use crate::format::{FromBody, Page, Sealed};
use crate::raw_page::RawPage;
use crate::search::EntryResource;

/// A search page, scanned (or, for a body the scan cannot read, parsed), whose resources are
/// read as `E` (and its release's `Resource` enum).
pub(crate) struct ScannedPage<E: EntryResource> {
    next: Option<String>,
    entries: usize,
    contents: Contents<E::Any>,
    _entry: PhantomData<fn() -> E>,
}

/// Shows the shape, never the body or the link (health data, beneficiary ids in queries).
impl<E: EntryResource> std::fmt::Debug for ScannedPage<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scanned = matches!(self.contents, Contents::Scanned { .. });
        f.debug_struct("ScannedPage")
            .field("entries", &self.entries)
            .field("has_next", &self.next.is_some())
            .field("scanned", &scanned)
            .finish()
    }
}

enum Contents<A> {
    /// The body and the byte range of each entry's resource in it.
    Scanned {
        operation: Operation,
        url: Url,
        body: Bytes,
        resources: Vec<Range<usize>>,
    },
    /// A page the typed decoder read.
    Parsed(Vec<A>),
}

impl<E: EntryResource> ScannedPage<E> {
    /// The page's resources, each parsed when reached. After an error it yields nothing more.
    pub(crate) fn into_resources(self) -> impl Iterator<Item = Result<E::Any, Error>> + Send {
        let (scanned, parsed) = match self.contents {
            Contents::Scanned {
                operation,
                url,
                body,
                resources,
            } => (Some((operation, url, body, resources.into_iter())), None),
            Contents::Parsed(resources) => (None, Some(resources.into_iter().map(Ok))),
        };
        let scanned = scanned
            .into_iter()
            .flat_map(|(operation, url, body, ranges)| {
                let mut failed = false;
                ranges.map_while(move |range| {
                    if failed {
                        return None;
                    }
                    let parsed = bluebutton_fhir::from_json_slice::<E::Any>(&body[range]);
                    Some(parsed.map_err(|source| {
                        failed = true;
                        page_error::<E>(operation, &url, &body, source)
                    }))
                })
            });
        scanned.chain(parsed.into_iter().flatten())
    }
}

/// The error for a page one of whose resources failed to parse: the typed decoder's, with
/// positions in the page (it fails on the same resource), or else the resource's own.
fn page_error<E: EntryResource>(
    operation: Operation,
    url: &Url,
    body: &[u8],
    source: bluebutton_fhir::FhirError,
) -> Error {
    let typed = E::Bundle::from_body(
        operation,
        url,
        http::StatusCode::OK,
        Bytes::copy_from_slice(body),
    );
    match typed {
        Err(page_error) => page_error,
        Ok(_) => Error::Fhir {
            operation,
            url: redacted(url),
            source,
        },
    }
}

impl<E: EntryResource> Sealed for ScannedPage<E> {}

/// The release is `E`'s: a mismatch names `E` and the type to stream instead.
impl<E: EntryResource> FromBody for ScannedPage<E> {
    const FHIR: Option<bluebutton_fhir::FhirVersion> = E::FHIR;
    const NAMES: (&'static str, &'static str) = E::NAMES;

    fn from_body(
        operation: Operation,
        url: &Url,
        status: http::StatusCode,
        body: Bytes,
    ) -> Result<Self, Error> {
        match RawPage::scan(&body) {
            Ok(page) => {
                let next = page.next_link().map(str::to_owned);
                let entries = page.entry_count();
                let (body, resources) = page.into_parts();
                Ok(ScannedPage {
                    next,
                    entries,
                    contents: Contents::Scanned {
                        operation,
                        url: url.clone(),
                        body,
                        resources,
                    },
                    _entry: PhantomData,
                })
            }
            Err(_) => {
                let bundle = E::Bundle::from_body(operation, url, status, body)?;
                let next = BundleView::next_link(&bundle).map(str::to_owned);
                let entries = Page::entry_count(&bundle);
                let resources: Vec<E::Any> = bundle.into_resources().collect();
                Ok(ScannedPage {
                    next,
                    entries,
                    contents: Contents::Parsed(resources),
                    _entry: PhantomData,
                })
            }
        }
    }
}

impl<E: EntryResource> Page for ScannedPage<E> {
    fn next_link(&self) -> Option<&str> {
        self.next.as_deref()
    }

    fn entry_count(&self) -> usize {
        self.entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> Url {
        Url::parse("https://api.example/v2/fhir/Coverage/?_count=2").unwrap()
    }

    fn decode(body: &str) -> Result<ScannedPage<bluebutton_fhir::Coverage>, Error> {
        ScannedPage::from_body(
            Operation::Search("Coverage"),
            &url(),
            http::StatusCode::OK,
            Bytes::from(body.to_owned()),
        )
    }

    fn ids(page: ScannedPage<bluebutton_fhir::Coverage>) -> Vec<Result<String, String>> {
        page.into_resources()
            .map(|r| {
                r.map(|r| r.id().unwrap_or_default().to_owned())
                    .map_err(|e| e.to_string())
            })
            .collect()
    }

    #[test]
    fn scan_finds_next_link_and_each_resource() {
        let body = r#"{
            "resourceType": "Bundle", "type": "searchset", "total": 3,
            "link": [
                {"relation": "self", "url": "https://api.example/self"},
                {"relation": "next", "url": "https://api.example/next?startIndex=2"}
            ],
            "entry": [
                {"fullUrl": "x", "resource": {"resourceType": "Coverage", "id": "a", "status": "active"}},
                {"search": {"mode": "match"}},
                {"resource": null},
                {"resource": {"resourceType": "Coverage", "id": "b\u00e9", "extension": [{"url": "u", "valueDecimal": 1.50}]}}
            ]
        }"#;
        let page = decode(body).unwrap();
        assert_eq!(
            page.next_link(),
            Some("https://api.example/next?startIndex=2")
        );
        assert_eq!(page.entry_count(), 4);
        assert!(matches!(page.contents, Contents::Scanned { .. }));
        assert_eq!(ids(page), [Ok("a".to_owned()), Ok("bé".to_owned())]);
    }

    #[test]
    fn escaped_text_and_members_before_resource_type_parse_as_in_a_typed_page() {
        let body = r#"{"entry":[{"resource":{"id":"q\"1","resourceType":"Coverage"}}],"resourceType":"Bundle"}"#;
        let typed: bluebutton_fhir::Bundle = bluebutton_fhir::from_json_str(body).unwrap();
        let expected: Vec<_> = typed
            .into_resources()
            .map(|r| Ok(r.id().unwrap().to_owned()))
            .collect();
        assert_eq!(ids(decode(body).unwrap()), expected);
        assert_eq!(expected, [Ok("q\"1".to_owned())]);
    }

    #[test]
    fn a_body_that_is_not_a_bundle_has_the_typed_decoders_error() {
        let body = r#"{"resourceType":"OperationOutcome","issue":[]}"#;
        let scanned = decode(body).expect_err("an error");
        let typed = <bluebutton_fhir::Bundle as FromBody>::from_body(
            Operation::Search("Coverage"),
            &url(),
            http::StatusCode::OK,
            Bytes::from(body),
        )
        .expect_err("an error");
        assert!(
            matches!(scanned, Error::UnexpectedResource { .. }),
            "{scanned:?}"
        );
        assert_eq!(scanned.to_string(), typed.to_string());
        let not_json = decode("{\"resourceType\":\"Bundle\",").expect_err("an error");
        assert!(matches!(not_json, Error::Fhir { .. }), "{not_json:?}");
    }

    #[test]
    fn a_shape_the_scan_cannot_read_is_parsed_as_the_typed_decoder_reads_it() {
        // A repeated member: the scan refuses it, the typed model keeps the last one.
        let body = r#"{"resourceType":"Bundle","entry":[],"entry":[{"resource":{"resourceType":"Coverage","id":"a"}}],"link":[{"relation":"next","url":"https://api.example/2"}]}"#;
        let page = decode(body).unwrap();
        assert!(matches!(page.contents, Contents::Parsed(_)));
        assert_eq!(page.entry_count(), 1);
        assert_eq!(page.next_link(), Some("https://api.example/2"));
        assert_eq!(ids(page), [Ok("a".to_owned())]);
    }

    #[test]
    fn a_bad_resource_ends_the_page_with_the_page_position_of_the_error() {
        let body = concat!(
            "{\"resourceType\":\"Bundle\",\"entry\":[\n",
            "{\"resource\":{\"resourceType\":\"Coverage\",\"id\":\"a\"}},\n",
            "{\"resource\":{\"resourceType\":\"Coverage\",\"id\":\"b\",\"status\":7}},\n",
            "{\"resource\":{\"resourceType\":\"Coverage\",\"id\":\"c\"}}\n",
            "]}"
        );
        let got = ids(decode(body).unwrap());
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0], Ok("a".to_owned()));
        let message = got[1].clone().unwrap_err();
        let typed = <bluebutton_fhir::Bundle as FromBody>::from_body(
            Operation::Search("Coverage"),
            &url(),
            http::StatusCode::OK,
            Bytes::from(body),
        )
        .expect_err("the typed page fails too");
        assert_eq!(message, typed.to_string());
        assert!(message.contains("line 3"), "{message}");
    }
}
