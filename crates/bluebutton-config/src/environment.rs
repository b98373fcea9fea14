//! The four Blue Button 2.0 deployments a client can talk to, and their base URLs.

use std::fmt;
use std::str::FromStr;

use url::Url;

use crate::error::ConfigError;

/// A Blue Button 2.0 deployment. The default is [`Environment::Sandbox`], as in the Node SDK
/// (and as the Python SDK's README says).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Environment {
    /// A server on this machine: `http://localhost:8000`.
    Local,
    /// The CMS test deployment: `https://test.bluebutton.cms.gov`.
    Test,
    /// The public developer sandbox with synthetic data: `https://sandbox.bluebutton.cms.gov`.
    #[default]
    Sandbox,
    /// Production, real Medicare data: `https://api.bluebutton.cms.gov`.
    Production,
}

impl Environment {
    /// Every environment, in the order of the official SDKs' documentation.
    pub const ALL: [Environment; 4] = [
        Environment::Local,
        Environment::Test,
        Environment::Sandbox,
        Environment::Production,
    ];

    /// The base URL, exactly as in both official SDKs (no path).
    pub fn base_url(&self) -> Url {
        Url::parse(self.base_url_str()).expect("the built-in base URLs are valid")
    }

    /// The base URL as text, without a trailing slash.
    pub fn base_url_str(&self) -> &'static str {
        match self {
            Environment::Local => "http://localhost:8000",
            Environment::Test => "https://test.bluebutton.cms.gov",
            Environment::Sandbox => "https://sandbox.bluebutton.cms.gov",
            Environment::Production => "https://api.bluebutton.cms.gov",
        }
    }

    /// The upper-case name used in configuration files: `LOCAL`, `TEST`, `SANDBOX`, `PRODUCTION`.
    pub fn name(&self) -> &'static str {
        match self {
            Environment::Local => "LOCAL",
            Environment::Test => "TEST",
            Environment::Sandbox => "SANDBOX",
            Environment::Production => "PRODUCTION",
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Environment {
    type Err = ConfigError;

    /// Parses `LOCAL`, `TEST`, `SANDBOX` or `PRODUCTION`, ignoring case and surrounding blanks.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        Environment::ALL
            .into_iter()
            .find(|env| env.name().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| ConfigError::UnknownEnvironment {
                value: s.to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_match_the_official_sdks() {
        let urls: Vec<String> = Environment::ALL
            .iter()
            .map(|e| format!("{e} {}", e.base_url()))
            .collect();
        assert_eq!(
            urls,
            [
                "LOCAL http://localhost:8000/",
                "TEST https://test.bluebutton.cms.gov/",
                "SANDBOX https://sandbox.bluebutton.cms.gov/",
                "PRODUCTION https://api.bluebutton.cms.gov/",
            ]
        );
    }

    #[test]
    fn parses_case_insensitively() {
        assert_eq!(
            "sandbox".parse::<Environment>().unwrap(),
            Environment::Sandbox
        );
        assert_eq!(
            " Production ".parse::<Environment>().unwrap(),
            Environment::Production
        );
        assert_eq!("LOCAL".parse::<Environment>().unwrap(), Environment::Local);
        assert_eq!("test".parse::<Environment>().unwrap(), Environment::Test);
        assert_eq!(Environment::default(), Environment::Sandbox);
    }

    #[test]
    fn rejects_unknown_names() {
        let err = "PROD".parse::<Environment>().unwrap_err();
        insta::assert_snapshot!(err.to_string(), @r#"unknown environment "PROD": expected LOCAL, TEST, SANDBOX or PRODUCTION (any case)"#);
    }
}
