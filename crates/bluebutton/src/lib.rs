//! Rust SDK for the CMS Blue Button 2.0 API: one client for the OAuth 2.0 + PKCE flow, token
//! refresh and storage, typed FHIR R4 claims and lazy paging.
//!
//! This crate composes [`bluebutton_config`], [`bluebutton_transport`], [`bluebutton_auth`]
//! and [`bluebutton_fhir`] and re-exports what an app needs, so one dependency and one `use`
//! get you started:
//!
//! - [`BlueButton`]: the client of one app (from a [`Config`], or
//!   [`BlueButton::from_default_config`]), with [`BlueButton::builder`] for a token store,
//!   your own `reqwest` client or [`Transport`], and an on-token-issued callback.
//! - Connecting: [`BlueButton::new_auth_request`] → [`BlueButton::authorize_url`] →
//!   [`BlueButton::exchange_code`] with the callback's query.
//! - [`Beneficiary`]: a handle on one stored token. Every attempt of every call gets a valid
//!   access token (refresh ahead of expiry, single flight; after a 401 `invalid_token` the
//!   newer stored token or one refresh, and a replay), and refreshed tokens are saved in the
//!   [`TokenStore`].
//! - Searches ([`Search`]): [`Beneficiary::explanation_of_benefit`] (claim types, service
//!   dates), [`Beneficiary::coverage`], [`Beneficiary::patient`], each with `_lastUpdated`,
//!   page size (1 to 50, checked before sending) and `startIndex`; results as the first page
//!   ([`Search::first`]), a [`Stream`](futures_util::Stream) of pages ([`Search::pages`]) or of
//!   typed resources ([`Search::resources`]; on v1 [`Search::resources_as`] with the STU3 type),
//!   or all of them ([`Search::all`], [`Search::all_as`], capped by [`PageLimits`]).
//! - Paging follows each page's `next` link verbatim with the newest token, stops on a
//!   repeated link, and refuses a link to another origin ([`Error::ForeignNextLink`]) before
//!   sending anything.
//! - **One way to say each thing**: the format of a result is a type, not a method name
//!   ([`FromBody`], [`Page`]). `search.first::<Bundle>()` is typed FHIR R4 (v2/v3),
//!   `search.first::<stu3::Bundle>()` typed FHIR STU3 (v1; the wrong release for the configured
//!   version is [`Error::WrongFhirVersion`], before sending); the views ([`ClaimView`],
//!   [`PatientView`], [`CoverageView`], [`BundleView`], in the [`prelude`]) read both;
//!   `search.first::<serde_json::Value>()` is JSON for any version; `search.pages::<RawPage>()`
//!   is pass-through (exact bytes); `beneficiary.get::<T>(path)` and
//!   `beneficiary.pages::<T>(path)` do the same for custom paths; `bb.metadata::<T>()` and
//!   `beneficiary.insurance_card::<T>()` too. With a typed binding the type is inferred
//!   (`let bundle: Bundle = search.first().await?`).
//! - Feature `blocking`: `bluebutton::blocking::BlueButton`, the same surface for synchronous
//!   code (a small internal runtime; iterators instead of streams).
//!
//! # Example
//!
//! ```no_run
//! use bluebutton::prelude::*;
//!
//! # async fn run() -> Result<(), bluebutton::Error> {
//! let bb = BlueButton::from_default_config()?;
//! let request = bb.new_auth_request();
//! println!("Open {}", bb.authorize_url(&request));
//! // Your callback handler receives `?code=...&state=...`:
//! let beneficiary = bb.exchange_code(request, "code=...&state=...").await?;
//!
//! let mut claims = beneficiary.explanation_of_benefit().claim_type(ClaimType::Carrier).resources();
//! while let Some(eob) = claims.try_next().await? {
//!     println!("{:?}: {:?}", eob.claim_id(), eob.totals().paid);
//! }
//! let token = beneficiary.token().await?; // the newest token, to save
//! # let _ = token; Ok(()) }
//! ```
//!
//! # Mapping from the official SDKs
//!
//! | Python (`cms_bluebutton`) | Node (`cms-bluebutton-sdk`) | here |
//! |---|---|---|
//! | `BlueButton(config)` | `new BlueButton(config)` | [`BlueButton::new`], [`BlueButton::from_default_config`] |
//! | `generate_auth_data()` | `generateAuthData()` | [`BlueButton::new_auth_request`] |
//! | `generate_authorize_url(auth_data)` | `generateAuthorizeUrl(authData)` | [`BlueButton::authorize_url`] |
//! | `get_authorization_token(auth_data, code, state)` | `getAuthorizationToken(authData, code, state, error)` | [`BlueButton::exchange_code`] |
//! | `refresh_auth_token(token)` | `refreshAuthToken(token)` | [`BlueButton::refresh`], [`Beneficiary::refresh`] (automatic anyway) |
//! | `get_patient_data(config)` | `getPatientData(token, config)` | [`Beneficiary::patient`] |
//! | `get_coverage_data(config)` | `getCoverageData(token, config)` | [`Beneficiary::coverage`] |
//! | `get_explaination_of_benefit_data(config)` | `getExplanationOfBenefitData(token, config)` | [`Beneficiary::explanation_of_benefit`] |
//! | `get_profile_data(config)` | `getProfileData(token, config)` | [`Beneficiary::userinfo`] |
//! | `get_insurance_card_data(config)` | `getInsuranceCardData(token, config)` | [`Beneficiary::insurance_card`] |
//! | `get_custom_data(config)` | `getCustomData(path, token, config)` | [`Beneficiary::get`] |
//! | `get_pages(data, config)` | `getPages(data, token)` | [`Search::pages`], [`Search::all`], [`Beneficiary::pages`] |
//! | `extract_next_page_url(data)` | `extractNextPageUrl(data)` | [`Bundle::next_link`] |
//! | — | — | [`BlueButton::metadata`], [`Beneficiary::revoke`], [`Beneficiary::introspect`] |
#![deny(missing_docs)]

