//! A local emulator of the CMS Blue Button 2.0 API: OAuth2 with PKCE, FHIR R4 (v2, v3) and STU3 (v1)
//! Patient, Coverage and ExplanationOfBenefit, synthetic data, and deterministic fault injection,
//! running in-process.
//!
//! ```no_run
//! # async fn demo() -> Result<(), bluebutton_sandbox::SandboxError> {
//! let sandbox = bluebutton_sandbox::Sandbox::builder().claims_per_beneficiary(52).start().await?;
//! println!("{} {}", sandbox.base_url(), sandbox.client_id());
//! # Ok(()) }
//! ```
//!
//! # Fidelity
//! Status codes, bodies (including their JSON spacing), headers and validation messages follow the
//! real server (as observed on it), on every version:
//! - `Accept`: FHIR reads and searches serve `application/fhir+json` (default), `application/json`
//!   or `*/*`; userinfo, metadata, the discovery documents, token, revoke and introspect serve only
//!   `application/json`. Anything else is a 406 `{"detail":"Could not satisfy the request Accept header."}`,
//!   answered before the token or client is checked.
//! - A `redirect_uri` that is not registered passes `/authorize` and is refused at the approval step
//!   (the consent page, or the auto-approval) with the 400 "Mismatching redirect URI." page.
//! - v1/v2 tokens list the `.read` and `.rs` scopes, v3 tokens only `.rs`. A token belongs to the
//!   version it was authorized on: a v3 token gets 403 on v1/v2 ExplanationOfBenefit calls.
//!   Re-authorizing (any version) deletes every earlier token of the beneficiary.
//! - v3 requires `scope` on `/authorize`; its searches page with `_offset` (`startIndex` is still
//!   read; `_offset` wins), without `first`/`last` links, and give `Bundle.total` only on the last
//!   page. Its data is CARIN Blue Button 2.1-shaped, with `meta.source` (`NationalClaimsHistory`,
//!   `SharedSystem`, `DDPS`), prior-authorization ExplanationOfBenefits among the claims, and one
//!   synthetic claim in eight labelled `42CFRPart2`. Its EOB searches read `_tag`, `_source`
//!   (default `NationalClaimsHistory,DDPS`, so shared-system claims appear only on request),
//!   `outcome`, `_id` and `_security:not`; `42CFRPart2` is left out when the beneficiary did not
//!   share those claims. `GET /v3/fhir/Patient/$generate-insurance-card` answers a Bundle of CARIN
//!   Digital Insurance Card Patient, Organization and Coverage resources (Patient and Coverage read
//!   scopes needed).
//! - Faults reproduce what the real server does when its claims back end fails
//!   ([`Fault::BackendUnreachable`], [`Fault::RefreshFailsAfterRotation`]).
//!
//! Deliberate differences:
//! - v1 paths serve FHIR STU3, as the real v1: the same beneficiaries and claims as v2, reshaped
//!   the way BFD's v1 shapes them (`information`, `item.service`, one `insurance`, `totalCost`,
//!   Coverage `grouping`, the MBI as `mbi-hash`; CapabilityStatement `3.0.2`). The STU3 resources
//!   carry the same Blue Button extensions and codes as the v2 ones, not every v1-only variable.
//!   v2 and v3 serve R4 (`4.0.1`).
//! - One application is registered (client id/secret and redirect URIs from the builder); it is
//!   never a Part-D-only application, so the v3 default `_source` always includes
//!   `NationalClaimsHistory`.
//! - A beneficiary has the same patient id on every version (the real v3 uses other ids).
//! - The 42 CFR Part 2 choice filters v3 searches only (as the real server adds it to searches);
//!   a read by id serves a labelled claim.
//! - Resources loaded with [`SandboxBuilder::data_dir`] are served as written on every version;
//!   the v3 search parameters read their `meta.source`, `meta.tag`, `meta.security` and `outcome`.
//! - v3's AuditEvent and permission-logout routes, `client_credentials`, and
//!   `Prefer: handling=strict` are not emulated.
//! - `/o/introspect/` with an unknown token answers the real 500 unless
//!   [`Fidelity::introspect_unknown_token_500`] is turned off.
//! - `service-date` filters on `billablePeriod.end` (else `start`); `_lastUpdated` on `meta.lastUpdated`.
//! - `Patient?identifier=` for another beneficiary answers an empty Bundle.
//!
//! # Choosing the beneficiary in auto-approve mode
//! With [`ConsentMode::AutoApprove`] (the default), `GET /vN/o/authorize/?…` validates the request like
//! the real server, then decides, in this order:
//! 1. extra query parameters (the real server ignores unknown ones): `sandbox_patient=<patient id>`
//!    picks the beneficiary, `sandbox_decision=deny` denies, `sandbox_decision=approve-no-demographics`
//!    approves without sharing demographic scopes;
//! 2. the next [`Approval`] queued with [`SandboxHandle::queue_approval`] (FIFO, one per authorization);
//! 3. [`Faults::deny_rate`] (deterministic from the seed) denies;
//! 4. otherwise the [`SandboxBuilder::default_beneficiary`] (default: the first beneficiary) approves,
//!    sharing demographics.
//!
//! An approval does not share 42 CFR Part 2 claims unless it says so
//! ([`Approval::sharing_samhsa`]), as the consent page's checkbox starts unticked;
//! `sandbox_samhsa=share` or `sandbox_samhsa=decline` overrides whatever decided. Only v3 asks:
//! v1/v2 authorizations never filter those claims.
//!
//! A denial answers `302 redirect_uri?error=access_denied&state=…`, as the real Cancel button.
//! With [`ConsentMode::ConsentPage`] the authorize call redirects to an HTML page where a person picks the
//! beneficiary, ticks "share demographic data" (and, on v3, "share 42 CFR Part 2 records") and
//! presses Allow or Deny.
#![deny(missing_docs)]

mod builder;
mod clock;
mod data;
mod error;
mod faults;
mod fhir;
mod handle;
mod oauth;
mod responses;
mod rng;
mod router;
mod server;
mod state;
mod wellknown;

pub use builder::{Approval, ConsentMode, DataAccessType, Fidelity, SandboxBuilder};
pub use data::{BeneficiaryInfo, ClaimType};
pub use error::SandboxError;
pub use faults::{Fault, Faults};
pub use fhir::JsonLayout;
pub use handle::{Counters, FaultCounts, SandboxHandle};

/// The entry point: `Sandbox::builder()…start().await`.
#[derive(Clone, Copy, Debug)]
pub struct Sandbox;

impl Sandbox {
    /// A builder with the defaults (3 beneficiaries, 52 claims each, auto-approve, no faults).
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }
}

/// Same as [`Sandbox::builder`].
pub fn builder() -> SandboxBuilder {
    SandboxBuilder::default()
}
