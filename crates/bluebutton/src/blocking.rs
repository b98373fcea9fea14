//! A synchronous client with the same surface as the async one (feature `blocking`), for
//! scripts and apps without an async runtime.
//!
//! Like `reqwest::blocking`, each client owns a small internal Tokio runtime (current-thread)
//! and runs each call to completion on the calling thread; streams become iterators. Do not
//! use it from inside an async runtime (Tokio panics when a runtime is started or dropped
//! there): use the async [`crate::BlueButton`] instead.
//!
//! ```no_run
//! use bluebutton::blocking::BlueButton;
//! use bluebutton::ClaimType;
//!
//! let bb = BlueButton::from_default_config()?;
//! let request = bb.new_auth_request();
//! println!("Open {}", bb.authorize_url(&request));
//! let beneficiary = bb.exchange_code(request, "code=...&state=...")?;
//! for eob in beneficiary.explanation_of_benefit().claim_type(ClaimType::Pde).resources() {
//!     let eob = eob?;
//!     println!("{:?} {:?}", eob.claim_id(), eob.totals().paid);
//! }
//! # Ok::<(), bluebutton::Error>(())
//! ```

use std::fmt;
use std::sync::Arc;

use bluebutton_auth::{AuthRequest, AuthorizationToken, Introspection, UserInfo};
use bluebutton_config::{Config, Endpoints};
use bluebutton_fhir::{Bundle, CapabilityStatement, ClaimType, ExplanationOfBenefit, Resource};
use futures_util::StreamExt;
use time::Date;
use tokio::runtime::Runtime;
use url::Url;

use crate::{DateFilter, DateValue, Error, PageLimits, SearchResource};

fn runtime() -> Result<Arc<Runtime>, Error> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map(Arc::new)
        .map_err(Error::Runtime)
}

/// The synchronous [`crate::BlueButton`]. Cheap to clone (clones share the runtime).
#[derive(Clone)]
pub struct BlueButton {
    inner: crate::BlueButton,
    rt: Arc<Runtime>,
}

impl BlueButton {
    /// A client for `config` with the defaults (in-memory token store, new transport).
    pub fn new(config: Config) -> Result<Self, Error> {
        Self::from_async(crate::BlueButton::new(config)?)
    }

    /// The builder of the async client; finish it with
    /// [`build_blocking`](crate::BlueButtonBuilder::build_blocking).
    pub fn builder(config: Config) -> crate::BlueButtonBuilder {
        crate::BlueButton::builder(config)
    }

    /// A client for [`Config::discover`] (see [`crate::BlueButton::from_default_config`]).
    pub fn from_default_config() -> Result<Self, Error> {
        Self::new(Config::discover()?)
    }

    /// Wraps an async client (sharing its token store and transport).
    ///
    /// Pooled connections belong to the runtime that opened them: do not keep using the same
    /// async client (or its transport) on another runtime meanwhile, or a request may wait on a
    /// connection nobody drives until it times out. Build a separate client for that.
    pub fn from_async(inner: crate::BlueButton) -> Result<Self, Error> {
        Ok(Self {
            inner,
            rt: runtime()?,
        })
    }

    /// The async client inside.
    pub fn as_async(&self) -> &crate::BlueButton {
        &self.inner
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        self.inner.config()
    }

    /// The endpoint URLs of the configured API version.
    pub fn endpoints(&self) -> &Endpoints {
        self.inner.endpoints()
    }

    /// See [`crate::BlueButton::new_auth_request`].
    pub fn new_auth_request(&self) -> AuthRequest {
        self.inner.new_auth_request()
    }

    /// See [`crate::BlueButton::authorize_url`].
    pub fn authorize_url(&self, request: &AuthRequest) -> Url {
        self.inner.authorize_url(request)
    }

    /// See [`crate::BlueButton::exchange_code`].
    pub fn exchange_code(
        &self,
        request: AuthRequest,
        callback_query: &str,
    ) -> Result<Beneficiary, Error> {
        let inner = self
            .rt
            .block_on(self.inner.exchange_code(request, callback_query))?;
        Ok(self.wrap(inner))
    }

    /// See [`crate::BlueButton::exchange_code_as`].
    pub fn exchange_code_as(
        &self,
        key: impl Into<String>,
        request: AuthRequest,
        callback_query: &str,
    ) -> Result<Beneficiary, Error> {
        let inner = self
            .rt
            .block_on(self.inner.exchange_code_as(key, request, callback_query))?;
        Ok(self.wrap(inner))
    }

    /// See [`crate::BlueButton::insert_token`].
    pub fn insert_token(
        &self,
        key: impl Into<String>,
        token: &AuthorizationToken,
    ) -> Result<Beneficiary, Error> {
        let inner = self.rt.block_on(self.inner.insert_token(key, token))?;
        Ok(self.wrap(inner))
    }

    /// See [`crate::BlueButton::beneficiary`].
    pub fn beneficiary(&self, key: impl Into<String>) -> Beneficiary {
        self.wrap(self.inner.beneficiary(key))
    }

