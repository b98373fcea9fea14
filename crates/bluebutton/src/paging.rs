//! Paging: follows a search's `next` links as a lazy stream of pages, with loop guards and caps.
//!
//! The engine runs against a small seam, [`PageSource`] ("GET this URL, give me the body"), so
//! it is tested with canned pages; a [`crate::Beneficiary`] is the real source (newest token on
//! every page, one refresh and replay after a 401).

use std::collections::HashSet;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::future::BoxFuture;
use futures_util::stream::{self, BoxStream, Stream, StreamExt, TryStreamExt};
use url::{Origin, Url};

use crate::error::{Error, Operation, PagingLimit, redacted};
use crate::format::Page;
use crate::scan::ScannedPage;
use crate::search::EntryResource;

/// Caps on how far paging goes. Reaching a cap while more pages remain ends the stream with
/// [`Error::PagingLimitReached`], so a capped result is never mistaken for a complete one.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageLimits {
    /// The most pages fetched (default 5,000).
    pub max_pages: u64,
    /// The most resources received (default 100,000).
    pub max_resources: u64,
}

impl Default for PageLimits {
    fn default() -> Self {
        Self {
            max_pages: 5_000,
            max_resources: 100_000,
        }
    }
}

impl PageLimits {
    /// No caps other than `u64::MAX` (the repeated-link guard still applies).
    pub fn unlimited() -> Self {
        Self {
            max_pages: u64::MAX,
            max_resources: u64::MAX,
        }
    }

    /// Sets [`PageLimits::max_pages`].
    pub fn max_pages(mut self, pages: u64) -> Self {
        self.max_pages = pages;
        self
    }

    /// Sets [`PageLimits::max_resources`].
    pub fn max_resources(mut self, resources: u64) -> Self {
        self.max_resources = resources;
        self
    }
}

/// The seam the engine fetches through: "GET this URL (authorized), give me the body".
pub(crate) trait PageSource: Send + Sync + 'static {
    /// Sends the GET and returns the body of a successful response.
    fn fetch(&self, url: Url, operation: Operation) -> BoxFuture<'_, Result<Bytes, Error>>;
    /// The only origin `next` links may point to.
    fn origin(&self) -> Origin;
}

/// What to do after the current page.
enum Next {
    Fetch(Url, Operation),
    Fail(Error),
    Done,
}

struct Cursor<S> {
    source: Arc<S>,
    next: Next,
    seen: HashSet<String>,
    pages: u64,
    resources: u64,
    limits: PageLimits,
}

/// Decides where to go after a page whose `next` link is `link` (fetched from `current`).
fn follow(link: Option<&str>, current: &Url, allowed: &Origin, seen: &HashSet<String>) -> Next {
    let Some(link) = link else {
        return Next::Done;
    };
    // Verbatim: an absolute link is used as is (no query parameter is added or re-encoded
    // beyond URL parsing); a relative one is resolved against the page's URL.
    let url = match current.join(link) {
        Ok(url) => url,
        Err(e) => {
            return Next::Fail(Error::InvalidNextLink {
                reason: e.to_string(),
            });
        }
    };
    if !matches!(url.scheme(), "http" | "https") {
        return Next::Fail(Error::InvalidNextLink {
            reason: format!("scheme {:?}", url.scheme()),
        });
    }
    if &url.origin() != allowed {
        return Next::Fail(Error::ForeignNextLink {
            link: redacted(&url),
            allowed: allowed.ascii_serialization(),
        });
    }
    if seen.contains(url.as_str()) {
        tracing::warn!(
            path = url.path(),
            "next link repeats an earlier page; paging stops"
        );
        return Next::Done;
    }
    Next::Fetch(url, Operation::NextPage)
}

