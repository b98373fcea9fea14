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
//!   typed resources ([`Search::resources`], R4 or on v1 the STU3 type),
//!   or all of them ([`Search::all`], capped by [`PageLimits`]).
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
//! # Configuration
//!
//! [`BlueButton::from_default_config`] reads `./.bluebutton-config.json` (else `.yaml`, else
//! `.yml`; the official SDKs' files, their snake_case or camelCase keys) with the `BLUEBUTTON_*`
//! environment variables on top; [`Config::builder`] sets the same keys in code. The keys:
//!
//! | key | environment variable | default |
//! |---|---|---|
//! | `client_id`, `client_secret` | `BLUEBUTTON_CLIENT_ID`, `BLUEBUTTON_CLIENT_SECRET` | required |
//! | `callback_url` | `BLUEBUTTON_CALLBACK_URL` | required |
//! | `environment` (`SANDBOX`, `PRODUCTION`, `TEST`, `LOCAL`) | `BLUEBUTTON_ENVIRONMENT` | `SANDBOX` |
//! | `base_url` (overrides the environment's) | `BLUEBUTTON_BASE_URL` | the environment's |
//! | `version` (`1`, `2`, `3`) | `BLUEBUTTON_VERSION` | `2` |
//! | `token_refresh_on_expire` | `BLUEBUTTON_TOKEN_REFRESH_ON_EXPIRE` | `true` |
//! | `retry_settings.total`, `.backoff_factor`, `.status_forcelist`, `.jitter`, `.max_backoff`, `.max_retry_after` | `BLUEBUTTON_RETRY_*` | 3, 5 s, 500/502/503/504, off, 120 s, 120 s |
//! | `timeouts.connect`, `timeouts.request` | `BLUEBUTTON_CONNECT_TIMEOUT`, `BLUEBUTTON_REQUEST_TIMEOUT` | 10 s, 60 s |
//!
//! [`bluebutton_config`] documents each key, its checks and [`ConfigKey::env_var`](bluebutton_config::ConfigKey::env_var)
//! (the exact variable names); a [`ConfigError`] names the key and the file.
//!
//! # Trying it offline: the sandbox
//!
//! [`bluebutton-sandbox`](https://docs.rs/bluebutton-sandbox) is a local emulator of the
//! API (OAuth 2.0 + PKCE, Patient, Coverage, ExplanationOfBenefit on v1, v2 and v3, synthetic
//! beneficiaries, fault injection), for development and tests without an account. In a test,
//! point a [`Config`] at it:
//!
//! ```
//! use bluebutton::{BlueButton, Config};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = bluebutton_sandbox::Sandbox::builder().start().await?;
//! let config = Config::builder()
//!     .client_id(sandbox.client_id())
//!     .client_secret(sandbox.client_secret())
//!     .callback_url(sandbox.redirect_uri().as_str())
//!     .base_url(sandbox.base_url().as_str())
//!     .build()?;
//! let bb = BlueButton::new(config)?;
//! let metadata: serde_json::Value = bb.metadata().await?;
//! assert_eq!(metadata["resourceType"], "CapabilityStatement");
//! # Ok(()) }
//! ```
//!
//! From a shell, `bluebutton sandbox serve` (the `bluebutton-cli` crate) runs it and writes a
//! `.bluebutton-config.json` pointing at it.
//!
//! # Tracing
//!
//! The crates log through [`tracing`]; install any subscriber (e.g. `tracing-subscriber`)
//! to see them. Each HTTP call is an info span `bluebutton_request` (`method`, `path`,
//! `status`, `attempts`, `replays`, `elapsed_ms`) with a debug span per `attempt`; retries
//! are info events (`retrying`, with the reason and the wait), and refresh or token-store
//! trouble are warnings. Paths are logged without their query, and secrets (client secret,
//! tokens, codes, verifiers, `state`) are never logged.
//!
//! # Features
//!
//! - `sqlite` (default): [`SqliteStore`], the token store shared between processes
//!   (`rusqlite` with bundled SQLite). Turn default features off to build without SQLite
//!   when tokens live elsewhere ([`MemoryStore`], [`FileStore`] or your own [`TokenStore`]).
//! - `blocking`: `bluebutton::blocking::BlueButton`, the synchronous client (same surface;
//!   iterators instead of streams).
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
//! let mut claims = beneficiary.explanation_of_benefit().claim_type(ClaimType::Carrier).resources::<ExplanationOfBenefit>();
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
//!
//! # Differences from the official SDKs
//!
//! What an app moving from `cms-bluebutton-sdk` (Python 1.1.0, Node 1.0.13) will notice, and
//! the formats both read:
//!
//! | | official SDKs | here |
//! |---|---|---|
//! | Saved token | Python `get_dict()`; Node: none | the same dict: `expires_in` (a float is read too), `token_type` (absent: Bearer), `expires_at` ISO 8601 (a date alone, Node's epoch milliseconds and seconds are read too), `scope` kept as the server wrote it (order and duplicates); `access_grant_expiration`, `issuer` and `refresh_status` added, which Python ignores |
//! | Saved login ([`AuthRequest`]) | Python `auth_data`: `state`, `code_challenge`, `code_challenge_method`, `verifier`; Node `{codeChallenge, verifier, state}` | the Python `auth_data` keys (its `=`-padded state, verifier and challenge are read), plus `scope` and `lang`; the challenge is checked against the verifier |
//! | State and PKCE verifier | Python: `random.choice`, padded base64; Node: CSPRNG | 256 bits from the OS CSPRNG, unpadded base64url |
//! | Code exchange | client secret in the body (Python multipart, Node form) | HTTP Basic, form-urlencoded |
//! | `Accept` | `*/*` (Python), axios default (Node) | `application/fhir+json` for FHIR resources, `application/json` for userinfo, metadata, well-known and OAuth (which answer 406 to FHIR JSON) |
//! | Expiry and refresh | refresh only when already expired; each page of `get_pages` reuses the first token (fails once refresh tokens rotate) | refresh ahead of expiry (the smaller of 60 s and half the lifetime), single flight across tasks and processes sharing a store, a 401 `invalid_token` replayed once with the newer or refreshed token, every new token saved |
//! | Failed refresh | exception, token lost if the app overwrites it | the stored token is kept; typed [`Error`] with the OAuth `error`, and re-authorization told apart ([`bluebutton_auth::ReauthReason`]) |
//! | Errors | Python returns non-2xx responses, raises `HTTPError`/`RetryError`; Node returns the last error response or `undefined` | every failure is an [`Error`] with the status, OAuth `error`/`error_description` or FHIR `OperationOutcome`, server text sanitised, secrets never in messages |
//! | Retry | Python: urllib3, 0/10/20 s, 429 not retried; Node: 2.5/5/10 s, no `Retry-After`, network errors swallowed | `retry_settings` as data: `backoff_factor * 2^(n-1)` (jitter optional), 429 always, `Retry-After` honoured (capped), connection errors and timeouts retried; token requests never |
//! | Timeouts | none | connect and request timeouts from the config |
//! | Headers | Python mutates a global dict (one user's bearer token reaches the next request) | headers built per request; a token only goes to the configured origin |
//! | Paging | all pages eagerly; Python re-sends `params` on every `next` link; a `next` link on another host is joined onto the base URL | lazy [`Pages`] stream following `next` verbatim (`startIndex` or `_offset`), never computed from `total`; links to another origin refused; page and resource caps ([`PageLimits`]) |
//! | Results | raw JSON (`requests.Response` / axios data) | the type you ask for ([`FromBody`]): typed FHIR R4 (v2/v3) or STU3 (v1), JSON, [`RawPage`] (the server's bytes) or [`Bytes`] |
//! | Scope on v3 | not sent (the server answers 400) | every scope asked for when the request names none |
//! | Insurance card | Python: the configured version; Node: always `/v3/` | v3 only; [`Error::VersionUnsupported`] before sending on v1/v2 |
//! | v3 filters (`_tag`, `_source`, `outcome`, `_id`, `_security:not`) | any `params` | typed [`EobSearch`] setters, refused on v1/v2 (which would ignore them and return unfiltered claims) |
//! | Config | JSON (Python also a dict or explicit YAML); `environment` required (Python); no env vars | JSON or YAML found by default, `BLUEBUTTON_*` env vars, the official key spellings accepted, typed errors naming the key and file |
//! | Revoke, introspect | none | [`Beneficiary::revoke`], [`Beneficiary::introspect`] |
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod accept;
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
mod v3_filters;

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
pub use v3_filters::{ClaimOutcome, ClaimSource, Token};

#[cfg(feature = "sqlite")]
pub use bluebutton_auth::SqliteStore;
pub use bluebutton_auth::{
    AuthError, AuthRequest, AuthorizationToken, CallbackQuery, CsrfToken, FileStore, Introspection,
    Issuer, KeyFileProblem, Lang, MemoryStore, ReauthReason, RefreshStatus, Scope, ScopeAccess,
    ScopeNeed, ScopeResource, SealProblem, TokenKey, TokenStore, UserInfo,
};
pub use bluebutton_config::{
    ApiVersion, ClientSecret, Config, ConfigBuilder, ConfigError, ConfigLoader, Environment,
    RetrySettings, Timeouts,
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

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct CrateReadmeDoctests;
