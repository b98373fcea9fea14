//! Raw paging: fetches search pages as bytes with the stored login and follows their `next`
//! links, without building typed trees (the fast path of `eob` and `export`).
//!
//! Each GET takes a valid token from the client's token manager (refreshed ahead of expiry) and
//! goes through the client's transport (retries, timeouts, origin-pinned bearer); after a 401
//! `invalid_token` it refreshes once and replays once, as the client library does. `next` links
//! are followed verbatim, only on the configured origin, and paging stops on a repeated link.

use std::borrow::Cow;
use std::collections::HashSet;

use bluebutton::BlueButton;
use bluebutton_transport::Request;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::value::RawValue;
use url::Url;

use crate::error::CliError;

/// Authorized GETs for one stored login.
#[derive(Clone, Debug)]
pub(crate) struct Fetcher {
    client: BlueButton,
    key: String,
}

impl Fetcher {
    /// GETs with the token stored under `key`.
    pub(crate) fn new(client: BlueButton, key: impl Into<String>) -> Self {
        Fetcher {
            client,
            key: key.into(),
        }
    }

    /// GETs `url` and returns the body of a successful response.
    pub(crate) async fn get(&self, url: &Url, what: &'static str) -> Result<Bytes, CliError> {
        let tokens = self.client.token_manager();
        let token = tokens.token(&self.key).await?;
        let first = self.send(url, token.access_token().secret()).await;
        let response = match first {
            Err(e) if e.is_invalid_token() && self.client.config().token_refresh_on_expire() => {
                tracing::debug!(
                    path = url.path(),
                    "401 invalid_token: refreshing once and replaying"
                );
                let renewed = tokens
                    .refresh_rejected(&self.key, token.access_token())
                    .await?;
                self.send(url, renewed.access_token().secret()).await
            }
            other => other,
        };
        response
            .map(|r| r.body().clone())
            .map_err(|source| CliError::Transport { what, source })
    }

    async fn send(
        &self,
        url: &Url,
        access_token: &str,
    ) -> Result<bluebutton_transport::Response, bluebutton_transport::TransportError> {
        let request = Request::get(url.clone()).bearer(access_token);
        self.client.transport().send(request).await
    }
}

/// One link of a Bundle.
#[derive(Debug, Deserialize)]
struct RawLink<'a> {
    #[serde(default, borrow)]
    relation: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    url: Option<Cow<'a, str>>,
}

/// A search page with its entries kept as raw JSON (`E` picks what of an entry is kept).
#[derive(Debug, Deserialize)]
#[serde(bound = "E: Deserialize<'de>")]
pub(crate) struct RawBundle<'a, E> {
    /// `resourceType` (must be `Bundle`).
    #[serde(rename = "resourceType", borrow)]
    resource_type: Cow<'a, str>,
    /// `total`, when the server sends it.
    #[serde(default)]
    pub(crate) total: Option<u64>,
    #[serde(default, borrow)]
    link: Vec<RawLink<'a>>,
    /// The entries.
    #[serde(default = "Vec::new")]
    pub(crate) entry: Vec<E>,
}

impl<E> RawBundle<'_, E> {
    /// The `next` link, verbatim.
    pub(crate) fn next_link(&self) -> Option<&str> {
        self.link
            .iter()
            .find(|l| l.relation.as_deref() == Some("next"))
            .and_then(|l| l.url.as_deref())
    }
}

/// An entry of which only the resource is kept.
#[derive(Debug, Deserialize)]
pub(crate) struct ResourceEntry<'a> {
    /// The resource's exact JSON text.
    #[serde(default, borrow)]
    pub(crate) resource: Option<&'a RawValue>,
}

/// A whole entry (fullUrl, resource, search...) as its exact JSON text.
pub(crate) type WholeEntry<'a> = &'a RawValue;

