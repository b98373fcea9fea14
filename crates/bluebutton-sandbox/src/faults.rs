//! Fault injection: settings, deterministic per-request decisions, and the one-shot queue tests fill.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::rng::Rng;

/// Which faults the sandbox injects, and how often. All decisions are deterministic from the
/// sandbox seed and the order of requests.
///
/// 502, 429 and the unreachable claims back end are injected on FHIR reads and searches (where the
/// real server produces them); latency and dropped connections on FHIR requests too, and on
/// `/o/token` when [`Faults::include_token_endpoint`] is set (a 500 `{"error": "Server Error (500)"}`
/// stands in for the 502 there, and an unreachable back end makes a refresh rotate, then answer
/// 500). [`Faults::refresh_failure_rate`] applies to every successful refresh.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq)]
pub struct Faults {
    /// Share of requests answered 502 `{"detail":"A failure occurred contacting the upstream server"}`.
    pub server_error_rate: f64,
    /// Share of requests answered 429 with `Retry-After`.
    pub throttle_rate: f64,
    /// Share of requests that find the claims back end unreachable: FHIR calls answer 500
    /// `{"error": "Server Error (500)"}` (not 502).
    pub backend_unreachable_rate: f64,
    /// Share of successful refreshes that rotate the pair (the old refresh token is burnt) and then
    /// answer 500 `{"error": "Server Error (500)"}`, as when the claims back end fails mid-refresh.
    pub refresh_failure_rate: f64,
    /// The `Retry-After` of injected 429s (whole seconds; default 60 s, as the real server).
    pub retry_after: Duration,
    /// Latency added to every affected request.
    pub latency: Duration,
    /// Share of requests whose connection is closed without any response.
    pub drop_rate: f64,
    /// Share of auto-approved authorizations that the beneficiary denies (`error=access_denied`).
    pub deny_rate: f64,
    /// Also inject 5xx, latency and drops on the token endpoint.
    pub include_token_endpoint: bool,
}

impl Default for Faults {
    fn default() -> Self {
        Faults::none()
    }
}

impl Faults {
    /// No faults at all (the default).
    pub fn none() -> Self {
        Faults {
            server_error_rate: 0.0,
            throttle_rate: 0.0,
            backend_unreachable_rate: 0.0,
            refresh_failure_rate: 0.0,
            retry_after: Duration::from_secs(60),
            latency: Duration::ZERO,
            drop_rate: 0.0,
            deny_rate: 0.0,
            include_token_endpoint: false,
        }
    }
    /// Sets [`Faults::server_error_rate`].
    pub fn server_error_rate(mut self, rate: f64) -> Self {
        self.server_error_rate = rate;
        self
    }
    /// Sets [`Faults::throttle_rate`].
    pub fn throttle_rate(mut self, rate: f64) -> Self {
        self.throttle_rate = rate;
        self
    }
    /// Sets [`Faults::backend_unreachable_rate`].
    pub fn backend_unreachable_rate(mut self, rate: f64) -> Self {
        self.backend_unreachable_rate = rate;
        self
    }
    /// Sets [`Faults::refresh_failure_rate`].
    pub fn refresh_failure_rate(mut self, rate: f64) -> Self {
        self.refresh_failure_rate = rate;
        self
    }
    /// Sets [`Faults::retry_after`].
    pub fn retry_after(mut self, after: Duration) -> Self {
        self.retry_after = after;
        self
    }
    /// Sets [`Faults::latency`].
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }
    /// Sets [`Faults::drop_rate`].
    pub fn drop_rate(mut self, rate: f64) -> Self {
        self.drop_rate = rate;
        self
    }
    /// Sets [`Faults::deny_rate`].
    pub fn deny_rate(mut self, rate: f64) -> Self {
        self.deny_rate = rate;
        self
    }
    /// Sets [`Faults::include_token_endpoint`].
    pub fn include_token_endpoint(mut self, include: bool) -> Self {
        self.include_token_endpoint = include;
        self
    }

    pub(crate) fn validate(&self) -> Result<(), crate::SandboxError> {
        let rates = [
            ("faults.server_error_rate", self.server_error_rate),
            ("faults.throttle_rate", self.throttle_rate),
            (
                "faults.backend_unreachable_rate",
                self.backend_unreachable_rate,
            ),
            ("faults.refresh_failure_rate", self.refresh_failure_rate),
            ("faults.drop_rate", self.drop_rate),
            ("faults.deny_rate", self.deny_rate),
        ];
        for (setting, rate) in rates {
            if !(0.0..=1.0).contains(&rate) {
                return Err(crate::SandboxError::InvalidSetting {
                    setting,
                    reason: format!("{rate} is not between 0 and 1"),
                });
            }
        }
        Ok(())
    }
}

