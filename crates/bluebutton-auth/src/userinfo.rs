//! The typed reply of `/connect/userinfo`.

use serde::Deserialize;

/// The beneficiary's profile. `iat` is the account's creation time as the server's ISO
/// string (not epoch seconds); `sub` and `patient` are the FHIR `Patient` id.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct UserInfo {
    /// Subject: the FHIR `Patient` id.
    pub sub: String,
    /// Full name.
    #[serde(default)]
    pub name: Option<String>,
    /// Given name.
    #[serde(default)]
    pub given_name: Option<String>,
    /// Family name.
    #[serde(default)]
    pub family_name: Option<String>,
    /// E-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// When the account was created, as sent (e.g. `2026-11-28T14:40:09.258Z`).
    #[serde(default)]
    pub iat: Option<String>,
    /// The FHIR `Patient` id.
    #[serde(default)]
    pub patient: Option<String>,
}
