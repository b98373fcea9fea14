//! Checks shared by every source (file, environment, builder): URLs, durations, status codes.

use std::net::IpAddr;
use std::time::Duration;

use url::{Host, Url};

use crate::error::ConfigError;
use crate::provenance::ValueSource;
use crate::version::ApiVersion;

/// Where a value being checked came from, and under which key.
pub(crate) struct At<'a> {
    pub(crate) origin: &'a ValueSource,
    pub(crate) key: &'a str,
}

impl At<'_> {
    pub(crate) fn invalid(&self, value: impl ToString, expected: &'static str) -> ConfigError {
        ConfigError::InvalidValue {
            origin: self.origin.clone(),
            key: self.key.to_owned(),
            value: value.to_string(),
            expected,
        }
    }

    fn part(&self, part: &'static str) -> ConfigError {
        ConfigError::UrlPartNotAllowed {
            origin: self.origin.clone(),
            key: self.key.to_owned(),
            part,
        }
    }
}

/// A required text setting: not empty once blanks are trimmed (the value itself is kept as is).
pub(crate) fn non_empty(at: &At<'_>, value: &str) -> Result<(), ConfigError> {
    if value.trim().is_empty() {
        Err(ConfigError::Empty {
            origin: at.origin.clone(),
            key: at.key.to_owned(),
        })
    } else {
        Ok(())
    }
}

fn parse_http_url(at: &At<'_>, text: &str) -> Result<Url, ConfigError> {
    non_empty(at, text)?;
    let url = Url::parse(text.trim()).map_err(|source| ConfigError::InvalidUrl {
        origin: at.origin.clone(),
        key: at.key.to_owned(),
        value: text.to_owned(),
        source,
    })?;
    // Checked before anything prints the URL, so a password never reaches a message.
    if !url.username().is_empty() || url.password().is_some() {
        return Err(at.part("a user name or password"));
    }
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(ConfigError::UnsupportedScheme {
            origin: at.origin.clone(),
            key: at.key.to_owned(),
            url: Box::new(url),
        });
    }
    if url.fragment().is_some() {
        return Err(at.part("a fragment (#...)"));
    }
    Ok(url)
}

/// The OAuth redirect URI: an absolute http(s) URL without credentials or fragment (RFC 6749 §3.1.2),
/// and https unless its host is loopback (RFC 8252 §7.3: the code must not cross a network in
/// clear text).
pub(crate) fn callback_url(at: &At<'_>, text: &str) -> Result<Url, ConfigError> {
    let url = parse_http_url(at, text)?;
    if url.scheme() == "http" && !is_loopback(&url) {
        return Err(ConfigError::InsecureCallbackUrl {
            origin: at.origin.clone(),
            key: at.key.to_owned(),
            url: Box::new(url),
        });
    }
    Ok(url)
}

/// A base URL override: https, or plain http for a loopback host only; no query, and no
/// trailing version segment (`…/v2` would give `…/v2/v2/…`).
pub(crate) fn base_url(at: &At<'_>, text: &str) -> Result<Url, ConfigError> {
    let url = parse_http_url(at, text)?;
    if url.query().is_some() {
        return Err(at.part("a query (?...)"));
    }
    let last_segment = url
        .path()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("");
    if ApiVersion::ALL
        .iter()
        .any(|v| v.path_segment() == last_segment)
    {
        return Err(at.part("the API version (/v1, /v2, /v3); set `version` instead"));
    }
    if url.scheme() == "http" && !is_loopback(&url) {
        return Err(ConfigError::InsecureBaseUrl {
            origin: at.origin.clone(),
            key: at.key.to_owned(),
            url: Box::new(url),
        });
    }
    Ok(url)
}

/// Whether the URL's host is `localhost`, in 127.0.0.0/8, or `[::1]`.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// A duration given in seconds: finite, not negative, and above zero when `positive` (time
/// limits). `shown` is the value as the user wrote it, for the message.
pub(crate) fn seconds(
    at: &At<'_>,
    secs: f64,
    shown: &dyn std::fmt::Display,
    positive: bool,
) -> Result<Duration, ConfigError> {
    let expected = if positive {
        "a number of seconds above 0 (fractions allowed)"
    } else {
        "a number of seconds, 0 or more (fractions allowed)"
    };
    if !secs.is_finite() || secs < 0.0 || (positive && secs == 0.0) {
        return Err(at.invalid(shown, expected));
    }
    Duration::try_from_secs_f64(secs).map_err(|_| at.invalid(shown, expected))
}

/// The statuses that are retried: each an HTTP status code, 100 to 599.
pub(crate) fn status_codes(at: &At<'_>, codes: &[u64]) -> Result<Vec<u16>, ConfigError> {
    codes
        .iter()
        .map(|&code| {
            u16::try_from(code)
                .ok()
                .filter(|c| (100..=599).contains(c))
                .ok_or_else(|| at.invalid(code, "HTTP status codes from 100 to 599"))
        })
        .collect()
}