mod beneficiary;
#[cfg(feature = "blocking")]
pub mod blocking;
mod builder;
mod client;
mod decode;
mod error;
mod format;
mod paging;
mod params;
mod raw_page;
mod resolve;
mod scan;
mod search;

pub use beneficiary::Beneficiary;
pub use builder::BlueButtonBuilder;
pub use client::BlueButton;
pub use error::{Error, Operation, PagingLimit, ScopeCheck};
pub use format::{FromBody, Page};
pub use paging::{PageLimits, Pages, Resources};
pub use params::{DateFilter, DatePrefix, DateValue};
pub use raw_page::RawPage;
pub use search::{
    CoverageSearch, EntryOf, EntryResource, EobSearch, MAX_PAGE_SIZE, PatientSearch, ReadResource,
    Search, SearchResource,
};

pub use bluebutton_auth::{
    AuthError, AuthRequest, AuthorizationToken, CallbackQuery, FileStore, Introspection, Issuer,
    KeyFileProblem, Lang, MemoryStore, ReauthReason, RefreshStatus, Scope, ScopeAccess, ScopeNeed,
    ScopeResource, SealProblem, SqliteStore, TokenKey, TokenStore, UserInfo,
};
pub use bluebutton_config::{
    ApiVersion, ClientSecret, Config, ConfigBuilder, ConfigError, Environment, RetrySettings,
    Timeouts,
};
pub use bluebutton_fhir::bluebutton::{
    BundleView, ClaimUse, ClaimView, CoveragePart, CoverageStatus, CoverageView, EobTotals,
    PatientView,
};
/// The FHIR STU3 models, for API v1 (which serves STU3): read results as `stu3::Bundle`,
/// `stu3::ExplanationOfBenefit`... on v1 as the R4 types on v2/v3.
pub use bluebutton_fhir::stu3;
pub use bluebutton_fhir::{
    Bundle, CapabilityStatement, ClaimType, Coverage, ExplanationOfBenefit, FhirVersion,
    OperationOutcome, Patient, Resource,
};
pub use bluebutton_transport::{ErrorBody, Transport, TransportError};
/// The body of a response exactly as received ([`FromBody`] for pass-through).
pub use bytes::Bytes;

/// The underlying crates, for everything not re-exported at the top level.
pub mod crates {
    pub use bluebutton_auth as auth;
    pub use bluebutton_config as config;
    pub use bluebutton_fhir as fhir;
    pub use bluebutton_transport as transport;
}

/// `use bluebutton::prelude::*;`: the client, its handles, the common types and the stream
/// extension traits.
pub mod prelude {
    pub use crate::{
        Beneficiary, BlueButton, Bundle, ClaimType, Config, Coverage, DateFilter, Error,
        ExplanationOfBenefit, PageLimits, Patient, RawPage, Scope,
    };
    pub use bluebutton_fhir::bluebutton::prelude::*;
    pub use futures_util::{StreamExt as _, TryStreamExt as _};
}

#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
