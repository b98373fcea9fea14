//! Retry policy for data requests: how many times, which statuses, and how long to wait.

use std::time::Duration;

/// When and how transport retries a failed request.
///
/// Field defaults follow the official SDKs (`total` 3, `backoff_factor` 5 s,
/// `status_forcelist` 500/502/503/504); `jitter`, `max_backoff` and `max_retry_after` are ours.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq)]
pub struct RetrySettings {
    /// How many retries after the first attempt; `0` disables retrying. Default 3.
    pub total: u32,
    /// The base of the exponential backoff; may be fractional, `0` retries without waiting. Default 5 s.
    pub backoff_factor: Duration,
    /// The HTTP statuses that are retried. Default `[500, 502, 503, 504]`.
    pub status_forcelist: Vec<u16>,
    /// Whether transport randomises each wait. Default `false` (waits are exactly [`RetrySettings::backoff`]).
    pub jitter: bool,
    /// The cap of one computed wait. Default 120 s.
    pub max_backoff: Duration,
    /// The cap of a server's `Retry-After`. Default 120 s.
    pub max_retry_after: Duration,
}

impl RetrySettings {
    /// The default number of retries.
    pub const DEFAULT_TOTAL: u32 = 3;
    /// The default backoff factor.
    pub const DEFAULT_BACKOFF_FACTOR: Duration = Duration::from_secs(5);
    /// The default retried statuses.
    pub const DEFAULT_STATUS_FORCELIST: [u16; 4] = [500, 502, 503, 504];
    /// The default cap of one computed wait.
    pub const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(120);
    /// The default cap of a server's `Retry-After`.
    pub const DEFAULT_MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

    /// The defaults with `total = 0`: no request is ever retried.
    pub fn disabled() -> Self {
        RetrySettings {
            total: 0,
            ..RetrySettings::default()
        }
    }

    /// The wait before retry number `retry` (1-based): `backoff_factor * 2^(retry - 2)`,
    /// i.e. 2.5 s, 5 s, 10 s, 20 s… for a factor of 5 s (the Node SDK's formula), capped by
    /// `max_backoff`. `retry = 0` (no retry) gives zero. No jitter is applied here.
    pub fn backoff(&self, retry: u32) -> Duration {
        if retry == 0 {
            return Duration::ZERO;
        }
        // Past 2^64 every factor above zero hits the cap anyway; clamping keeps powi exact and finite.
        let exponent = i32::try_from(retry.min(66)).unwrap_or(66) - 2;
        let seconds = self.backoff_factor.as_secs_f64() * 2f64.powi(exponent);
        Duration::try_from_secs_f64(seconds)
            .unwrap_or(self.max_backoff)
            .min(self.max_backoff)
    }

    /// Whether `status` is one of the retried statuses.
    pub fn retries_status(&self, status: u16) -> bool {
        self.status_forcelist.contains(&status)
    }
}

impl Default for RetrySettings {
    fn default() -> Self {
        RetrySettings {
            total: Self::DEFAULT_TOTAL,
            backoff_factor: Self::DEFAULT_BACKOFF_FACTOR,
            status_forcelist: Self::DEFAULT_STATUS_FORCELIST.to_vec(),
            jitter: false,
            max_backoff: Self::DEFAULT_MAX_BACKOFF,
            max_retry_after: Self::DEFAULT_MAX_RETRY_AFTER,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_official_sdks() {
        let r = RetrySettings::default();
        assert_eq!(r.total, 3);
        assert_eq!(r.backoff_factor, Duration::from_secs(5));
        assert_eq!(r.status_forcelist, vec![500, 502, 503, 504]);
        assert!(!r.jitter);
        assert_eq!(r.max_backoff, Duration::from_secs(120));
        assert_eq!(r.max_retry_after, Duration::from_secs(120));
        assert!(r.retries_status(503));
        assert!(!r.retries_status(429));
    }

    #[test]
    fn disabled_has_no_retries() {
        let r = RetrySettings::disabled();
        assert_eq!(r.total, 0);
        assert_eq!(r.status_forcelist, vec![500, 502, 503, 504]);
    }

    #[test]
    fn backoff_follows_the_node_formula() {
        let r = RetrySettings::default();
        let waits: Vec<f64> = (0..=4).map(|n| r.backoff(n).as_secs_f64()).collect();
        assert_eq!(waits, [0.0, 2.5, 5.0, 10.0, 20.0]);
    }

    #[test]
    fn backoff_is_capped_and_never_overflows() {
        let r = RetrySettings::default();
        assert_eq!(r.backoff(7), Duration::from_secs(120));
        assert_eq!(r.backoff(u32::MAX), Duration::from_secs(120));
        let fractional = RetrySettings {
            backoff_factor: Duration::from_millis(500),
            ..RetrySettings::default()
        };
        assert_eq!(fractional.backoff(3), Duration::from_secs(1));
        let zero = RetrySettings {
            backoff_factor: Duration::ZERO,
            ..RetrySettings::default()
        };
        assert_eq!(zero.backoff(u32::MAX), Duration::ZERO);
    }
}
