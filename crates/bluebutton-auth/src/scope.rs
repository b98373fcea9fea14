//! OAuth scopes of the Blue Button 2.0 API, typed (`patient/Patient.rs`, `profile`, ...).

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// A FHIR resource type that a `patient/...` scope can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ScopeResource {
    /// `Patient` (demographics).
    Patient,
    /// `Coverage`.
    Coverage,
    /// `ExplanationOfBenefit` (claims).
    ExplanationOfBenefit,
}

impl ScopeResource {
    /// The FHIR resource type name, e.g. `"ExplanationOfBenefit"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Patient => "Patient",
            Self::Coverage => "Coverage",
            Self::ExplanationOfBenefit => "ExplanationOfBenefit",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "Patient" => Some(Self::Patient),
            "Coverage" => Some(Self::Coverage),
            "ExplanationOfBenefit" => Some(Self::ExplanationOfBenefit),
            _ => None,
        }
    }
}

/// The access part of a `patient/X.<access>` scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ScopeAccess {
    /// `.read`: legacy SMART v1, read and search.
    Read,
    /// `.r`: read (the server also allows search with it).
    R,
    /// `.rs`: read and search.
    Rs,
    /// `.s`: search only.
    S,
}

impl ScopeAccess {
    /// The suffix after the dot, e.g. `"rs"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::R => "r",
            Self::Rs => "rs",
            Self::S => "s",
        }
    }

    /// Whether this access allows reading one resource by id.
    pub fn allows_read(self) -> bool {
        !matches!(self, Self::S)
    }

    /// Whether this access allows searching (every Blue Button access does; `.r` for
    /// backward compatibility).
    pub fn allows_search(self) -> bool {
        true
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "read" => Some(Self::Read),
            "r" => Some(Self::R),
            "rs" => Some(Self::Rs),
            "s" => Some(Self::S),
            _ => None,
        }
    }
}

/// One OAuth scope. Unknown scopes are kept verbatim in [`Scope::Other`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// `patient/<resource>.<access>`.
    Patient {
        /// The resource type.
        resource: ScopeResource,
        /// The granted access.
        access: ScopeAccess,
    },
    /// `profile`: the `/connect/userinfo` endpoint.
    Profile,
    /// `openid`.
    OpenId,
    /// `launch/patient`.
    LaunchPatient,
    /// Any other scope, verbatim.
    Other(String),
}

impl Scope {
    /// `patient/<resource>.<access>`.
    pub fn patient(resource: ScopeResource, access: ScopeAccess) -> Self {
        Self::Patient { resource, access }
    }

    /// Every scope the Blue Button 2.0 API advertises for v2 (`.rs` for the three resources,
    /// `profile`, `openid`, `launch/patient`).
    pub fn all_v2() -> Vec<Scope> {
        vec![
            Self::patient(ScopeResource::Patient, ScopeAccess::Rs),
            Self::patient(ScopeResource::Coverage, ScopeAccess::Rs),
            Self::patient(ScopeResource::ExplanationOfBenefit, ScopeAccess::Rs),
            Self::Profile,
            Self::OpenId,
            Self::LaunchPatient,
        ]
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Patient { resource, access } => {
                write!(f, "patient/{}.{}", resource.as_str(), access.as_str())
            }
            Self::Profile => f.write_str("profile"),
            Self::OpenId => f.write_str("openid"),
            Self::LaunchPatient => f.write_str("launch/patient"),
            Self::Other(s) => f.write_str(s),
        }
    }
}

impl FromStr for Scope {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "profile" => Self::Profile,
            "openid" => Self::OpenId,
            "launch/patient" => Self::LaunchPatient,
            other => other
                .strip_prefix("patient/")
                .and_then(|rest| rest.split_once('.'))
                .and_then(|(resource, access)| {
                    Some(Self::patient(
                        ScopeResource::parse(resource)?,
                        ScopeAccess::parse(access)?,
                    ))
                })
                .unwrap_or_else(|| Self::Other(other.to_owned())),
        })
    }
}

/// A set of scopes, as granted by the token endpoint.
pub type ScopeSet = BTreeSet<Scope>;

/// Parses a space-separated scope string (any order, repeated spaces allowed).
pub fn parse_scopes(s: &str) -> ScopeSet {
    s.split_ascii_whitespace()
        .map(|one| match one.parse::<Scope>() {
            Ok(scope) => scope,
            Err(never) => match never {},
        })
        .collect()
}

/// Joins scopes with single spaces (the wire format).
pub fn join_scopes<'a>(scopes: impl IntoIterator<Item = &'a Scope>) -> String {
    scopes
        .into_iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_known_form_and_round_trips() {
        let wire = "patient/Coverage.rs patient/ExplanationOfBenefit.read profile patient/Patient.s openid launch/patient patient/Patient.r x/y patient/Foo.rs";
        let set = parse_scopes(wire);
        assert!(set.contains(&Scope::patient(ScopeResource::Coverage, ScopeAccess::Rs)));
        assert!(set.contains(&Scope::patient(
            ScopeResource::ExplanationOfBenefit,
            ScopeAccess::Read
        )));
        assert!(set.contains(&Scope::patient(ScopeResource::Patient, ScopeAccess::S)));
        assert!(set.contains(&Scope::patient(ScopeResource::Patient, ScopeAccess::R)));
        assert!(set.contains(&Scope::Profile));
        assert!(set.contains(&Scope::OpenId));
        assert!(set.contains(&Scope::LaunchPatient));
        assert!(set.contains(&Scope::Other("x/y".into())));
        assert!(set.contains(&Scope::Other("patient/Foo.rs".into())));
        assert_eq!(parse_scopes(&join_scopes(&set)), set);
    }

    #[test]
    fn access_semantics() {
        assert!(!ScopeAccess::S.allows_read());
        assert!(ScopeAccess::R.allows_read() && ScopeAccess::R.allows_search());
    }
}

/// A scope a call needs, checked against a token's granted scopes before anything is sent
/// ([`crate::AuthorizationToken::grants`]).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeNeed {
    /// Demographics: a `patient/Patient.*` scope that allows searching (Patient searches and
    /// reads). The beneficiary may withhold it on the consent page.
    Demographics,
    /// The OIDC `profile` scope (`connect/userinfo`).
    Profile,
}

impl ScopeNeed {
    /// The scope to name in a message (`patient/Patient.rs` or `profile`).
    pub fn scope_name(self) -> &'static str {
        match self {
            Self::Demographics => "patient/Patient.rs",
            Self::Profile => "profile",
        }
    }
}