/// Parses a page body. A body that is not a Bundle is an error.
pub(crate) fn parse_page<'a, E: Deserialize<'a>>(
    body: &'a [u8],
    what: &'static str,
    page: u64,
) -> Result<RawBundle<'a, E>, CliError> {
    let bundle: RawBundle<'a, E> =
        serde_json::from_slice(body).map_err(|source| CliError::Page { what, page, source })?;
    if bundle.resource_type != "Bundle" {
        return Err(CliError::Page {
            what,
            page,
            source: <serde_json::Error as serde::de::Error>::custom(format!(
                "resourceType is {:?}, expected \"Bundle\"",
                bundle.resource_type
            )),
        });
    }
    Ok(bundle)
}

/// How far to page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PageLimit {
    /// Every page.
    All,
    /// At most this many pages in all.
    Pages(u64),
}

/// One fetched page.
#[derive(Debug)]
pub(crate) struct Page {
    /// 1-based.
    pub(crate) number: u64,
    /// Where it was fetched from.
    pub(crate) url: Url,
    /// The body as received.
    pub(crate) body: Bytes,
}

/// The pages of one search, fetched one at a time.
#[derive(Debug)]
pub(crate) struct RawPages {
    fetcher: Fetcher,
    what: &'static str,
    next: Option<Url>,
    seen: HashSet<String>,
    fetched: u64,
    limit: PageLimit,
    /// Set when paging stopped at the limit while a `next` link remained.
    truncated: bool,
}

impl RawPages {
    /// Pages of the search whose first page is `first`.
    pub(crate) fn new(fetcher: Fetcher, what: &'static str, first: Url, limit: PageLimit) -> Self {
        RawPages {
            fetcher,
            what,
            next: Some(first),
            seen: HashSet::new(),
            fetched: 0,
            limit,
            truncated: false,
        }
    }

    /// How many pages were fetched so far.
    pub(crate) fn fetched(&self) -> u64 {
        self.fetched
    }

    /// Whether a `next` link is scheduled (more pages remain).
    pub(crate) fn has_next(&self) -> bool {
        self.next.is_some()
    }

    /// Whether paging stopped at the page limit while more pages remained.
    pub(crate) fn truncated(&self) -> bool {
        self.truncated
    }

    /// The next page, or `None` at the end. The caller parses it and hands its `next` link to
    /// [`RawPages::parse`] (so each page is parsed once).
    pub(crate) async fn next_page(&mut self) -> Result<Option<Page>, CliError> {
        let Some(url) = self.next.take() else {
            return Ok(None);
        };
        if let PageLimit::Pages(max) = self.limit
            && self.fetched >= max
        {
            self.truncated = true;
            return Ok(None);
        }
        self.seen.insert(url.as_str().to_owned());
        let body = self.fetcher.get(&url, self.what).await?;
        self.fetched += 1;
        Ok(Some(Page {
            number: self.fetched,
            url,
            body,
        }))
    }

