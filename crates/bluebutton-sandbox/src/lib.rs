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
//! real server (as observed on it). Deliberate differences:
//! - v1 paths serve FHIR STU3, as the real v1: the same beneficiaries and claims as v2, reshaped
//!   the way BFD's v1 shapes them (`information`, `item.service`, one `insurance`, `totalCost`,
//!   Coverage `grouping`, the MBI as `mbi-hash`; CapabilityStatement `3.0.2`). The STU3 resources
//!   carry the same Blue Button extensions and codes as the v2 ones, not every v1-only variable.
//!   v2 and v3 serve R4 (`4.0.1`).
//! - One application is registered (client id/secret and redirect URIs from the builder).
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
//! A denial answers `302 redirect_uri?error=access_denied&state=…`, as the real Cancel button.
//! With [`ConsentMode::ConsentPage`] the authorize call redirects to an HTML page where a person picks the
//! beneficiary, ticks "share demographic data" and presses Allow or Deny.
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