    /// See [`crate::BlueButton::refresh`].
    pub fn refresh(&self, token: &AuthorizationToken) -> Result<AuthorizationToken, Error> {
        self.rt.block_on(self.inner.refresh(token))
    }

    /// See [`crate::BlueButton::revoke`].
    pub fn revoke(&self, token: &AuthorizationToken) -> Result<(), Error> {
        self.rt.block_on(self.inner.revoke(token))
    }

    /// See [`crate::BlueButton::metadata`].
    pub fn metadata(&self) -> Result<CapabilityStatement, Error> {
        self.rt.block_on(self.inner.metadata())
    }

    /// See [`crate::BlueButton::metadata_json`].
    pub fn metadata_json(&self) -> Result<serde_json::Value, Error> {
        self.rt.block_on(self.inner.metadata_json())
    }

    fn wrap(&self, inner: crate::Beneficiary) -> Beneficiary {
        Beneficiary {
            inner,
            rt: self.rt.clone(),
        }
    }
}

impl fmt::Debug for BlueButton {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("blocking::BlueButton")
            .field(&self.inner)
            .finish()
    }
}

impl crate::BlueButtonBuilder {
    /// Builds a [`blocking::BlueButton`](BlueButton) (feature `blocking`).
    pub fn build_blocking(self) -> Result<BlueButton, Error> {
        BlueButton::from_async(self.build()?)
    }
}

/// The synchronous [`crate::Beneficiary`].
#[derive(Clone)]
pub struct Beneficiary {
    inner: crate::Beneficiary,
    rt: Arc<Runtime>,
}

impl Beneficiary {
    /// The token store key.
    pub fn key(&self) -> &str {
        self.inner.key()
    }

    /// The async handle inside.
    pub fn as_async(&self) -> &crate::Beneficiary {
        &self.inner
    }

    /// See [`crate::Beneficiary::token`].
    pub fn token(&self) -> Result<AuthorizationToken, Error> {
        self.rt.block_on(self.inner.token())
    }

    /// See [`crate::Beneficiary::stored_token`].
    pub fn stored_token(&self) -> Result<Option<AuthorizationToken>, Error> {
        self.rt.block_on(self.inner.stored_token())
    }

    /// See [`crate::Beneficiary::refresh`].
    pub fn refresh(&self) -> Result<AuthorizationToken, Error> {
        self.rt.block_on(self.inner.refresh())
    }

    /// See [`crate::Beneficiary::revoke`].
    pub fn revoke(&self) -> Result<(), Error> {
        self.rt.block_on(self.inner.revoke())
    }

    /// See [`crate::Beneficiary::introspect`].
    pub fn introspect(&self) -> Result<Introspection, Error> {
        self.rt.block_on(self.inner.introspect())
    }

    /// See [`crate::Beneficiary::explanation_of_benefit`].
    pub fn explanation_of_benefit(&self) -> Search<ExplanationOfBenefit> {
        self.search(self.inner.explanation_of_benefit())
    }

    /// See [`crate::Beneficiary::coverage`].
    pub fn coverage(&self) -> Search<bluebutton_fhir::Coverage> {
        self.search(self.inner.coverage())
    }

    /// See [`crate::Beneficiary::patient`].
    pub fn patient(&self) -> Search<bluebutton_fhir::Patient> {
        self.search(self.inner.patient())
    }

    /// See [`crate::Beneficiary::read`].
    pub fn read<R: SearchResource>(&self, id: &str) -> Result<R, Error> {
        self.rt.block_on(self.inner.read(id))
    }

    /// See [`crate::Beneficiary::userinfo`].
    pub fn userinfo(&self) -> Result<UserInfo, Error> {
        self.rt.block_on(self.inner.userinfo())
    }

    /// See [`crate::Beneficiary::insurance_card`].
    pub fn insurance_card(&self) -> Result<Resource, Error> {
        self.rt.block_on(self.inner.insurance_card())
    }

    /// See [`crate::Beneficiary::insurance_card_json`].
    pub fn insurance_card_json(&self) -> Result<serde_json::Value, Error> {
        self.rt.block_on(self.inner.insurance_card_json())
    }

    /// See [`crate::Beneficiary::get_json`].
    pub fn get_json(&self, path_or_url: &str) -> Result<serde_json::Value, Error> {
        self.rt.block_on(self.inner.get_json(path_or_url))
    }

    /// See [`crate::Beneficiary::get_raw`].
    pub fn get_raw(&self, path_or_url: &str) -> Result<bytes::Bytes, Error> {
        self.rt.block_on(self.inner.get_raw(path_or_url))
    }

    /// See [`crate::Beneficiary::pages_json`].
    pub fn pages_json(&self, path_or_url: &str) -> Iter<serde_json::Value> {
        Iter::new(self.inner.pages_json(path_or_url), self.rt.clone())
    }

