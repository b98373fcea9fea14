//! [`Search`]: the ExplanationOfBenefit, Coverage and Patient search builders, their URLs, and
//! their results (first page, page stream, resource stream, collect-all).

use std::fmt;
use std::marker::PhantomData;

use bluebutton_config::ApiVersion;
use bluebutton_fhir::bluebutton::BundleView;
use bluebutton_fhir::{ClaimType, Coverage, ExplanationOfBenefit, Patient, Resource, stu3};
use futures_util::TryStreamExt;
use futures_util::stream;
use serde::de::DeserializeOwned;
use time::Date;
use url::Url;

use crate::beneficiary::{Beneficiary, Needs};
use crate::error::{Error, Operation};
use crate::format::{FromBody, Page};
use crate::paging::{PageLimits, Pages, Resources};
use crate::params::DateFilter;
use crate::scan::ScannedPage;
use crate::v3_filters::{ClaimOutcome, ClaimSource, Token, V3Filters};

/// The largest page size (`_count`) the server accepts.
pub const MAX_PAGE_SIZE: u32 = 50;

mod sealed {
    pub trait Sealed {}
    impl Sealed for bluebutton_fhir::ExplanationOfBenefit {}
    impl Sealed for bluebutton_fhir::Coverage {}
    impl Sealed for bluebutton_fhir::Patient {}
    impl Sealed for bluebutton_fhir::stu3::ExplanationOfBenefit {}
    impl Sealed for bluebutton_fhir::stu3::Coverage {}
    impl Sealed for bluebutton_fhir::stu3::Patient {}
}

/// A resource type the Blue Button API can read by id ([`Beneficiary::read`]): the FHIR R4
/// [`ExplanationOfBenefit`], [`Coverage`], [`Patient`] (API v2/v3) and their
/// [`stu3`](bluebutton_fhir::stu3) counterparts (API v1). Sealed.
pub trait ReadResource: sealed::Sealed + FromBody {
    /// The FHIR `resourceType` and path segment, e.g. `"Coverage"`.
    const TYPE: &'static str;
    /// Whether reading it needs a demographic scope (Patient).
    const DEMOGRAPHIC: bool;
}

/// A resource type the Blue Button API can search: the FHIR R4 [`ExplanationOfBenefit`],
/// [`Coverage`], [`Patient`] name the search ([`Search`]); its entries are streamed as the type
/// itself (API v2/v3) or its STU3 counterpart (v1), see [`Search::resources`]. Sealed.
pub trait SearchResource: ReadResource + EntryOf<Self> {
    /// The typed resource, if `resource` is of this type.
    fn from_resource(resource: Resource) -> Option<Self>;
}

/// A typed resource that search entries are read as, one at a time ([`Search::resources`]): the R4 [`ExplanationOfBenefit`], [`Coverage`], [`Patient`] and
/// their [`stu3`](bluebutton_fhir::stu3) counterparts. Sealed.
pub trait EntryResource: ReadResource {
    /// The release's `Resource` enum, that each entry is parsed as.
    #[doc(hidden)]
    type Any: DeserializeOwned + Send + 'static;
    /// The release's Bundle, for pages the scan cannot read.
    #[doc(hidden)]
    type Bundle: Page + BundleView<Resource = Self::Any>;
    /// The typed resource, if `resource` is of this type.
    #[doc(hidden)]
    fn pick(resource: Self::Any) -> Option<Self>;
    /// The `resourceType` of an entry.
    #[doc(hidden)]
    fn type_of(resource: &Self::Any) -> &str;
}

/// The types the entries of a search of `R` can be streamed as: `R` (FHIR R4) and its STU3
/// counterpart, e.g. [`stu3::ExplanationOfBenefit`](bluebutton_fhir::stu3::ExplanationOfBenefit)
/// for an [`ExplanationOfBenefit`] search. Sealed.
pub trait EntryOf<R>: EntryResource {}

