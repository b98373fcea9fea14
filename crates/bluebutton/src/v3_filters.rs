//! The ExplanationOfBenefit search parameters only API v3 honours (`_tag`, `_source`,
//! `outcome`, `_id`, `_security:not`); v1 and v2 silently drop them, so a search naming one on
//! those versions is refused before anything is sent rather than returning unfiltered claims.

use std::fmt;

/// A FHIR token: a code, optionally with its system (sent as `system|code`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Token {
    /// The code system URL, if any.
    pub system: Option<String>,
    /// The code.
    pub code: String,
}

impl Token {
    /// A code of any system (sent as the bare code).
    pub fn code(code: impl Into<String>) -> Self {
        Self {
            system: None,
            code: code.into(),
        }
    }

    /// A code of `system` (sent as `system|code`).
    pub fn with_system(system: impl Into<String>, code: impl Into<String>) -> Self {
        Self {
            system: Some(system.into()),
            code: code.into(),
        }
    }

    /// The 42 CFR Part 2 (substance use disorder, SAMHSA) security label: claims carrying it
    /// are left out with [`crate::EobSearch::exclude_security_label`].
    pub fn samhsa() -> Self {
        Self::code("42CFRPart2")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.system {
            Some(system) => write!(f, "{system}|{}", self.code),
            None => f.write_str(&self.code),
        }
    }
}

/// Where a v3 claim comes from (`meta.source`, searched with `_source`).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClaimSource {
    /// Medicare fee-for-service claims history (`NationalClaimsHistory`).
    NationalClaimsHistory,
    /// Claims from the shared processing systems (`SharedSystem`), which arrive earlier.
    SharedSystem,
    /// Part D prescription drug events (`DDPS`).
    Ddps,
}

impl ClaimSource {
    /// The `meta.source` value, as sent in `_source`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NationalClaimsHistory => "NationalClaimsHistory",
            Self::SharedSystem => "SharedSystem",
            Self::Ddps => "DDPS",
        }
    }

    /// The source a `meta.source` value names.
    pub fn from_meta_source(source: &str) -> Option<Self> {
        [Self::NationalClaimsHistory, Self::SharedSystem, Self::Ddps]
            .into_iter()
            .find(|s| s.as_str() == source)
    }
}

/// A claim's processing outcome (`ExplanationOfBenefit.outcome`, searched with `outcome`).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClaimOutcome {
    /// `queued`.
    Queued,
    /// `complete`.
    Complete,
    /// `error`.
    Error,
    /// `partial`.
    Partial,
}

impl ClaimOutcome {
    /// The code, as sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Complete => "complete",
            Self::Error => "error",
            Self::Partial => "partial",
        }
    }
}

/// The v3-only filters of one EOB search.
#[derive(Clone, Debug, Default)]
pub(crate) struct V3Filters {
    pub(crate) tags: Vec<Token>,
    pub(crate) sources: Vec<ClaimSource>,
    pub(crate) outcomes: Vec<ClaimOutcome>,
    pub(crate) ids: Vec<String>,
    pub(crate) security_not: Vec<Token>,
}

impl V3Filters {
    /// True when no v3-only parameter was named.
    pub(crate) fn is_empty(&self) -> bool {
        self.tags.is_empty()
            && self.sources.is_empty()
            && self.outcomes.is_empty()
            && self.ids.is_empty()
            && self.security_not.is_empty()
    }

    /// The query pairs: one `_tag` and one `_security:not` per token (the server ANDs
    /// repeated parameters), and `_source`, `outcome`, `_id` as comma lists (ORed).
    pub(crate) fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs: Vec<(&'static str, String)> = Vec::new();
        pairs.extend(self.tags.iter().map(|t| ("_tag", t.to_string())));
        let list = |items: Vec<&str>| items.join(",");
        if !self.sources.is_empty() {
            pairs.push((
                "_source",
                list(self.sources.iter().map(|s| s.as_str()).collect()),
            ));
        }
        if !self.outcomes.is_empty() {
            pairs.push((
                "outcome",
                list(self.outcomes.iter().map(|o| o.as_str()).collect()),
            ));
        }
        if !self.ids.is_empty() {
            pairs.push(("_id", list(self.ids.iter().map(String::as_str).collect())));
        }
        pairs.extend(
            self.security_not
                .iter()
                .map(|t| ("_security:not", t.to_string())),
        );
        pairs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_lists_are_written_as_the_server_reads_them() {
        let filters = V3Filters {
            tags: vec![Token::with_system(
                "https://example.org/tags",
                "Adjudicated",
            )],
            sources: vec![ClaimSource::NationalClaimsHistory, ClaimSource::Ddps],
            outcomes: vec![ClaimOutcome::Complete],
            ids: vec!["a".into(), "b".into()],
            security_not: vec![Token::samhsa()],
        };
        assert!(!filters.is_empty());
        assert_eq!(
            filters.pairs(),
            [
                ("_tag", "https://example.org/tags|Adjudicated".to_owned()),
                ("_source", "NationalClaimsHistory,DDPS".to_owned()),
                ("outcome", "complete".to_owned()),
                ("_id", "a,b".to_owned()),
                ("_security:not", "42CFRPart2".to_owned()),
            ]
        );
        assert!(V3Filters::default().is_empty());
        assert_eq!(
            ClaimSource::from_meta_source("SharedSystem"),
            Some(ClaimSource::SharedSystem)
        );
        assert_eq!(ClaimSource::from_meta_source("NCH"), None);
    }
}