/// A retry count: a whole number that fits in 32 bits.
pub(crate) fn retry_total(at: &At<'_>, value: u64) -> Result<u32, ConfigError> {
    u32::try_from(value).map_err(|_| at.invalid(value, "a whole number from 0 to 4294967295"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(origin: &ValueSource) -> At<'_> {
        At {
            origin,
            key: "base_url",
        }
    }

    #[test]
    fn loopback_hosts() {
        for ok in [
            "http://localhost:8000",
            "http://LOCALHOST",
            "http://127.0.0.1:1234/x",
            "http://127.10.20.30",
            "http://[::1]:8080",
            "https://example.org",
        ] {
            assert!(base_url(&at(&ValueSource::Builder), ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://example.org",
            "http://localhost.example.org",
            "http://128.0.0.1",
            "http://10.0.0.1",
            "http://[::2]",
            "http://0.0.0.0",
        ] {
            let err = base_url(&at(&ValueSource::Builder), bad).unwrap_err();
            assert!(
                matches!(err, ConfigError::InsecureBaseUrl { .. }),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn url_parts_and_schemes() {
        let origin = ValueSource::Builder;
        let a = at(&origin);
        assert!(matches!(
            base_url(&a, "ftp://example.org").unwrap_err(),
            ConfigError::UnsupportedScheme { .. }
        ));
        for versioned in [
            "https://example.org/v2",
            "https://example.org/api/v1/",
            "http://localhost/v3",
        ] {
            assert!(matches!(
                base_url(&a, versioned).unwrap_err(),
                ConfigError::UrlPartNotAllowed { .. }
            ));
        }
        assert!(base_url(&a, "https://example.org/v2x").is_ok());
        assert!(matches!(
            base_url(&a, "https://example.org/?x=1").unwrap_err(),
            ConfigError::UrlPartNotAllowed { .. }
        ));
        assert!(matches!(
            callback_url(&a, "https://example.org/cb#x").unwrap_err(),
            ConfigError::UrlPartNotAllowed { .. }
        ));
        assert!(matches!(
            callback_url(&a, "/relative").unwrap_err(),
            ConfigError::InvalidUrl { .. }
        ));
        assert!(matches!(
            callback_url(&a, "  ").unwrap_err(),
            ConfigError::Empty { .. }
        ));
        let with_password = callback_url(&a, "https://user:hunter2@example.org/cb").unwrap_err();
        assert!(!format!("{with_password} {with_password:?}").contains("hunter2"));
        assert_eq!(
            callback_url(&a, "https://example.org/cb?x=1")
                .unwrap()
                .as_str(),
            "https://example.org/cb?x=1"
        );
        for loopback in [
            "http://localhost/cb",
            "http://127.0.0.1:8765/cb",
            "http://127.9.9.9/cb",
            "http://[::1]:9000/cb",
        ] {
            assert!(callback_url(&a, loopback).is_ok(), "{loopback}");
        }
        for remote in [
            "http://example.org/cb",
            "http://10.0.0.1/cb",
            "http://[::2]/cb",
            "http://localhost.example.org/cb",
        ] {
            let err = callback_url(&a, remote).unwrap_err();
            assert!(
                matches!(err, ConfigError::InsecureCallbackUrl { .. }),
                "{remote}: {err:?}"
            );
        }
    }

    #[test]
    fn seconds_and_codes() {
        let origin = ValueSource::Value;
        let a = At {
            origin: &origin,
            key: "k",
        };
        assert_eq!(
            seconds(&a, 0.5, &0.5, false).unwrap(),
            Duration::from_millis(500)
        );
        assert_eq!(seconds(&a, 0.0, &0.0, false).unwrap(), Duration::ZERO);
        assert!(seconds(&a, -1.0, &-1.0, false).is_err());
        assert!(seconds(&a, f64::NAN, &f64::NAN, false).is_err());
        assert!(seconds(&a, f64::INFINITY, &f64::INFINITY, false).is_err());
        assert!(seconds(&a, 1e300, &1e300, false).is_err());
        assert!(seconds(&a, 0.0, &0.0, true).is_err());
        use crate::kinds::{Kind, Seconds, Timeout};
        assert!(Timeout::from_input(Duration::ZERO, &a).is_err());
        assert!(Seconds::from_input(Duration::ZERO, &a).is_ok());
        assert_eq!(status_codes(&a, &[100, 599]).unwrap(), vec![100, 599]);
        assert!(status_codes(&a, &[99]).is_err());
        assert!(status_codes(&a, &[600]).is_err());
        assert!(status_codes(&a, &[70_000]).is_err());
        assert!(retry_total(&a, u64::from(u32::MAX) + 1).is_err());
    }
}
