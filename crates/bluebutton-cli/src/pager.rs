//! Raw paging for `eob` and `export`: the client library's pass-through pages
//! ([`bluebutton::Search::pages`] with `RawPage`: no typed tree, every `next` link checked, the newest
//! token on each page, one refresh and replay after a 401), counted, with a page cap that
//! ends quietly (the command then says more remain) instead of failing.

use bluebutton::prelude::*;
use bluebutton::{Error as ApiError, PageLimits, Pages, PagingLimit, RawPage};

use crate::error::CliError;

/// How far to page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PageLimit {
    /// Every page.
    All,
    /// At most this many pages in all.
    Pages(u64),
}

impl PageLimit {
    /// The caps of the client library's page stream: none but the page count (a command line
    /// export has no reason to stop at the library's default resource cap).
    pub(crate) fn limits(self) -> PageLimits {
        match self {
            PageLimit::All => PageLimits::unlimited(),
            PageLimit::Pages(max) => PageLimits::unlimited().max_pages(max),
        }
    }
}

/// The pages of one search, fetched one at a time.
#[derive(Debug)]
pub(crate) struct RawPages {
    pages: Pages<RawPage>,
    fetched: u64,
    truncated: bool,
}

impl RawPages {
    /// Pages of a search built with [`PageLimit::limits`].
    pub(crate) fn new(pages: Pages<RawPage>) -> Self {
        RawPages {
            pages,
            fetched: 0,
            truncated: false,
        }
    }

    /// How many pages were fetched so far.
    pub(crate) fn fetched(&self) -> u64 {
        self.fetched
    }

    /// Whether paging stopped at the page cap while a `next` link remained.
    pub(crate) fn truncated(&self) -> bool {
        self.truncated
    }

    /// The next page, or `None` at the end (or at the page cap: see [`RawPages::truncated`]).
    pub(crate) async fn next_page(&mut self) -> Result<Option<RawPage>, CliError> {
        if self.truncated {
            return Ok(None);
        }
        match self.pages.try_next().await {
            Ok(Some(page)) => {
                self.fetched += 1;
                Ok(Some(page))
            }
            Ok(None) => Ok(None),
            Err(ApiError::PagingLimitReached {
                kind: PagingLimit::Pages,
                ..
            }) => {
                self.truncated = true;
                Ok(None)
            }
            Err(other) => Err(other.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use bluebutton::{AuthorizationToken, BlueButton, Config, Environment};
    use serde_json::json;
    use wiremock::matchers::{header, method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;

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
            match pages.next_page().await {
                Ok(Some(page)) => ids.extend(page.resources().filter_map(|text| {
                    let v: serde_json::Value = serde_json::from_str(text).ok()?;
                    Some(v["id"].as_str()?.to_owned())
                })),
                Ok(None) => return (ids, None),
                Err(e) => return (ids, Some(e)),
            }
        }
    }

    async fn pages(server: &MockServer, limit: PageLimit) -> RawPages {
        let search = client(server)
            .await
            .beneficiary("k")
            .explanation_of_benefit()
            .page_size(2)
            .limits(limit.limits());
        RawPages::new(search.pages::<bluebutton::RawPage>())
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
                ResponseTemplate::new(200).set_body_json(page(Some(second.clone()), &["a", "b"])),
            )
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/v2/fhir/ExplanationOfBenefit"))
            .and(query_param("startIndex", "2"))
            // A server bug: the last page points back to the first one.
            .respond_with(ResponseTemplate::new(200).set_body_json(page(Some(first), &["c"])))
            .expect(1)
            .mount(&server)
            .await;
        let mut pages = pages(&server, PageLimit::All).await;
        let (ids, error) = drain(&mut pages).await;
        assert!(error.is_none(), "{error:?}");
        assert_eq!(ids, ["a", "b", "c"]);
        assert_eq!(pages.fetched(), 2);
        assert!(!pages.truncated());
    }

    #[tokio::test]
    async fn a_next_link_to_another_origin_is_refused_before_sending() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(page(
                    Some(
                        "https://evil.example/v2/fhir/ExplanationOfBenefit?startIndex=2&patient=-1"
                            .to_owned(),
                    ),
                    &["a"],
                )),
            )
            .expect(1)
            .mount(&server)
            .await;
        let mut pages = pages(&server, PageLimit::All).await;
        let (ids, error) = drain(&mut pages).await;
        assert_eq!(ids, ["a"], "the page itself is delivered");
        let error = error.expect("refused");
        assert!(
            matches!(error, CliError::Api(ApiError::ForeignNextLink { .. })),
            "{error:?}"
        );
        assert!(!error.to_string().contains("patient=-1"), "{error}");
    }

    #[tokio::test]
    async fn the_page_limit_stops_early_and_says_so() {
        let server = MockServer::start().await;
        let second = format!("{}/v2/fhir/ExplanationOfBenefit?startIndex=1", server.uri());
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_json(page(Some(second), &["a"])))
            .expect(1)
            .mount(&server)
            .await;
        let mut pages = pages(&server, PageLimit::Pages(1)).await;
        let (ids, error) = drain(&mut pages).await;
        assert!(error.is_none(), "{error:?}");
        assert_eq!(ids, ["a"]);
        assert!(pages.truncated());
        assert_eq!(pages.fetched(), 1);
    }

    #[tokio::test]
    async fn other_documents_are_refused() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"resourceType": "OperationOutcome", "issue": []})),
            )
            .mount(&server)
            .await;
        let mut pages = pages(&server, PageLimit::All).await;
        let error = pages.next_page().await.unwrap_err();
        assert!(
            matches!(
                &error,
                CliError::Api(ApiError::UnexpectedResource { found, .. }) if found == "OperationOutcome"
            ),
            "{error:?}"
        );
    }
}