    /// See [`crate::Beneficiary::pages_raw`].
    pub fn pages_raw(&self, path_or_url: &str) -> Iter<crate::RawPage> {
        Iter::new(self.inner.pages_raw(path_or_url), self.rt.clone())
    }

    fn search<R>(&self, inner: crate::Search<R>) -> Search<R> {
        Search {
            inner,
            rt: self.rt.clone(),
        }
    }
}

impl fmt::Debug for Beneficiary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("blocking::Beneficiary")
            .field(&self.inner)
            .finish()
    }
}

/// The synchronous [`crate::Search`].
#[must_use]
pub struct Search<R> {
    inner: crate::Search<R>,
    rt: Arc<Runtime>,
}

impl<R> fmt::Debug for Search<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("blocking::Search")
            .field(&self.inner)
            .finish()
    }
}

impl<R> Search<R> {
    fn map(self, f: impl FnOnce(crate::Search<R>) -> crate::Search<R>) -> Self {
        Self {
            inner: f(self.inner),
            rt: self.rt,
        }
    }
}

impl Search<ExplanationOfBenefit> {
    /// See [`crate::Search::claim_type`].
    pub fn claim_type(self, claim_type: ClaimType) -> Self {
        self.map(|s| s.claim_type(claim_type))
    }

    /// See [`crate::Search::claim_types`].
    pub fn claim_types(self, claim_types: impl IntoIterator<Item = ClaimType>) -> Self {
        self.map(|s| s.claim_types(claim_types))
    }

    /// See [`crate::Search::service_date`].
    pub fn service_date(self, filter: DateFilter) -> Self {
        self.map(|s| s.service_date(filter))
    }

    /// See [`crate::Search::service_date_range`].
    pub fn service_date_range(self, start: Date, end: Date) -> Self {
        self.map(|s| s.service_date_range(start, end))
    }
}

impl<R: SearchResource> Search<R> {
    /// See [`crate::Search::last_updated`].
    pub fn last_updated(self, filter: DateFilter) -> Self {
        self.map(|s| s.last_updated(filter))
    }

    /// See [`crate::Search::last_updated_range`].
    pub fn last_updated_range(
        self,
        start: impl Into<DateValue>,
        end: impl Into<DateValue>,
    ) -> Self {
        self.map(|s| s.last_updated_range(start, end))
    }

    /// See [`crate::Search::page_size`].
    pub fn page_size(self, size: u32) -> Self {
        self.map(|s| s.page_size(size))
    }

    /// See [`crate::Search::start_index`].
    pub fn start_index(self, index: u32) -> Self {
        self.map(|s| s.start_index(index))
    }

    /// See [`crate::Search::limits`].
    pub fn limits(self, limits: PageLimits) -> Self {
        self.map(|s| s.limits(limits))
    }

    /// See [`crate::Search::url`].
    pub fn url(&self) -> Result<Url, Error> {
        self.inner.url()
    }

    /// See [`crate::Search::send`].
    pub fn send(&self) -> Result<Bundle, Error> {
        self.rt.block_on(self.inner.send())
    }

    /// See [`crate::Search::send_json`].
    pub fn send_json(&self) -> Result<serde_json::Value, Error> {
        self.rt.block_on(self.inner.send_json())
    }

    /// Every page as an iterator of typed Bundles (see [`crate::Search::pages`]).
    pub fn pages(&self) -> Iter<Bundle> {
        Iter::new(self.inner.pages(), self.rt.clone())
    }

    /// Every page as an iterator of JSON values.
    pub fn pages_json(&self) -> Iter<serde_json::Value> {
        Iter::new(self.inner.pages_json(), self.rt.clone())
    }

    /// Every page as received (see [`crate::Search::pages_raw`]).
    pub fn pages_raw(&self) -> Iter<crate::RawPage> {
        Iter::new(self.inner.pages_raw(), self.rt.clone())
    }

    /// Every resource of every page as an iterator (see [`crate::Search::resources`]).
    pub fn resources(&self) -> Iter<R> {
        Iter::new(self.inner.resources(), self.rt.clone())
    }

    /// See [`crate::Search::all`].
    pub fn all(&self) -> Result<Vec<R>, Error> {
        self.rt.block_on(self.inner.all())
    }
}

/// A blocking iterator over a paging stream: each `next` fetches a page when needed.
#[must_use = "iterators do nothing unless consumed"]
pub struct Iter<T> {
    stream: futures_util::stream::BoxStream<'static, Result<T, Error>>,
    rt: Arc<Runtime>,
}

impl<T> Iter<T> {
    fn new(
        stream: impl futures_util::Stream<Item = Result<T, Error>> + Send + 'static,
        rt: Arc<Runtime>,
    ) -> Self {
        Self {
            stream: stream.boxed(),
            rt,
        }
    }
}

impl<T> Iterator for Iter<T> {
    type Item = Result<T, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.rt.block_on(self.stream.next())
    }
}

impl<T> fmt::Debug for Iter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("blocking::Iter").finish_non_exhaustive()
    }
}
