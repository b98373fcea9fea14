//! [`Issuer`]: which server, app and API version a token was issued for, so that a token is
//! only ever sent where it came from.

use std::fmt;

use bluebutton_config::{ApiVersion, Config};
use serde::{Deserialize, Serialize};

/// Who issued a token: the origin of the configured base URL, the app's client id, and the
/// API version the login was made on.
///
/// Each version has its own patient id and the server refuses some tokens of one version on
/// another version's claims calls, so the version is part of the issuer. A token is never sent
/// by a client whose configuration has another issuer
/// ([`crate::AuthError::WrongIssuer`]), and such a token is never removed by that client.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Issuer {
    /// `scheme://host[:port]` of the base URL (RFC 6454 ASCII serialization).
    pub origin: String,
    /// The app's OAuth client id (public, not a secret).
    pub client_id: String,
    /// The API version number: 1, 2 or 3.
    #[serde(rename = "api_version")]
    pub version: u8,
}

impl Issuer {
    /// The issuer of tokens obtained with `config`.
    pub fn from_config(config: &Config) -> Self {
        Self::new(
            &config.base_url().origin().ascii_serialization(),
            config.client_id(),
            config.version(),
        )
    }

    /// An issuer from its parts.
    pub fn new(origin: &str, client_id: &str, version: ApiVersion) -> Self {
        Self {
            origin: origin.trim_end_matches('/').to_owned(),
            client_id: client_id.to_owned(),
            version: version.number(),
        }
    }

    /// The API version, when the number is one this SDK knows.
    pub fn api_version(&self) -> Option<ApiVersion> {
        ApiVersion::from_number(u64::from(self.version))
    }

    /// A short, stable text for store keys and listings:
    /// `<origin> <client id> v<n>` (no secret in it).
    pub fn label(&self) -> String {
        format!("{} {} v{}", self.origin, self.client_id, self.version)
    }
}

impl fmt::Display for Issuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}, client {}, v{}",
            self.origin, self.client_id, self.version
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_parts_and_display() {
        let issuer = Issuer::new("http://127.0.0.1:8000/", "app-1", ApiVersion::V3);
        assert_eq!(issuer.origin, "http://127.0.0.1:8000");
        assert_eq!(issuer.api_version(), Some(ApiVersion::V3));
        assert_eq!(
            issuer.to_string(),
            "http://127.0.0.1:8000, client app-1, v3"
        );
        assert_eq!(issuer.label(), "http://127.0.0.1:8000 app-1 v3");
    }

    #[test]
    fn serde_shape() {
        let issuer = Issuer::new("https://sandbox.bluebutton.cms.gov", "abc", ApiVersion::V2);
        let json = serde_json::to_value(&issuer).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"origin": "https://sandbox.bluebutton.cms.gov", "client_id": "abc", "api_version": 2})
        );
        let back: Issuer = serde_json::from_value(json).unwrap();
        assert_eq!(back, issuer);
    }
}
