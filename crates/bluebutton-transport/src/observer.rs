//! Retry notices: what the retry loop tells an observer before each wait, so an application
//! can say that it is retrying (and why) instead of staying silent.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::Method;
use url::Url;

/// A retry about to happen, given to the observer of
/// [`TransportBuilder::on_retry`](crate::TransportBuilder::on_retry) before the wait.
#[non_exhaustive]
#[derive(Clone, Debug)]
pub struct RetryNotice {
    /// The method of the request.
    pub method: Method,
    /// The request's URL, without its query (which may hold secrets).
    pub url: Url,
    /// The number of this retry, from 1.
    pub retry: u32,
    /// The retries allowed in all (`retry_settings.total`).
    pub retries: u32,
    /// How long the loop waits before the retry.
    pub wait: Duration,
    /// Why the attempt failed, e.g. "connection refused", "timeout", "status 502".
    pub reason: String,
}

impl fmt::Display for RetryNotice {
    /// `retrying in 5 s (2/3): connection refused`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "retrying in {} s ({}/{}): {}",
            seconds_text(self.wait),
            self.retry,
            self.retries,
            self.reason
        )
    }
}

/// A wait in seconds, to a tenth, without a trailing `.0` (`5`, `2.5`).
fn seconds_text(wait: Duration) -> String {
    let tenths = (wait.as_millis() + 50) / 100;
    if tenths.is_multiple_of(10) {
        format!("{}", tenths / 10)
    } else {
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}

/// The observer of retries: called on the task of the request, before each wait.
pub(crate) type RetryObserver = Arc<dyn Fn(&RetryNotice) + Send + Sync>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_reads_as_one_line() {
        let notice = RetryNotice {
            method: Method::GET,
            url: Url::parse("https://sandbox.bluebutton.cms.gov/v2/fhir/Patient/").unwrap(),
            retry: 2,
            retries: 3,
            wait: Duration::from_secs(5),
            reason: "connection refused".to_owned(),
        };
        assert_eq!(
            notice.to_string(),
            "retrying in 5 s (2/3): connection refused"
        );
        let notice = RetryNotice {
            wait: Duration::from_millis(2_500),
            ..notice
        };
        assert!(notice.to_string().starts_with("retrying in 2.5 s"));
    }
}
