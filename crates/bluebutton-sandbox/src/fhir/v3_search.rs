//! The v3-only search parameters: `_offset` paging on every resource, and on ExplanationOfBenefit
//! `_tag`, `_source` (default `NationalClaimsHistory,DDPS`), `outcome`, `_id` and `_security:not`
//! (with `42CFRPart2` added when the beneficiary did not share those claims).

use super::params::Invalid;
use crate::data::{ClaimSource, ClaimTraits, SAMHSA_CODE};
use crate::oauth::store::Terms;

/// A token parameter value: `code` or `system|code` (an empty system matches any).
#[derive(Clone, Debug, PartialEq, Eq)]
struct TokenValue {
    system: Option<String>,
    code: String,
}

impl TokenValue {
    fn parse(text: &str) -> TokenValue {
        match text.trim().split_once('|') {
            Some((system, code)) => TokenValue {
                system: (!system.is_empty()).then(|| system.to_owned()),
                code: code.to_owned(),
            },
            None => TokenValue {
                system: None,
                code: text.trim().to_owned(),
            },
        }
    }

    fn matches(&self, codings: &[(String, String)]) -> bool {
        codings.iter().any(|(system, code)| {
            *code == self.code && self.system.as_ref().is_none_or(|s| s == system)
        })
    }
}

/// A comma list of token values (any one matches).
fn token_list(text: &str) -> Vec<TokenValue> {
    text.split(',')
        .filter(|v| !v.trim().is_empty())
        .map(TokenValue::parse)
        .collect()
}

/// The validated v3-only parameters of one search.
#[derive(Clone, Debug, Default)]
pub(crate) struct V3Query {
    /// `_offset`: the index of the first entry (wins over `startIndex`).
    pub(crate) offset: Option<usize>,
    /// Whether this is an ExplanationOfBenefit search (the only one the filters apply to).
    eob: bool,
    /// Every `_tag` must match (each a comma list).
    tags: Vec<Vec<TokenValue>>,
    /// `_source`: the sources let through.
    sources: Vec<ClaimSource>,
    /// `outcome`: the outcomes let through (`None`: all).
    outcomes: Option<Vec<String>>,
    /// `_id`: the ids let through (`None`: all).
    ids: Option<Vec<String>>,
    /// `_security:not`: no label may match.
    security_not: Vec<TokenValue>,
    /// The parameters the paging links repeat (`_source` and `_security:not` as applied).
    pub(crate) link_filters: Vec<(String, String)>,
}

impl V3Query {
    /// Reads the v3 parameters of a search of `resource` by a token with `terms`.
    pub(crate) fn parse(
        resource: &str,
        pairs: &[(String, String)],
        terms: Terms,
    ) -> Result<V3Query, Invalid> {
        let eob = resource == "ExplanationOfBenefit";
        let mut query = V3Query {
            eob,
            ..V3Query::default()
        };
        let mut sources: Option<Vec<ClaimSource>> = None;
        let mut other_links = Vec::new();
        for (key, value) in pairs {
            match key.as_str() {
                "_offset" => {
                    let n = value
                        .trim()
                        .parse::<i64>()
                        .map_err(|_| Invalid("expected int".to_owned()))?;
                    query.offset = Some(n.max(0) as usize);
                }
                "_tag" if eob => {
                    query.tags.push(token_list(value));
                    other_links.push((key.clone(), value.clone()));
                }
                "_source" if eob => {
                    // An unknown source matches no claim.
                    sources
                        .get_or_insert_with(Vec::new)
                        .extend(value.split(',').filter_map(ClaimSource::from_param));
                }
                "outcome" if eob => {
                    query
                        .outcomes
                        .get_or_insert_with(Vec::new)
                        .extend(value.split(',').map(|v| v.trim().to_owned()));
                    other_links.push((key.clone(), value.clone()));
                }
                "_id" if eob => {
                    query
                        .ids
                        .get_or_insert_with(Vec::new)
                        .extend(value.split(',').map(|v| v.trim().to_owned()));
                    other_links.push((key.clone(), value.clone()));
                }
                "_security:not" if eob => {
                    query.security_not.extend(token_list(value));
                }
                _ => {}
            }
        }
        if !eob {
            return Ok(query);
        }
        // The server asks for fully adjudicated and Part D claims unless told otherwise.
        query.sources =
            sources.unwrap_or_else(|| vec![ClaimSource::NationalClaimsHistory, ClaimSource::Ddps]);
        let named: Vec<&str> = query.sources.iter().map(|s| s.name()).collect();
        query
            .link_filters
            .push(("_source".to_owned(), named.join(",")));
        if !terms.shares_samhsa && !query.security_not.iter().any(|t| t.code == SAMHSA_CODE) {
            query.security_not.push(TokenValue::parse(SAMHSA_CODE));
        }
        if !query.security_not.is_empty() {
            let labels: Vec<String> = query
                .security_not
                .iter()
                .map(|t| match &t.system {
                    Some(system) => format!("{system}|{}", t.code),
                    None => t.code.clone(),
                })
                .collect();
            query
                .link_filters
                .push(("_security:not".to_owned(), labels.join(",")));
        }
        query.link_filters.extend(other_links);
        Ok(query)
    }

