//! `SandboxHandle`: the running sandbox as tests see it (URLs, credentials, beneficiaries, counters,
//! and knobs to steer the next authorization, inject faults or move the clock).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::builder::Approval;
use crate::data::BeneficiaryInfo;
use crate::faults::Fault;
use crate::server::Server;
use crate::state::{AppState, lock};

/// Faults injected so far, by kind.
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FaultCounts {
    /// 502 (FHIR) or 500 (token, unreachable claims back end) answers.
    pub server_errors: u64,
    /// 429 answers.
    pub throttled: u64,
    /// Connections closed without a response.
    pub dropped_connections: u64,
    /// Requests delayed by the configured latency.
    pub delayed: u64,
    /// Authorizations denied (by the deny rate or a queued [`Approval::Deny`]).
    pub denials: u64,
}

/// What the sandbox has seen so far.
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// POSTs to `/o/token[/]`, whatever their outcome.
    pub token_posts: u64,
    /// Successful authorization-code exchanges.
    pub codes_exchanged: u64,
    /// Successful refreshes.
    pub refreshes: u64,
    /// Refresh attempts with a refresh token already rotated away (answered `invalid_grant`).
    pub refresh_token_reuses: u64,
    /// FHIR and userinfo requests that carried an expired access token (answered 401
    /// `invalid_token` "The access token has expired.").
    pub expired_token_requests: u64,
    /// FHIR and userinfo requests that carried an unknown, revoked or rotated-away access
    /// token (answered 401 `invalid_token` "The access token is invalid.").
    pub invalid_token_requests: u64,
    /// Refreshes that rotated the pair and then answered 500 (see
    /// [`SandboxHandle::fail_refreshes_after_rotation`]).
    pub refresh_failures_after_rotation: u64,
    /// Approved authorizations (codes issued).
    pub authorizations: u64,
    /// TCP connections accepted (a client that pools connections opens few).
    pub connections_accepted: u64,
    /// Server errors, throttles, dropped connections and denials injected (latency is not a fault here).
    pub faults_injected: u64,
    /// The same, by kind.
    pub faults: FaultCounts,
    /// Requests per URL path (without the query).
    pub requests_per_path: BTreeMap<String, u64>,
}

impl Counters {
    /// Requests whose path is exactly `path`.
    pub fn requests_to(&self, path: &str) -> u64 {
        self.requests_per_path.get(path).copied().unwrap_or(0)
    }
}

/// A running sandbox. Dropping it stops the server; [`SandboxHandle::shutdown`] also waits.
pub struct SandboxHandle {
    state: Arc<AppState>,
    base_url: Url,
    redirect_uris: Vec<Url>,
    server: Option<Server>,
}

impl fmt::Debug for SandboxHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxHandle")
            .field("base_url", &self.base_url.as_str())
            .field("client_id", &self.client_id())
            .field("client_secret", &"[redacted]")
            .field("redirect_uri", &self.redirect_uri().as_str())
            .finish_non_exhaustive()
    }
}

impl SandboxHandle {
    pub(crate) fn new(
        state: Arc<AppState>,
        base_url: Url,
        redirect_uris: Vec<Url>,
        server: Server,
    ) -> Self {
        SandboxHandle {
            state,
            base_url,
            redirect_uris,
            server: Some(server),
        }
    }

    /// The server's root, e.g. `http://127.0.0.1:41234/` (no API path).
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// The registered application's client id.
    pub fn client_id(&self) -> &str {
        &self.state.settings.client_id
    }

    /// The registered application's client secret.
    pub fn client_secret(&self) -> &str {
        &self.state.settings.client_secret
    }

    /// The first registered redirect URI.
    pub fn redirect_uri(&self) -> &Url {
        &self.redirect_uris[0]
    }

    /// Every registered redirect URI.
    pub fn redirect_uris(&self) -> &[Url] {
        &self.redirect_uris
    }

    /// The beneficiaries, in order (the first is the default for auto-approval).
    pub fn beneficiaries(&self) -> Vec<BeneficiaryInfo> {
        self.state
            .data
            .all()
            .iter()
            .map(|b| b.info.clone())
            .collect()
    }

    /// A snapshot of the counters.
    pub fn counters(&self) -> Counters {
        self.state.counters.snapshot()
    }

    /// Decides the next auto-approved authorization (FIFO queue; see the crate docs for precedence).
    pub fn queue_approval(&self, approval: Approval) {
        lock(&self.state.approvals).push_back(approval);
    }

    /// Makes the next FHIR request(s) (and token requests when the faults include the token
    /// endpoint) fail with `fault`, `times` times, before any random fault.
    /// [`Fault::RefreshFailsAfterRotation`] instead waits for the next `times` successful refreshes.
    pub fn inject(&self, fault: Fault, times: usize) {
        if fault == Fault::RefreshFailsAfterRotation {
            self.state
                .counters
                .fail_refreshes_after_rotation
                .fetch_add(times as u64, std::sync::atomic::Ordering::Relaxed);
            return;
        }
        let mut queue = lock(&self.state.injected);
        queue.extend(std::iter::repeat_n(fault, times));
    }

    /// Makes the next `times` successful refreshes behave as the real server does when its
    /// claims back end fails during a refresh: the new pair is saved and the old refresh token
    /// burnt, then the reply is 500 `{"error": "Server Error (500)"}`. The next refresh with
    /// the old refresh token gets 400 `invalid_grant`.
    pub fn fail_refreshes_after_rotation(&self, times: u64) {
        self.state
            .counters
            .fail_refreshes_after_rotation
            .store(times, std::sync::atomic::Ordering::Relaxed);
    }

    /// Moves the sandbox clock forward (expires codes, access tokens and grants without sleeping).
    pub fn advance_clock(&self, by: Duration) {
        self.state.clock.advance(by);
    }

    /// Deletes the beneficiary's data-access grant, like `/o/expire_authenticated_user/<id>/`:
    /// access tokens then get 401 and refreshes the 403 "User access cannot be found…".
    /// Returns `false` when there was no grant.
    pub fn expire_grant(&self, patient_id: &str) -> bool {
        let mut store = lock(&self.state.store);
        let had = store.grants.remove(patient_id).is_some();
        store.access.retain(|_, a| a.patient != patient_id);
        had
    }

    /// Stops the server and waits until it has.
    pub async fn shutdown(mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await;
        }
    }
}