/// A lazy stream of pages starting at `first`, fetched through `source`.
pub(crate) fn page_stream<S: PageSource, T: Page>(
    source: Arc<S>,
    first: Url,
    operation: Operation,
    limits: PageLimits,
) -> BoxStream<'static, Result<T, Error>> {
    let cursor = Cursor {
        source,
        next: Next::Fetch(first, operation),
        seen: HashSet::new(),
        pages: 0,
        resources: 0,
        limits,
    };
    stream::try_unfold(cursor, |mut cursor| async move {
        let (url, operation) = match std::mem::replace(&mut cursor.next, Next::Done) {
            Next::Done => return Ok(None),
            Next::Fail(e) => return Err(e),
            Next::Fetch(url, operation) => (url, operation),
        };
        if cursor.pages >= cursor.limits.max_pages {
            return Err(Error::PagingLimitReached {
                kind: PagingLimit::Pages,
                limit: cursor.limits.max_pages,
            });
        }
        cursor.seen.insert(url.as_str().to_owned());
        let body = cursor.source.fetch(url.clone(), operation).await?;
        let page = T::from_body(operation, &url, http::StatusCode::OK, body)?;
        cursor.pages += 1;
        cursor.resources = cursor.resources.saturating_add(page.entry_count() as u64);
        if cursor.resources > cursor.limits.max_resources {
            return Err(Error::PagingLimitReached {
                kind: PagingLimit::Resources,
                limit: cursor.limits.max_resources,
            });
        }
        cursor.next = follow(
            page.next_link(),
            &url,
            &cursor.source.origin(),
            &cursor.seen,
        );
        Ok(Some((page, cursor)))
    })
    .boxed()
}

/// A lazy [`Stream`] of search pages, each read as the chosen [`Page`] format (a typed
/// [`bluebutton_fhir::Bundle`], a [`serde_json::Value`] or a [`crate::RawPage`]).
///
/// Each page is fetched when polled, with the beneficiary's newest access token. It follows
/// `link[relation=next]` verbatim, stops when a link repeats an earlier page, and ends with an
/// error (after the pages so far) on a `next` link to another origin or at a [`PageLimits`] cap.
#[must_use = "streams do nothing unless polled"]
pub struct Pages<T> {
    inner: BoxStream<'static, Result<T, Error>>,
}

impl<T> Pages<T> {
    pub(crate) fn new(inner: BoxStream<'static, Result<T, Error>>) -> Self {
        Self { inner }
    }
}

impl<T> Stream for Pages<T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl<T> fmt::Debug for Pages<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages").finish_non_exhaustive()
    }
}

/// A lazy [`Stream`] of the resources of every page of a search, typed (entries of other
/// types, such as `OperationOutcome` notes, are skipped).
///
/// Pages are scanned, not parsed whole: each resource is parsed when it is reached, so the
/// stream holds at most one page body and one resource, whatever the number of pages. An error
/// ends the stream, after the resources before it.
#[must_use = "streams do nothing unless polled"]
pub struct Resources<R> {
    inner: BoxStream<'static, Result<R, Error>>,
    /// Set after an error: nothing more is polled (no further page is fetched).
    done: bool,
}

impl<R: EntryResource> Resources<R> {
    pub(crate) fn from_pages(pages: Pages<ScannedPage<R>>) -> Self {
        let inner = pages
            .map_ok(move |page| {
                stream::iter(page.into_resources().filter_map(move |r| {
                    let r = match r {
                        Ok(r) => r,
                        Err(e) => return Some(Err(e)),
                    };
                    let kind = R::type_of(&r).to_owned();
                    let picked = R::pick(r);
                    if picked.is_none() {
                        tracing::debug!(resource_type = %kind, "search entry of another type skipped");
                    }
                    picked.map(Ok)
                }))
            })
            .try_flatten()
            .boxed();
        Self { inner, done: false }
    }
}

impl<R> Stream for Resources<R> {
    type Item = Result<R, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        let item = self.inner.as_mut().poll_next(cx);
        if let Poll::Ready(Some(Err(_)) | None) = &item {
            self.done = true;
        }
        item
    }
}

