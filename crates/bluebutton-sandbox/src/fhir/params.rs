//! Search parameters: the real validation (messages included), unknown parameters dropped.

use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

use crate::data::{ClaimSummary, ClaimType};

/// A comparison prefix of `service-date` / `_lastUpdated`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    Lt,
    Le,
    Gt,
    Ge,
}

/// A bound: a whole day, or an instant.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Bound {
    Day(Date),
    Instant(OffsetDateTime),
}

/// The validated parameters of one search.
#[derive(Clone, Debug, Default)]
pub(crate) struct SearchParams {
    pub(crate) count: usize,
    pub(crate) start_index: usize,
    pub(crate) types: Option<Vec<ClaimType>>,
    pub(crate) service_date: Vec<(Op, Bound)>,
    pub(crate) last_updated: Vec<(Op, Bound)>,
    pub(crate) patient: Option<String>,
    pub(crate) beneficiary: Option<String>,
    pub(crate) id: Option<String>,
    pub(crate) identifier: Option<String>,
    /// The raw filter parameters kept for the paging links (`type`, `service-date`, `_lastUpdated`).
    pub(crate) link_filters: Vec<(String, String)>,
}

/// Why a search is rejected: the `detail` text of the 400.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Invalid(pub(crate) String);

fn int(text: &str) -> Result<i64, Invalid> {
    text.trim()
        .parse::<i64>()
        .map_err(|_| Invalid("expected int".to_owned()))
}

fn split_op(text: &str) -> Option<(Op, &str)> {
    let op = match text.get(..2)? {
        "lt" => Op::Lt,
        "le" => Op::Le,
        "gt" => Op::Gt,
        "ge" => Op::Ge,
        _ => return None,
    };
    let rest = &text[2..];
    (!rest.is_empty()).then_some((op, rest))
}

fn bound(text: &str) -> Result<Bound, Invalid> {
    if text.len() == 10 {
        return crate::data::parse_date(text)
            .map(Bound::Day)
            .ok_or_else(|| upstream(text));
    }
    OffsetDateTime::parse(text, &Rfc3339)
        .map(Bound::Instant)
        .map_err(|_| upstream(text))
}

fn upstream(text: &str) -> Invalid {
    Invalid(format!(
        "An error occurred contacting the upstream server:Invalid date/time format: '{text}'"
    ))
}

/// Validates `pairs` for a search of `resource`.
pub(crate) fn parse(resource: &str, pairs: &[(String, String)]) -> Result<SearchParams, Invalid> {
    let mut params = SearchParams {
        count: 10,
        ..SearchParams::default()
    };
    let eob = resource == "ExplanationOfBenefit";
    for (key, value) in pairs {
        match key.as_str() {
            "_count" | "count" => {
                let n = int(value)?;
                if n > 50 {
                    return Err(Invalid("value must be at most 50".to_owned()));
                }
                if n < 0 {
                    return Err(Invalid("value must be at least 0".to_owned()));
                }
                params.count = n as usize;
            }
            "startIndex" => params.start_index = int(value)?.max(0) as usize,
            "_lastUpdated" => {
                let (op, rest) = split_op(value)
                    .ok_or_else(|| Invalid("the _lastUpdated operator is not valid".to_owned()))?;
                params.last_updated.push((op, bound(rest)?));
                params.link_filters.push((key.clone(), value.clone()));
            }
            "type" if eob => {
                let mut types = params.types.take().unwrap_or_default();
                for item in value.split(',') {
                    let item = item.trim();
                    let code = item
                        .strip_prefix("https://bluebutton.cms.gov/resources/codesystem/eob-type|")
                        .unwrap_or(item);
                    let t = ClaimType::from_param(code).ok_or_else(|| {
                        Invalid("the type parameter value is not valid".to_owned())
                    })?;
                    types.push(t);
                }
                params.types = Some(types);
                params.link_filters.push((key.clone(), value.clone()));
            }
            "service-date" if eob => {
                let (op, rest) = split_op(value)
                    .ok_or_else(|| Invalid("the service-date operator is not valid".to_owned()))?;
                params.service_date.push((op, bound(rest)?));
                params.link_filters.push((key.clone(), value.clone()));
            }
            "patient" if eob => params.patient = Some(value.clone()),
            "beneficiary" if resource == "Coverage" => params.beneficiary = Some(value.clone()),
            "_id" if resource == "Patient" => params.id = Some(value.clone()),
            "identifier" if resource == "Patient" => params.identifier = Some(value.clone()),
            // Everything else is dropped silently, as the real server does.
            _ => {}
        }
    }
    Ok(params)
}

