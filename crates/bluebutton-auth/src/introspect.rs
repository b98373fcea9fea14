//! The typed reply of the introspection endpoint (RFC 7662).

use serde::{Deserialize, Deserializer};
use time::OffsetDateTime;

use crate::scope::{ScopeSet, parse_scopes};

/// What `/o/introspect/` says about a token. `{"active": false}` for an expired access
/// token or a refresh token.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Introspection {
    /// Whether the token is currently usable.
    pub active: bool,
    /// Its scopes.
    #[serde(default, deserialize_with = "scope_opt")]
    pub scope: Option<ScopeSet>,
    /// When it expires.
    #[serde(default, with = "time::serde::timestamp::option")]
    pub exp: Option<OffsetDateTime>,
    /// The app it was issued to.
    #[serde(default)]
    pub client_id: Option<String>,
    /// The beneficiary's Medicare login id.
    #[serde(default)]
    pub username: Option<String>,
}

fn scope_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ScopeSet>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.map(|s| parse_scopes(&s)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scope::Scope;

    #[test]
    fn parses_active_and_inactive() {
        let active: Introspection = serde_json::from_str(
            r#"{"active": true, "scope": "openid profile", "exp": 1795880485, "client_id": "abc", "username": "u1"}"#,
        )
        .unwrap();
        assert!(active.active);
        assert!(active.scope.as_ref().unwrap().contains(&Scope::Profile));
        assert_eq!(active.exp.unwrap().unix_timestamp(), 1795880485);
        let inactive: Introspection = serde_json::from_str(r#"{"active": false}"#).unwrap();
        assert!(!inactive.active && inactive.scope.is_none() && inactive.exp.is_none());
    }
}