/// One fault, for [`SandboxHandle::inject`](crate::SandboxHandle::inject).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// A 502 upstream failure (500 on the token endpoint).
    ServerError,
    /// A 429 with `Retry-After`.
    Throttle,
    /// The connection is closed without a response.
    DropConnection,
    /// The claims back end is unreachable: a FHIR call answers 500 `{"error": "Server Error (500)"}`;
    /// on the token endpoint a refresh rotates the pair, then answers that 500.
    BackendUnreachable,
    /// The next successful refresh rotates the pair and then answers 500 (the same as
    /// [`SandboxHandle::fail_refreshes_after_rotation`](crate::SandboxHandle::fail_refreshes_after_rotation);
    /// it waits for a refresh, whatever requests come first).
    RefreshFailsAfterRotation,
}

/// Decides, request by request, whether to inject a fault.
#[derive(Debug)]
pub(crate) struct FaultDice {
    seed: u64,
    sequence: AtomicU64,
}

impl FaultDice {
    pub(crate) fn new(seed: u64) -> Self {
        FaultDice {
            seed,
            sequence: AtomicU64::new(0),
        }
    }

    /// The fault (if any) for the next request, from the configured rates.
    pub(crate) fn roll(&self, faults: &Faults) -> Option<Fault> {
        let bands = [
            (faults.drop_rate, Fault::DropConnection),
            (faults.server_error_rate, Fault::ServerError),
            (faults.throttle_rate, Fault::Throttle),
            (faults.backend_unreachable_rate, Fault::BackendUnreachable),
        ];
        if bands.iter().all(|(rate, _)| *rate == 0.0) {
            return None;
        }
        let n = self.sequence.fetch_add(1, Ordering::Relaxed);
        let mut rng = Rng::keyed(self.seed, &[0xFA17, n]);
        let roll = rng.unit();
        let mut upper = 0.0;
        for (rate, fault) in bands {
            upper += rate;
            if roll < upper {
                return Some(fault);
            }
        }
        None
    }

    /// Whether this successful refresh fails after rotating.
    pub(crate) fn refresh_fails(&self, faults: &Faults) -> bool {
        if faults.refresh_failure_rate == 0.0 {
            return false;
        }
        let n = self.sequence.fetch_add(1, Ordering::Relaxed);
        Rng::keyed(self.seed, &[0x2EF2, n]).unit() < faults.refresh_failure_rate
    }

    /// Whether the next auto-approval is denied.
    pub(crate) fn deny(&self, faults: &Faults) -> bool {
        if faults.deny_rate == 0.0 {
            return false;
        }
        let n = self.sequence.fetch_add(1, Ordering::Relaxed);
        Rng::keyed(self.seed, &[0xDE71, n]).unit() < faults.deny_rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_roughly_respected_and_deterministic() {
        let faults = Faults::none().server_error_rate(0.25).throttle_rate(0.25);
        let a = FaultDice::new(9);
        let b = FaultDice::new(9);
        let rolls_a: Vec<_> = (0..400).map(|_| a.roll(&faults)).collect();
        let rolls_b: Vec<_> = (0..400).map(|_| b.roll(&faults)).collect();
        assert_eq!(rolls_a, rolls_b);
        let errors = rolls_a
            .iter()
            .filter(|f| **f == Some(Fault::ServerError))
            .count();
        assert!((60..140).contains(&errors), "{errors}");
        assert!(Faults::none().drop_rate(1.5).validate().is_err());
    }
}