/// [`ReadResource`], [`EntryResource`] and [`EntryOf`] for both releases, [`SearchResource`] for R4.
macro_rules! search_resource {
    ($($ty:ident, $demographic:literal;)*) => {$(
        impl ReadResource for $ty {
            const TYPE: &'static str = stringify!($ty);
            const DEMOGRAPHIC: bool = $demographic;
        }

        impl ReadResource for stu3::$ty {
            const TYPE: &'static str = stringify!($ty);
            const DEMOGRAPHIC: bool = $demographic;
        }

        impl SearchResource for $ty {
            fn from_resource(resource: Resource) -> Option<Self> {
                match resource {
                    Resource::$ty(r) => Some(*r),
                    _ => None,
                }
            }
        }

        impl EntryResource for $ty {
            type Any = Resource;
            type Bundle = bluebutton_fhir::Bundle;
            fn pick(resource: Resource) -> Option<Self> {
                Self::from_resource(resource)
            }
            fn type_of(resource: &Resource) -> &str {
                resource.resource_type()
            }
        }

        impl EntryResource for stu3::$ty {
            type Any = stu3::Resource;
            type Bundle = stu3::Bundle;
            fn pick(resource: stu3::Resource) -> Option<Self> {
                match resource {
                    stu3::Resource::$ty(r) => Some(*r),
                    _ => None,
                }
            }
            fn type_of(resource: &stu3::Resource) -> &str {
                resource.resource_type()
            }
        }

        impl EntryOf<$ty> for $ty {}
        impl EntryOf<$ty> for stu3::$ty {}
    )*};
}

search_resource! {
    ExplanationOfBenefit, false;
    Coverage, false;
    Patient, true;
}

/// An ExplanationOfBenefit search.
pub type EobSearch = Search<ExplanationOfBenefit>;
/// A Coverage search.
pub type CoverageSearch = Search<Coverage>;
/// A Patient search.
pub type PatientSearch = Search<Patient>;

/// A search of one resource type for one beneficiary, built with setters and run with
/// [`first`](Self::first) (first page), [`pages`](Self::pages), [`resources`](Self::resources)
/// or [`all`](Self::all). Nothing is sent until then; the parameters are checked first (page
/// size 1 to 50), and [`url`](Self::url) shows the exact first URL.
///
/// Only parameters the server honours exist here: `_lastUpdated`,
/// `_count`, `startIndex` for every type, plus `type` and `service-date` for claims, and on
/// API v3 `_tag`, `_source`, `outcome`, `_id` and `_security:not` for claims (refused with
/// [`Error::VersionUnsupported`] on v1 and v2, which would ignore them). The server adds the
/// beneficiary's own `patient`/`beneficiary` itself. Paging follows each page's `next` link
/// verbatim (`startIndex` on v1/v2, `_offset` on v3), never a count computed from `total`.
///
/// ```no_run
/// # async fn run(beneficiary: bluebutton::Beneficiary) -> Result<(), bluebutton::Error> {
/// use bluebutton::{ClaimType, ClaimView, DateFilter};
/// use futures_util::TryStreamExt;
/// use time::macros::date;
///
/// let mut claims = beneficiary
///     .explanation_of_benefit()
///     .claim_types([ClaimType::Carrier, ClaimType::Pde])
///     .service_date(DateFilter::ge(date!(2023 - 01 - 01)))
///     .page_size(50)
///     .resources::<bluebutton::ExplanationOfBenefit>();
/// while let Some(eob) = claims.try_next().await? {
///     println!("{:?} {:?}", eob.claim_type(), eob.totals().paid);
/// }
/// # Ok(()) }
/// ```
#[must_use]
pub struct Search<R> {
    beneficiary: Beneficiary,
    claim_types: Vec<ClaimType>,
    service_dates: Vec<DateFilter>,
    last_updated: Vec<DateFilter>,
    page_size: Option<u32>,
    start_index: Option<u32>,
    v3: V3Filters,
    limits: PageLimits,
    _resource: PhantomData<fn() -> R>,
}

impl<R> Clone for Search<R> {
    fn clone(&self) -> Self {
        Self {
            beneficiary: self.beneficiary.clone(),
            claim_types: self.claim_types.clone(),
            service_dates: self.service_dates.clone(),
            last_updated: self.last_updated.clone(),
            page_size: self.page_size,
            start_index: self.start_index,
            v3: self.v3.clone(),
            limits: self.limits,
            _resource: PhantomData,
        }
    }
}

impl<R> fmt::Debug for Search<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Search")
            .field("beneficiary", &self.beneficiary)
            .field("claim_types", &self.claim_types)
            .field("service_dates", &self.service_dates)
            .field("last_updated", &self.last_updated)
            .field("page_size", &self.page_size)
            .field("start_index", &self.start_index)
            .field("v3", &self.v3)
            .field("limits", &self.limits)
            .finish()
    }
}

impl Search<ExplanationOfBenefit> {
    /// Only claims of this type (`type=`); may be called several times.
    pub fn claim_type(mut self, claim_type: ClaimType) -> Self {
        if !self.claim_types.contains(&claim_type) {
            self.claim_types.push(claim_type);
        }
        self
    }