fn day_matches(op: Op, value: Date, bound: Date) -> bool {
    match op {
        Op::Lt => value < bound,
        Op::Le => value <= bound,
        Op::Gt => value > bound,
        Op::Ge => value >= bound,
    }
}

fn instant_matches(op: Op, value: OffsetDateTime, bound: Bound) -> bool {
    let (low, high) = match bound {
        Bound::Day(d) => {
            let low = d.midnight().assume_utc();
            (low, low + time::Duration::DAY)
        }
        Bound::Instant(t) => (t, t),
    };
    match (op, bound) {
        (Op::Lt, _) => value < low,
        (Op::Ge, _) => value >= low,
        (Op::Le, Bound::Day(_)) => value < high,
        (Op::Le, Bound::Instant(t)) => value <= t,
        (Op::Gt, Bound::Day(_)) => value >= high,
        (Op::Gt, Bound::Instant(t)) => value > t,
    }
}

impl SearchParams {
    /// Whether any claim filter is set.
    pub(crate) fn has_filters(&self) -> bool {
        self.types.is_some() || !self.service_date.is_empty() || !self.last_updated.is_empty()
    }

    /// Whether a claim passes the `type`, `service-date` and `_lastUpdated` filters.
    pub(crate) fn matches(&self, claim: &ClaimSummary) -> bool {
        if let Some(types) = &self.types
            && !types.contains(&claim.claim_type)
        {
            return false;
        }
        for (op, b) in &self.service_date {
            let Some(end) = claim.service_end else {
                return false;
            };
            let ok = match b {
                Bound::Day(d) => day_matches(*op, end, *d),
                Bound::Instant(t) => day_matches(*op, end, t.date()),
            };
            if !ok {
                return false;
            }
        }
        for (op, b) in &self.last_updated {
            let Some(updated) = claim.last_updated else {
                return false;
            };
            if !instant_matches(*op, updated, *b) {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn real_messages() {
        let err = |p: &[(&str, &str)]| parse("ExplanationOfBenefit", &pairs(p)).err().map(|e| e.0);
        assert_eq!(
            err(&[("_count", "51")]).as_deref(),
            Some("value must be at most 50")
        );
        assert_eq!(err(&[("_count", "abc")]).as_deref(), Some("expected int"));
        assert_eq!(err(&[("startIndex", "x")]).as_deref(), Some("expected int"));
        assert_eq!(
            err(&[("type", "bogus")]).as_deref(),
            Some("the type parameter value is not valid")
        );
        assert_eq!(
            err(&[("service-date", "2020-01-01")]).as_deref(),
            Some("the service-date operator is not valid")
        );
        assert_eq!(
            err(&[("_lastUpdated", "2020-01-01")]).as_deref(),
            Some("the _lastUpdated operator is not valid")
        );
        let ok = parse(
            "ExplanationOfBenefit",
            &pairs(&[
                (
                    "type",
                    "CARRIER,https://bluebutton.cms.gov/resources/codesystem/eob-type|pde",
                ),
                ("foo", "bar"),
            ]),
        );
        assert_eq!(
            ok.ok().and_then(|p| p.types),
            Some(vec![ClaimType::Carrier, ClaimType::Pde])
        );
    }

    #[test]
    fn day_bounds_cover_the_whole_day() {
        let day = time::macros::date!(2020 - 01 - 01);
        let noon = time::macros::datetime!(2020-01-01 12:00 UTC);
        assert!(!instant_matches(Op::Gt, noon, Bound::Day(day)));
        assert!(instant_matches(Op::Ge, noon, Bound::Day(day)));
        assert!(instant_matches(Op::Le, noon, Bound::Day(day)));
        assert!(!instant_matches(Op::Lt, noon, Bound::Day(day)));
        assert!(instant_matches(
            Op::Gt,
            noon,
            Bound::Instant(noon - time::Duration::SECOND)
        ));
    }
}
