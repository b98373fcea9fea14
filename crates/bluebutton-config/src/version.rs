//! The Blue Button API version (`v1` = FHIR STU3, `v2` = FHIR R4, `v3`), the first path segment of every URL.

use std::fmt;
use std::str::FromStr;

use crate::error::ConfigError;

/// An API version. The default is [`ApiVersion::V2`], as in both official SDKs.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ApiVersion {
    /// `v1`: FHIR STU3 (deprecated by CMS).
    V1,
    /// `v2`: FHIR R4.
    #[default]
    V2,
    /// `v3`: FHIR R4 with the newer CARIN profiles (behind a server switch).
    V3,
}

impl ApiVersion {
    /// Every version.
    pub const ALL: [ApiVersion; 3] = [ApiVersion::V1, ApiVersion::V2, ApiVersion::V3];

    /// The version number: 1, 2 or 3.
    pub fn number(&self) -> u8 {
        match self {
            ApiVersion::V1 => 1,
            ApiVersion::V2 => 2,
            ApiVersion::V3 => 3,
        }
    }

    /// The URL path segment: `"v1"`, `"v2"` or `"v3"`.
    pub fn path_segment(&self) -> &'static str {
        match self {
            ApiVersion::V1 => "v1",
            ApiVersion::V2 => "v2",
            ApiVersion::V3 => "v3",
        }
    }

    /// The version with this number, if there is one.
    pub fn from_number(number: u64) -> Option<ApiVersion> {
        match number {
            1 => Some(ApiVersion::V1),
            2 => Some(ApiVersion::V2),
            3 => Some(ApiVersion::V3),
            _ => None,
        }
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.path_segment())
    }
}

impl FromStr for ApiVersion {
    type Err = ConfigError;

    /// Parses `"2"`, `"v2"` or `"V2"` (blanks around are ignored).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        let digits = trimmed
            .strip_prefix('v')
            .or_else(|| trimmed.strip_prefix('V'))
            .unwrap_or(trimmed);
        digits
            .parse::<u64>()
            .ok()
            .and_then(ApiVersion::from_number)
            .ok_or_else(|| ConfigError::UnknownVersion {
                value: s.to_owned(),
            })
    }
}

impl TryFrom<u8> for ApiVersion {
    type Error = ConfigError;

    fn try_from(number: u8) -> Result<Self, Self::Error> {
        ApiVersion::from_number(u64::from(number)).ok_or_else(|| ConfigError::UnknownVersion {
            value: number.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_segments() {
        assert_eq!(ApiVersion::default(), ApiVersion::V2);
        for (v, n, s) in [
            (ApiVersion::V1, 1, "v1"),
            (ApiVersion::V2, 2, "v2"),
            (ApiVersion::V3, 3, "v3"),
        ] {
            assert_eq!(v.number(), n);
            assert_eq!(v.path_segment(), s);
            assert_eq!(v.to_string(), s);
            assert_eq!(ApiVersion::try_from(n).unwrap(), v);
        }
    }

    #[test]
    fn parses_number_and_prefixed_strings() {
        assert_eq!("2".parse::<ApiVersion>().unwrap(), ApiVersion::V2);
        assert_eq!("v1".parse::<ApiVersion>().unwrap(), ApiVersion::V1);
        assert_eq!(" V3 ".parse::<ApiVersion>().unwrap(), ApiVersion::V3);
        assert!("4".parse::<ApiVersion>().is_err());
        assert!("vv2".parse::<ApiVersion>().is_err());
        assert!("".parse::<ApiVersion>().is_err());
        assert!(ApiVersion::try_from(0).is_err());
    }

    #[test]
    fn unknown_version_message() {
        let err = "v9".parse::<ApiVersion>().unwrap_err();
        insta::assert_snapshot!(err.to_string(), @r#"unknown API version "v9": expected 1, 2 or 3 (a number, or a string such as "2" or "v2")"#);
    }
}