    /// Only claims of these types (`type=carrier,pde`).
    pub fn claim_types(self, claim_types: impl IntoIterator<Item = ClaimType>) -> Self {
        claim_types.into_iter().fold(self, Self::claim_type)
    }

    /// Adds a `service-date` comparison (repeatable; the server ANDs them).
    pub fn service_date(mut self, filter: DateFilter) -> Self {
        self.service_dates.push(filter);
        self
    }

    /// Claims with service dates from `start` to `end`, both included (`ge` and `le`).
    pub fn service_date_range(self, start: Date, end: Date) -> Self {
        self.service_date(DateFilter::ge(start))
            .service_date(DateFilter::le(end))
    }

    /// API v3: only claims carrying this `meta.tag` (`_tag`; repeatable, ANDed).
    pub fn tag(mut self, tag: Token) -> Self {
        self.v3.tags.push(tag);
        self
    }

    /// API v3: only claims from these sources (`_source=NationalClaimsHistory,DDPS`).
    pub fn sources(mut self, sources: impl IntoIterator<Item = ClaimSource>) -> Self {
        for source in sources {
            if !self.v3.sources.contains(&source) {
                self.v3.sources.push(source);
            }
        }
        self
    }

    /// API v3: only claims with these outcomes (`outcome=complete,partial`).
    pub fn outcomes(mut self, outcomes: impl IntoIterator<Item = ClaimOutcome>) -> Self {
        for outcome in outcomes {
            if !self.v3.outcomes.contains(&outcome) {
                self.v3.outcomes.push(outcome);
            }
        }
        self
    }

    /// API v3: only the claims with these ids (`_id=a,b`).
    pub fn ids(mut self, ids: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.v3.ids.extend(ids.into_iter().map(Into::into));
        self
    }

    /// API v3: leaves out claims carrying this security label (`_security:not`; repeatable),
    /// e.g. [`Token::samhsa`].
    pub fn exclude_security_label(mut self, label: Token) -> Self {
        self.v3.security_not.push(label);
        self
    }
}

impl<R: SearchResource> Search<R> {
    pub(crate) fn new(beneficiary: Beneficiary) -> Self {
        let limits = beneficiary.shared.limits;
        Self {
            beneficiary,
            claim_types: Vec::new(),
            service_dates: Vec::new(),
            last_updated: Vec::new(),
            page_size: None,
            start_index: None,
            v3: V3Filters::default(),
            limits,
            _resource: PhantomData,
        }
    }

    /// Adds a `_lastUpdated` comparison (repeatable), e.g. to fetch only what changed since
    /// the last sync.
    pub fn last_updated(mut self, filter: DateFilter) -> Self {
        self.last_updated.push(filter);
        self
    }

    /// Resources last updated from `start` to `end`, both included (`ge` and `le`).
    pub fn last_updated_range(
        self,
        start: impl Into<crate::DateValue>,
        end: impl Into<crate::DateValue>,
    ) -> Self {
        self.last_updated(DateFilter::ge(start))
            .last_updated(DateFilter::le(end))
    }