    /// Parses `page` as a Bundle and schedules its `next` link.
    pub(crate) fn parse<'a, E: Deserialize<'a>>(
        &mut self,
        page: &'a Page,
    ) -> Result<RawBundle<'a, E>, CliError> {
        let bundle: RawBundle<'a, E> = parse_page(&page.body, self.what, page.number)?;
        if let Some(link) = bundle.next_link() {
            self.next = self.follow(&page.url, link)?;
        }
        Ok(bundle)
    }

    /// Checks a `next` link: same origin as the configured base URL, not seen before.
    fn follow(&self, current: &Url, link: &str) -> Result<Option<Url>, CliError> {
        let next = current.join(link).map_err(|e| CliError::Page {
            what: self.what,
            page: self.fetched,
            source: <serde_json::Error as serde::de::Error>::custom(format!(
                "the next link is not a URL: {e}"
            )),
        })?;
        let allowed = self.fetcher.client.config().base_url().origin();
        if next.origin() != allowed {
            return Err(CliError::ForeignNextLink {
                origin: next.origin().ascii_serialization(),
                allowed: allowed.ascii_serialization(),
            });
        }
        if self.seen.contains(next.as_str()) {
            tracing::warn!(
                path = next.path(),
                "the next link repeats an earlier page; stopping"
            );
            return Ok(None);
        }
        Ok(Some(next))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_entries_total_and_next_link_without_a_tree() {
        let body = br#"{"resourceType":"Bundle","type":"searchset","total":3,
            "link":[{"relation":"self","url":"http://h/a"},{"relation":"next","url":"http:\/\/h\/b?startIndex=2"}],
            "entry":[{"fullUrl":"x","resource":{"resourceType":"ExplanationOfBenefit","id":"1","n":10.50}},{"search":{}}]}"#;
        let page: RawBundle<'_, ResourceEntry<'_>> = parse_page(body, "test", 1).unwrap();
        assert_eq!(page.total, Some(3));
        assert_eq!(page.next_link(), Some("http://h/b?startIndex=2"));
        assert_eq!(
            page.entry[0].resource.unwrap().get(),
            r#"{"resourceType":"ExplanationOfBenefit","id":"1","n":10.50}"#
        );
        assert!(page.entry[1].resource.is_none());
        let whole: RawBundle<'_, WholeEntry<'_>> = parse_page(body, "test", 1).unwrap();
        assert!(whole.entry[0].get().starts_with(r#"{"fullUrl":"x""#));
    }

    #[test]
    fn a_bundle_without_entries_or_links_is_the_last_page() {
        let page: RawBundle<'_, ResourceEntry<'_>> = parse_page(
            br#"{"resourceType":"Bundle","type":"searchset","total":0}"#,
            "t",
            1,
        )
        .unwrap();
        assert!(page.entry.is_empty() && page.next_link().is_none());
    }

    mod paging {
        use bluebutton::{AuthorizationToken, BlueButton, Config, Environment};
        use serde_json::json;
        use wiremock::matchers::{header, method, path, query_param};
        use wiremock::{Mock, MockServer, ResponseTemplate};

        use super::super::*;

        async fn client(server: &MockServer) -> BlueButton {
            let config = Config::builder()
                .client_id("id")
                .client_secret("secret")
                .callback_url("http://127.0.0.1:8765/callback")
                .environment(Environment::Local)
                .base_url(server.uri())
                .retry_total(0)
                .build()
                .unwrap();
            let client = BlueButton::new(config).unwrap();
            let token = AuthorizationToken::from_response_json(
                br#"{"access_token":"at-1","refresh_token":"rt-1","expires_in":3600,"token_type":"Bearer","scope":"patient/ExplanationOfBenefit.rs","patient":"-1"}"#,
                time::OffsetDateTime::now_utc(),
            )
            .unwrap();
            client.insert_token("k", &token).await.unwrap();
            client
        }

        fn page(next: Option<String>, ids: &[&str]) -> serde_json::Value {
            let mut link = vec![json!({"relation": "self", "url": "x"})];
            if let Some(next) = next {
                link.push(json!({"relation": "next", "url": next}));
            }
            json!({"resourceType": "Bundle", "type": "searchset", "link": link,
                "entry": ids.iter().map(|id| json!({"resource": {"resourceType": "ExplanationOfBenefit", "id": id}})).collect::<Vec<_>>()})
        }

        async fn drain(pages: &mut RawPages) -> (Vec<String>, Option<CliError>) {
            let mut ids = Vec::new();
            loop {
                let page = match pages.next_page().await {
                    Ok(Some(page)) => page,
                    Ok(None) => return (ids, None),
                    Err(e) => return (ids, Some(e)),
                };
                match pages.parse::<ResourceEntry<'_>>(&page) {
                    Ok(bundle) => ids.extend(bundle.entry.iter().filter_map(|e| {
                        let v: serde_json::Value = serde_json::from_str(e.resource?.get()).ok()?;
                        Some(v["id"].as_str()?.to_owned())
                    })),
                    Err(e) => return (ids, Some(e)),
                }
            }
        }

        #[tokio::test]
        async fn follows_next_links_with_the_bearer_token_and_stops_on_a_repeat() {
            let server = MockServer::start().await;
            let first = format!("{}/v2/fhir/ExplanationOfBenefit/?_count=2", server.uri());
            let second = format!("{}/v2/fhir/ExplanationOfBenefit?startIndex=2", server.uri());
            Mock::given(method("GET"))
                .and(path("/v2/fhir/ExplanationOfBenefit/"))
                .and(header("authorization", "Bearer at-1"))
                .respond_with(
                    ResponseTemplate::new(200)
                        .set_body_json(page(Some(second.clone()), &["a", "b"])),
                )
                .expect(1)
                .mount(&server)
                .await;
            Mock::given(method("GET"))
                .and(path("/v2/fhir/ExplanationOfBenefit"))
                .and(query_param("startIndex", "2"))
                // A server bug: the last page points back to the first one.
                .respond_with(
                    ResponseTemplate::new(200).set_body_json(page(Some(first.clone()), &["c"])),
                )
                .expect(1)
                .mount(&server)
                .await;
            let fetcher = Fetcher::new(client(&server).await, "k");
            let mut pages =
                RawPages::new(fetcher, "EOB", Url::parse(&first).unwrap(), PageLimit::All);
            let (ids, error) = drain(&mut pages).await;
            assert!(error.is_none(), "{error:?}");
            assert_eq!(ids, ["a", "b", "c"]);
            assert_eq!(pages.fetched(), 2);
        }

        #[tokio::test]
        async fn a_next_link_to_another_origin_is_refused_before_sending() {
            let server = MockServer::start().await;
            let first = format!("{}/v2/fhir/ExplanationOfBenefit/", server.uri());
            Mock::given(method("GET"))
                .respond_with(ResponseTemplate::new(200).set_body_json(page(
                    Some("https://evil.example/v2/fhir/ExplanationOfBenefit?startIndex=2&patient=-1".to_owned()),
                    &["a"],
                )))
                .expect(1)
                .mount(&server)
                .await;
            let fetcher = Fetcher::new(client(&server).await, "k");
            let mut pages =
                RawPages::new(fetcher, "EOB", Url::parse(&first).unwrap(), PageLimit::All);
            let (ids, error) = drain(&mut pages).await;
            assert!(ids.is_empty(), "the page with the bad link is not used");
            let error = error.expect("refused");
            assert!(
                matches!(error, CliError::ForeignNextLink { .. }),
                "{error:?}"
            );
            assert!(!error.to_string().contains("patient=-1"), "{error}");
        }

        #[tokio::test]
        async fn the_page_limit_stops_early_and_says_so() {
            let server = MockServer::start().await;
            let first = format!("{}/v2/fhir/ExplanationOfBenefit/", server.uri());
            let second = format!("{}/v2/fhir/ExplanationOfBenefit?startIndex=1", server.uri());
            Mock::given(method("GET"))
                .respond_with(ResponseTemplate::new(200).set_body_json(page(Some(second), &["a"])))
                .expect(1)
                .mount(&server)
                .await;
            let fetcher = Fetcher::new(client(&server).await, "k");
            let mut pages = RawPages::new(
                fetcher,
                "EOB",
                Url::parse(&first).unwrap(),
                PageLimit::Pages(1),
            );
            let (ids, error) = drain(&mut pages).await;
            assert!(error.is_none());
            assert_eq!(ids, ["a"]);
            assert!(pages.truncated());
        }
    }

    #[test]
    fn other_documents_are_refused() {
        let error = parse_page::<ResourceEntry<'_>>(
            br#"{"resourceType":"OperationOutcome","issue":[]}"#,
            "ExplanationOfBenefit",
            2,
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "page 2 of the ExplanationOfBenefit search is not a usable Bundle: resourceType is \"OperationOutcome\", expected \"Bundle\""
        );
        assert!(parse_page::<ResourceEntry<'_>>(b"[1]", "t", 1).is_err());
    }
}