impl<R> fmt::Debug for Resources<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resources").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Mutex;

    use serde_json::{Value, json};

    use super::*;

    /// Canned pages by URL; records what was fetched.
    struct Canned {
        pages: HashMap<String, Value>,
        fetched: Mutex<Vec<String>>,
    }

    impl Canned {
        fn new(pages: Vec<(&str, Value)>) -> Arc<Self> {
            Arc::new(Self {
                pages: pages.into_iter().map(|(u, v)| (u.to_owned(), v)).collect(),
                fetched: Mutex::new(Vec::new()),
            })
        }
        fn fetched(&self) -> Vec<String> {
            self.fetched.lock().unwrap().clone()
        }
    }

    impl PageSource for Canned {
        fn fetch(&self, url: Url, _: Operation) -> BoxFuture<'_, Result<Bytes, Error>> {
            self.fetched.lock().unwrap().push(url.to_string());
            let body = self.pages.get(url.as_str()).cloned();
            Box::pin(async move {
                let body = body.unwrap_or_else(|| panic!("unexpected fetch of {url}"));
                Ok(Bytes::from(serde_json::to_vec(&body).unwrap()))
            })
        }
        fn origin(&self) -> Origin {
            Url::parse("https://api.example").unwrap().origin()
        }
    }

    fn page(next: Option<&str>, ids: &[&str]) -> Value {
        let mut links = vec![json!({"relation": "self", "url": "https://api.example/self"})];
        if let Some(next) = next {
            links.push(json!({"relation": "next", "url": next}));
        }
        json!({
            "resourceType": "Bundle", "type": "searchset", "link": links,
            "entry": ids.iter().map(|id| json!({"resource": {"resourceType": "Coverage", "id": id}})).collect::<Vec<_>>(),
        })
    }

    const FIRST: &str = "https://api.example/v2/fhir/Coverage/?_count=2";
    // A next link with unusual but valid encoding and parameters that must be kept verbatim.
    const SECOND: &str = "https://api.example/v2/fhir/Coverage?_format=application%2Fjson%2Bfhir&startIndex=2&_count=2&beneficiary=Patient%2F-1";
    const THIRD: &str = "https://api.example/v2/fhir/Coverage?_format=application%2Fjson%2Bfhir&startIndex=4&_count=2&beneficiary=Patient%2F-1";

    async fn collect<T: Page>(source: Arc<Canned>, limits: PageLimits) -> (Vec<T>, Option<Error>) {
        let mut stream = page_stream::<_, T>(
            source,
            Url::parse(FIRST).unwrap(),
            Operation::Search("Coverage"),
            limits,
        );
        let mut pages = Vec::new();
        while let Some(item) = stream.next().await {
            match item {
                Ok(p) => pages.push(p),
                Err(e) => return (pages, Some(e)),
            }
        }
        (pages, None)
    }

    #[tokio::test]
    async fn follows_next_links_verbatim_to_the_end() {
        let source = Canned::new(vec![
            (FIRST, page(Some(SECOND), &["a", "b"])),
            (SECOND, page(Some(THIRD), &["c", "d"])),
            (THIRD, page(None, &["e"])),
        ]);
        let (pages, error) =
            collect::<bluebutton_fhir::Bundle>(source.clone(), PageLimits::default()).await;
        assert!(error.is_none(), "{error:?}");
        assert_eq!(pages.len(), 3);
        assert_eq!(source.fetched(), vec![FIRST, SECOND, THIRD]);
    }

    #[tokio::test]
    async fn json_pages_follow_the_same_links() {
        let source = Canned::new(vec![
            (FIRST, page(Some(SECOND), &["a", "b"])),
            (SECOND, page(None, &["c"])),
        ]);
        let (pages, error) = collect::<Value>(source.clone(), PageLimits::default()).await;
        assert!(error.is_none());
        assert_eq!(pages.len(), 2);
        assert_eq!(pages[1]["entry"][0]["resource"]["id"], "c");
    }

    #[tokio::test]
    async fn stops_on_a_repeated_link() {
        let source = Canned::new(vec![
            (FIRST, page(Some(SECOND), &["a"])),
            (SECOND, page(Some(FIRST), &["b"])),
        ]);
        let (pages, error) =
            collect::<bluebutton_fhir::Bundle>(source.clone(), PageLimits::default()).await;
        assert!(error.is_none());
        assert_eq!(pages.len(), 2);
        assert_eq!(source.fetched().len(), 2);
    }

    #[tokio::test]
    async fn refuses_another_origin_before_sending() {
        let source = Canned::new(vec![(
            FIRST,
            page(
                Some("https://evil.example/v2/fhir/Coverage?startIndex=2&patient=-1"),
                &["a"],
            ),
        )]);
        let (pages, error) =
            collect::<bluebutton_fhir::Bundle>(source.clone(), PageLimits::default()).await;
        assert_eq!(pages.len(), 1, "the first page is still delivered");
        let error = error.expect("an error");
        assert!(matches!(error, Error::ForeignNextLink { .. }), "{error:?}");
        let message = error.to_string();
        assert!(message.contains("https://evil.example"), "{message}");
        assert!(
            !message.contains("patient=-1"),
            "query values never shown: {message}"
        );
        assert_eq!(source.fetched(), vec![FIRST]);
    }

    #[tokio::test]
    async fn other_scheme_or_port_is_another_origin() {
        for link in [
            "http://api.example/v2/fhir/Coverage?startIndex=2",
            "https://api.example:8443/v2/fhir/Coverage?startIndex=2",
        ] {
            let source = Canned::new(vec![(FIRST, page(Some(link), &["a"]))]);
            let (_, error) =
                collect::<bluebutton_fhir::Bundle>(source.clone(), PageLimits::default()).await;
            assert!(
                matches!(error, Some(Error::ForeignNextLink { .. })),
                "{link}"
            );
        }
    }

    #[tokio::test]
    async fn relative_next_link_resolves_on_the_same_origin() {
        let source = Canned::new(vec![
            (FIRST, page(Some("/v2/fhir/Coverage?startIndex=2"), &["a"])),
            (
                "https://api.example/v2/fhir/Coverage?startIndex=2",
                page(None, &["b"]),
            ),
        ]);
        let (pages, error) =
            collect::<bluebutton_fhir::Bundle>(source.clone(), PageLimits::default()).await;
        assert!(error.is_none());
        assert_eq!(pages.len(), 2);
    }

    #[tokio::test]
    async fn page_cap_ends_with_an_error_after_the_allowed_pages() {
        let source = Canned::new(vec![
            (FIRST, page(Some(SECOND), &["a", "b"])),
            (SECOND, page(Some(THIRD), &["c", "d"])),
        ]);
        let (pages, error) =
            collect::<bluebutton_fhir::Bundle>(source.clone(), PageLimits::default().max_pages(2))
                .await;
        assert_eq!(pages.len(), 2);
        assert!(matches!(
            error,
            Some(Error::PagingLimitReached {
                kind: PagingLimit::Pages,
                limit: 2
            })
        ));
        assert_eq!(source.fetched().len(), 2, "the third page is never fetched");
    }

    #[tokio::test]
    async fn a_cap_reached_exactly_on_the_last_page_is_not_an_error() {
        let source = Canned::new(vec![
            (FIRST, page(Some(SECOND), &["a", "b"])),
            (SECOND, page(None, &["c", "d"])),
        ]);
        let limits = PageLimits::default().max_pages(2).max_resources(4);
        let (pages, error) = collect::<bluebutton_fhir::Bundle>(source, limits).await;
        assert_eq!(pages.len(), 2);
        assert!(error.is_none());
    }

    #[tokio::test]
    async fn resource_cap_ends_with_an_error() {
        let source = Canned::new(vec![
            (FIRST, page(Some(SECOND), &["a", "b"])),
            (SECOND, page(Some(THIRD), &["c", "d"])),
        ]);
        let (pages, error) =
            collect::<bluebutton_fhir::Bundle>(source, PageLimits::default().max_resources(3))
                .await;
        assert_eq!(pages.len(), 1);
        assert!(matches!(
            error,
            Some(Error::PagingLimitReached {
                kind: PagingLimit::Resources,
                limit: 3
            })
        ));
    }

    #[tokio::test]
    async fn resources_stream_flattens_and_keeps_only_the_wanted_type() {
        let mut second = page(None, &["c"]);
        second["entry"]
            .as_array_mut()
            .unwrap()
            .push(json!({"resource": {"resourceType": "OperationOutcome", "issue": []}}));
        let source = Canned::new(vec![
            (FIRST, page(Some(SECOND), &["a", "b"])),
            (SECOND, second),
        ]);
        let pages = Pages::new(page_stream(
            source,
            Url::parse(FIRST).unwrap(),
            Operation::Search("Coverage"),
            PageLimits::default(),
        ));
        let ids: Vec<String> = Resources::<bluebutton_fhir::Coverage>::from_pages(pages)
            .map_ok(|c| c.id.unwrap_or_default())
            .try_collect()
            .await
            .unwrap();
        assert_eq!(ids, ["a", "b", "c"]);
    }

    #[tokio::test]
    async fn resources_stream_ends_at_a_bad_resource_without_fetching_further() {
        let mut first = page(Some(SECOND), &["a", "b", "c"]);
        first["entry"][1]["resource"]["status"] = json!(7);
        let source = Canned::new(vec![(FIRST, first), (SECOND, page(None, &["d"]))]);
        let pages = Pages::new(page_stream(
            source.clone(),
            Url::parse(FIRST).unwrap(),
            Operation::Search("Coverage"),
            PageLimits::default(),
        ));
        let items: Vec<Result<String, Error>> =
            Resources::<bluebutton_fhir::Coverage>::from_pages(pages)
                .map_ok(|c| c.id.unwrap_or_default())
                .collect()
                .await;
        assert_eq!(items.len(), 2, "{items:?}");
        assert_eq!(items[0].as_ref().unwrap(), "a");
        let error = items[1].as_ref().unwrap_err();
        assert!(matches!(error, Error::Fhir { .. }), "{error:?}");
        assert_eq!(source.fetched(), vec![FIRST], "no page after the error");
    }
}