    /// Resources per page (`_count`, 1 to [`MAX_PAGE_SIZE`]; the server's default is 10).
    /// Checked before sending: another value gives [`Error::InvalidPageSize`].
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size);
        self
    }

    /// Skips this many resources (`startIndex`; offset paging).
    pub fn start_index(mut self, index: u32) -> Self {
        self.start_index = Some(index);
        self
    }

    /// Paging caps for [`pages`](Self::pages), [`resources`](Self::resources) and
    /// [`all`](Self::all) (default: the client's).
    pub fn limits(mut self, limits: PageLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The first page's URL: `{base}/v{n}/fhir/<type>/?<parameters>`, after checking the
    /// parameters.
    pub fn url(&self) -> Result<Url, Error> {
        if let Some(size) = self.page_size
            && !(1..=MAX_PAGE_SIZE).contains(&size)
        {
            return Err(Error::InvalidPageSize { value: size });
        }
        let mut url = self.beneficiary.shared.endpoints.fhir_base.clone();
        let path = format!("{}{}/", url.path(), R::TYPE);
        url.set_path(&path);
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if !self.claim_types.is_empty() {
            let types: Vec<&str> = self.claim_types.iter().map(|t| t.as_str()).collect();
            pairs.push(("type", types.join(",")));
        }
        pairs.extend(
            self.service_dates
                .iter()
                .map(|f| ("service-date", f.to_string())),
        );
        pairs.extend(
            self.last_updated
                .iter()
                .map(|f| ("_lastUpdated", f.to_string())),
        );
        if let Some(size) = self.page_size {
            pairs.push(("_count", size.to_string()));
        }
        if let Some(index) = self.start_index {
            pairs.push(("startIndex", index.to_string()));
        }
        if !self.v3.is_empty() {
            let version = self.beneficiary.shared.config.version();
            if version != ApiVersion::V3 {
                // v1 and v2 drop these silently: the search would return unfiltered claims.
                return Err(Error::VersionUnsupported {
                    operation: Self::operation(),
                    needs: ApiVersion::V3,
                    version,
                });
            }
            pairs.extend(self.v3.pairs());
        }
        if !pairs.is_empty() {
            url.query_pairs_mut().extend_pairs(pairs);
        }
        Ok(url)
    }

    fn operation() -> Operation {
        Operation::Search(R::TYPE)
    }

    fn needs() -> Needs {
        if R::DEMOGRAPHIC {
            Some(bluebutton_auth::ScopeNeed::Demographics)
        } else {
            None
        }
    }

    /// The first page, read as `T` ([`FromBody`]): a typed [`Bundle`](bluebutton_fhir::Bundle) (API
    /// v2/v3), a [`serde_json::Value`] or a [`RawPage`](crate::RawPage) (any version), or the [`bytes::Bytes`] as
    /// received.
    ///
    /// ```no_run
    /// # async fn run(beneficiary: bluebutton::Beneficiary) -> Result<(), bluebutton::Error> {
    /// let bundle: bluebutton::Bundle = beneficiary.coverage().first().await?;
    /// let json = beneficiary.coverage().first::<serde_json::Value>().await?;
    /// # let _ = (bundle, json); Ok(()) }
    /// ```
    pub async fn first<T: FromBody>(&self) -> Result<T, Error> {
        self.beneficiary
            .shared
            .check_release::<T>(Self::operation())?;
        let url = self.url()?;
        self.beneficiary
            .get_as(url, Self::operation(), Self::needs())
            .await
    }

    /// Every page, lazily, read as `T` ([`Page`]: a typed [`Bundle`](bluebutton_fhir::Bundle) for API
    /// v2/v3, a [`serde_json::Value`] or a [`RawPage`](crate::RawPage) for any version); see [`Pages`].
    pub fn pages<T: Page>(&self) -> Pages<T> {
        let url = self
            .beneficiary
            .shared
            .check_release::<T>(Self::operation())
            .and_then(|()| self.url());
        match url {
            Ok(url) => {
                self.beneficiary
                    .page_stream(url, Self::operation(), Self::needs(), self.limits)
            }
            Err(e) => failed(e),
        }
    }

    /// Every resource of every page, lazily, read as `E` ([`EntryOf`]): `R` itself (typed FHIR
    /// R4, API v2/v3) or its STU3 counterpart (API v1), the type chosen like the format of
    /// [`first`](Self::first) and [`pages`](Self::pages). Pages are scanned and their resources
    /// parsed one at a time, so the stream holds about one page body and one resource however
    /// many pages there are (see [`Resources`]).
    ///
    /// ```no_run
    /// # async fn run(beneficiary: bluebutton::Beneficiary) -> Result<(), bluebutton::Error> {
    /// use bluebutton::prelude::*;
    ///
    /// let mut claims = beneficiary.explanation_of_benefit().resources::<ExplanationOfBenefit>();
    /// while let Some(eob) = claims.try_next().await? {
    ///     println!("{:?} {:?}", eob.claim_type(), eob.totals().paid);
    /// }
    /// // API v1 serves FHIR STU3.
    /// let v1 = beneficiary.explanation_of_benefit().resources::<bluebutton::stu3::ExplanationOfBenefit>();
    /// # let _ = v1; Ok(()) }
    /// ```
    pub fn resources<E: EntryOf<R>>(&self) -> Resources<E> {
        Resources::from_pages(self.pages::<ScannedPage<E>>())
    }

    /// Every resource of every page read as `E` ([`EntryOf`], as [`resources`](Self::resources)),
    /// collected (up to the [`PageLimits`] caps; reaching one is an error, never a silent
    /// truncation). With a typed binding the type is inferred
    /// (`let claims: Vec<ExplanationOfBenefit> = search.all().await?`).
    pub async fn all<E: EntryOf<R>>(&self) -> Result<Vec<E>, Error> {
        self.resources::<E>().try_collect().await
    }
}

fn failed<T: Send + 'static>(error: Error) -> Pages<T> {
    Pages::new(Box::pin(stream::once(async { Err(error) })))
}