    /// Whether the claim passes the v3 filters (`id` is asked for only when `_id` is given).
    pub(crate) fn admits(&self, traits: &ClaimTraits, id: impl FnOnce() -> Option<String>) -> bool {
        if !self.eob {
            return true;
        }
        if !traits.source.is_some_and(|s| self.sources.contains(&s)) {
            return false;
        }
        if self
            .security_not
            .iter()
            .any(|t| t.matches(&traits.security))
        {
            return false;
        }
        if !self
            .tags
            .iter()
            .all(|any| any.iter().any(|t| t.matches(&traits.tags)))
        {
            return false;
        }
        if let Some(outcomes) = &self.outcomes
            && !outcomes.contains(&traits.outcome)
        {
            return false;
        }
        if let Some(ids) = &self.ids {
            return id().is_some_and(|id| ids.contains(&id));
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::router::Version;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn traits(source: ClaimSource, samhsa: bool, outcome: &str, tag: &str) -> ClaimTraits {
        ClaimTraits {
            source: Some(source),
            outcome: outcome.to_owned(),
            tags: vec![("https://example.org/tags".to_owned(), tag.to_owned())],
            security: if samhsa {
                vec![(
                    "http://terminology.hl7.org/CodeSystem/v3-ActCode".to_owned(),
                    SAMHSA_CODE.to_owned(),
                )]
            } else {
                Vec::new()
            },
        }
    }

    const SHARES: Terms = Terms {
        version: Version::V3,
        shares_samhsa: true,
    };
    const DECLINES: Terms = Terms {
        version: Version::V3,
        shares_samhsa: false,
    };

    #[test]
    fn defaults_leave_out_shared_system_claims_and_declined_labels() {
        let q = V3Query::parse("ExplanationOfBenefit", &[], DECLINES).expect("valid");
        let nch = traits(ClaimSource::NationalClaimsHistory, false, "complete", "A");
        assert!(q.admits(&nch, || None));
        assert!(q.admits(&traits(ClaimSource::Ddps, false, "complete", "A"), || None));
        assert!(!q.admits(
            &traits(ClaimSource::SharedSystem, false, "partial", "A"),
            || None
        ));
        assert!(!q.admits(
            &traits(ClaimSource::NationalClaimsHistory, true, "complete", "A"),
            || None
        ));
        assert_eq!(
            q.link_filters,
            pairs(&[
                ("_source", "NationalClaimsHistory,DDPS"),
                ("_security:not", "42CFRPart2")
            ])
        );
        let shared = V3Query::parse("ExplanationOfBenefit", &[], SHARES).expect("valid");
        assert!(shared.admits(
            &traits(ClaimSource::NationalClaimsHistory, true, "complete", "A"),
            || None
        ));
    }

    #[test]
    fn explicit_parameters_filter_and_offset_is_read_everywhere() {
        let q = V3Query::parse(
            "ExplanationOfBenefit",
            &pairs(&[
                ("_source", "SharedSystem"),
                ("outcome", "partial"),
                ("_tag", "https://example.org/tags|B,C"),
                ("_offset", "20"),
            ]),
            SHARES,
        )
        .expect("valid");
        assert_eq!(q.offset, Some(20));
        assert!(q.admits(
            &traits(ClaimSource::SharedSystem, false, "partial", "B"),
            || None
        ));
        assert!(!q.admits(
            &traits(ClaimSource::SharedSystem, false, "partial", "A"),
            || None
        ));
        assert!(!q.admits(
            &traits(ClaimSource::SharedSystem, false, "complete", "B"),
            || None
        ));
        assert!(!q.admits(
            &traits(ClaimSource::NationalClaimsHistory, false, "partial", "B"),
            || None
        ));
        let by_id = V3Query::parse("ExplanationOfBenefit", &pairs(&[("_id", "a,b")]), SHARES)
            .expect("valid");
        let nch = traits(ClaimSource::NationalClaimsHistory, false, "complete", "A");
        assert!(by_id.admits(&nch, || Some("b".to_owned())));
        assert!(!by_id.admits(&nch, || Some("c".to_owned())));
        let patient = V3Query::parse(
            "Patient",
            &pairs(&[("_offset", "3"), ("_source", "x")]),
            DECLINES,
        )
        .expect("valid");
        assert_eq!(patient.offset, Some(3));
        assert!(patient.link_filters.is_empty());
        assert_eq!(
            V3Query::parse("Coverage", &pairs(&[("_offset", "x")]), SHARES).err(),
            Some(Invalid("expected int".to_owned()))
        );
    }
}
