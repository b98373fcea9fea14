//! The retry policy: which failures are retried, the backoff schedule, and `Retry-After`.

use std::time::{Duration, SystemTime};

use bluebutton_config::RetrySettings;
use http::header::RETRY_AFTER;
use http::{HeaderMap, StatusCode};

/// The waits before retries 1, 2, … `total`, for [`backon`]: exactly
/// [`RetrySettings::backoff`], or with jitter a random multiple in `[0.5, 1.5)` of it, capped by
/// `max_backoff`. `total = 0` gives no waits, so nothing is retried.
pub(crate) fn schedule(settings: &RetrySettings) -> impl backon::Backoff + use<> {
    let settings = settings.clone();
    (1..=settings.total).map(move |retry| {
        let wait = settings.backoff(retry);
        if settings.jitter {
            wait.mul_f64(0.5 + fastrand::f64())
                .min(settings.max_backoff)
        } else {
            wait
        }
    })
}

/// Whether a response with `status` may be retried: statuses of the forcelist, and 429 always.
pub(crate) fn retries_status(settings: &RetrySettings, status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || settings.status_forcelist.contains(&status.as_u16())
}

/// The server's requested wait for a 429 or 503, capped by `max_retry_after`. `None` when the
/// status does not carry one, the header is absent or cannot be parsed (seconds or HTTP date).
pub(crate) fn retry_after(
    settings: &RetrySettings,
    status: StatusCode,
    headers: &HeaderMap,
    now: SystemTime,
) -> Option<Duration> {
    if status != StatusCode::TOO_MANY_REQUESTS && status != StatusCode::SERVICE_UNAVAILABLE {
        return None;
    }
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let wait = if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // A huge number of seconds is still "wait as long as allowed".
        Duration::from_secs(value.parse().unwrap_or(u64::MAX))
    } else {
        let date = httpdate::parse_http_date(value).ok()?;
        date.duration_since(now).unwrap_or(Duration::ZERO)
    };
    Some(wait.min(settings.max_retry_after))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn schedule_is_the_formula_without_jitter() {
        let waits: Vec<Duration> = schedule(&RetrySettings::default()).collect();
        assert_eq!(
            waits,
            [2500, 5000, 10_000].map(Duration::from_millis).to_vec()
        );
        assert_eq!(schedule(&RetrySettings::disabled()).count(), 0);
    }

    #[test]
    fn jitter_stays_within_bounds() {
        let mut settings = RetrySettings::default();
        settings.jitter = true;
        settings.total = 6;
        for _ in 0..50 {
            for (i, wait) in schedule(&settings).enumerate() {
                let base = settings.backoff(u32::try_from(i).unwrap() + 1);
                assert!(wait >= base / 2, "{wait:?} < half of {base:?}");
                assert!(wait < base.mul_f64(1.5) || wait == settings.max_backoff);
                assert!(wait <= settings.max_backoff);
            }
        }
    }

    #[test]
    fn status_classification() {
        let settings = RetrySettings::default();
        assert!(retries_status(&settings, StatusCode::BAD_GATEWAY));
        assert!(retries_status(&settings, StatusCode::TOO_MANY_REQUESTS));
        assert!(!retries_status(&settings, StatusCode::NOT_FOUND));
        assert!(!retries_status(&settings, StatusCode::UNAUTHORIZED));
    }

    #[test]
    fn retry_after_seconds_dates_and_caps() {
        let settings = RetrySettings::default();
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        let tmr = StatusCode::TOO_MANY_REQUESTS;
        assert_eq!(
            retry_after(&settings, tmr, &headers("60"), now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            retry_after(&settings, tmr, &headers("100000"), now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            retry_after(&settings, tmr, &headers("99999999999999999999999"), now),
            Some(Duration::from_secs(120))
        );
        // 2015-10-21T07:28:00Z is `now`; 30 s later:
        assert_eq!(
            retry_after(
                &settings,
                StatusCode::SERVICE_UNAVAILABLE,
                &headers("Wed, 21 Oct 2015 07:28:30 GMT"),
                now
            ),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            retry_after(
                &settings,
                tmr,
                &headers("Wed, 21 Oct 2015 07:00:00 GMT"),
                now
            ),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after(&settings, tmr, &headers("soon"), now), None);
        assert_eq!(retry_after(&settings, tmr, &headers("-5"), now), None);
        assert_eq!(retry_after(&settings, tmr, &HeaderMap::new(), now), None);
        assert_eq!(
            retry_after(&settings, StatusCode::BAD_GATEWAY, &headers("5"), now),
            None
        );
    }
}
