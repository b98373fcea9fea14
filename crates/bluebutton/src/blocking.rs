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
//! use bluebutton::{ClaimType, ClaimView};
//!
//! let bb = BlueButton::from_default_config()?;
//! let request = bb.new_auth_request();
//! println!("Open {}", bb.authorize_url(&request));
//! let beneficiary = bb.exchange_code(request, "code=...&state=...")?;
//! for eob in beneficiary.explanation_of_benefit().claim_type(ClaimType::Pde).resources::<bluebutton::ExplanationOfBenefit>() {
//!     let eob = eob?;
//!     println!("{:?} {:?}", eob.claim_id(), eob.totals().paid);
//! }
//! # Ok::<(), bluebutton::Error>(())
//! ```

use std::fmt;
use std::sync::Arc;

use bluebutton_auth::{AuthRequest, AuthorizationToken, Introspection};
use bluebutton_config::{Config, Endpoints};
use bluebutton_fhir::{ClaimType, ExplanationOfBenefit};
use futures_util::StreamExt;
use time::Date;
use tokio::runtime::Runtime;
use url::Url;

use crate::{
    DateFilter, DateValue, EntryOf, Error, FromBody, Page, PageLimits, ReadResource, SearchResource,
};

/// Methods that run the async method of the same name to completion on the runtime.
macro_rules! block_on {
    ($async:literal: $(
        fn $name:ident $([$($generics:tt)*])? (&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;
    )*) => {$(
        #[doc = concat!("See [`crate::", $async, "::", stringify!($name), "`].")]
        pub fn $name $(<$($generics)*>)? (&self $(, $arg: $ty)*) -> $ret {
            self.rt.block_on(self.inner.$name($($arg),*))
        }
    )*};
}

/// Builder methods of [`crate::Search`], applied to the async search inside.
macro_rules! builders {
    ($(fn $name:ident(self $(, $arg:ident: $ty:ty)*);)*) => {$(
        #[doc = concat!("See [`crate::Search::", stringify!($name), "`].")]
        pub fn $name(self $(, $arg: $ty)*) -> Self {
            Self {
                inner: self.inner.$name($($arg),*),
                rt: self.rt,
            }
        }
    )*};
}

/// Methods that wrap the async method's result (a handle or a stream) for blocking use.
macro_rules! wrap {
    ($async:literal: $(
        fn $name:ident $([$($generics:tt)*])? (&self $(, $arg:ident: $ty:ty)*) -> $ret:ty => $wrap:ident;
    )*) => {$(
        #[doc = concat!("See [`crate::", $async, "::", stringify!($name), "`].")]
        pub fn $name $(<$($generics)*>)? (&self $(, $arg: $ty)*) -> $ret {
            self.$wrap(self.inner.$name($($arg),*))
        }
    )*};
}

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

    /// The async client inside (for everything that needs no waiting: its configuration,
    /// endpoints, authorize URL, token manager).
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
        self.handle_of(self.inner.exchange_code(request, callback_query))
    }

    /// See [`crate::BlueButton::exchange_code_as`].
    pub fn exchange_code_as(
        &self,
        key: impl Into<String>,
        request: AuthRequest,
        callback_query: &str,
    ) -> Result<Beneficiary, Error> {
        self.handle_of(self.inner.exchange_code_as(key, request, callback_query))
    }

    /// See [`crate::BlueButton::insert_token`].
    pub fn insert_token(
        &self,
        key: impl Into<String>,
        token: &AuthorizationToken,
    ) -> Result<Beneficiary, Error> {
        self.handle_of(self.inner.insert_token(key, token))
    }

    wrap! { "BlueButton":
        fn beneficiary(&self, key: impl Into<String>) -> Beneficiary => handle;
    }

    block_on! { "BlueButton":
        fn refresh(&self, token: &AuthorizationToken) -> Result<AuthorizationToken, Error>;
        fn revoke(&self, token: &AuthorizationToken) -> Result<(), Error>;
        fn metadata[T: FromBody](&self) -> Result<T, Error>;
    }

    /// Runs a call that gives a handle, and wraps the handle.
    fn handle_of(
        &self,
        call: impl std::future::Future<Output = Result<crate::Beneficiary, Error>>,
    ) -> Result<Beneficiary, Error> {
        Ok(self.handle(self.rt.block_on(call)?))
    }

    fn handle(&self, inner: crate::Beneficiary) -> Beneficiary {
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

    block_on! { "Beneficiary":
        fn token(&self) -> Result<AuthorizationToken, Error>;
        fn stored_token(&self) -> Result<Option<AuthorizationToken>, Error>;
        fn refresh(&self) -> Result<AuthorizationToken, Error>;
        fn revoke(&self) -> Result<(), Error>;
        fn introspect(&self) -> Result<Introspection, Error>;
        fn read[R: ReadResource](&self, id: &str) -> Result<R, Error>;
        fn userinfo[T: FromBody](&self) -> Result<T, Error>;
        fn insurance_card[T: FromBody](&self) -> Result<T, Error>;
        fn get[T: FromBody](&self, path_or_url: &str) -> Result<T, Error>;
    }

    wrap! { "Beneficiary":
        fn explanation_of_benefit(&self) -> Search<ExplanationOfBenefit> => search;
        fn coverage(&self) -> Search<bluebutton_fhir::Coverage> => search;
        fn patient(&self) -> Search<bluebutton_fhir::Patient> => search;
        fn pages[T: Page](&self, path_or_url: &str) -> Iter<T> => iter;
    }

    fn search<R>(&self, inner: crate::Search<R>) -> Search<R> {
        Search {
            inner,
            rt: self.rt.clone(),
        }
    }

    fn iter<T: Send + 'static>(&self, pages: crate::Pages<T>) -> Iter<T> {
        Iter::new(pages, self.rt.clone())
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

impl Search<ExplanationOfBenefit> {
    builders! {
        fn claim_type(self, claim_type: ClaimType);
        fn claim_types(self, claim_types: impl IntoIterator<Item = ClaimType>);
        fn service_date(self, filter: DateFilter);
        fn service_date_range(self, start: Date, end: Date);
    }
}

impl<R: SearchResource> Search<R> {
    builders! {
        fn last_updated(self, filter: DateFilter);
        fn last_updated_range(self, start: impl Into<DateValue>, end: impl Into<DateValue>);
        fn page_size(self, size: u32);
        fn start_index(self, index: u32);
        fn limits(self, limits: PageLimits);
    }

    block_on! { "Search":
        fn first[T: FromBody](&self) -> Result<T, Error>;
        fn all[E: EntryOf<R>](&self) -> Result<Vec<E>, Error>;
    }

    wrap! { "Search":
        fn pages[T: Page](&self) -> Iter<T> => iter;
        fn resources[E: EntryOf<R>](&self) -> Iter<E> => iter;
    }

    /// See [`crate::Search::url`].
    pub fn url(&self) -> Result<Url, Error> {
        self.inner.url()
    }

    fn iter<T: Send + 'static>(
        &self,
        stream: impl futures_util::Stream<Item = Result<T, Error>> + Send + 'static,
    ) -> Iter<T> {
        Iter::new(stream, self.rt.clone())
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
