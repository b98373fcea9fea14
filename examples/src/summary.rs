//! Fetches a beneficiary's data (Patient, Coverage, every claim) and renders a readable summary.

use std::collections::BTreeMap;
use std::fmt;

use bluebutton::CoverageStatus;
use bluebutton::prelude::*;
use futures_util::TryStreamExt;
use time::Date;

/// Claims of one type: how many and what Medicare paid (in cents).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClaimStats {
    /// Number of claims.
    pub claims: usize,
    /// Sum of the paid amounts, in cents.
    pub paid_cents: i128,
}

/// One Medicare part the beneficiary has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoverageLine {
    /// `Part A`...
    pub part: String,
    /// `active`...
    pub status: String,
    /// Coverage start.
    pub start: Option<Date>,
}

/// What the quickstart prints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    /// The patient id (from the token; else the token key).
    pub patient_id: String,
    /// Name, when demographics were shared.
    pub name: Option<String>,
    /// Birth date, when shared.
    pub birth_date: Option<Date>,
    /// Whether demographics were shared.
    pub demographics: bool,
    /// Medicare parts.
    pub coverage: Vec<CoverageLine>,
    /// Claims per type.
    pub claims: BTreeMap<String, ClaimStats>,
    /// EOB pages fetched.
    pub pages: usize,
    /// Page size used.
    pub page_size: u32,
    /// Earliest and latest service dates.
    pub first_service: Option<Date>,
    /// Latest service date.
    pub last_service: Option<Date>,
}

impl Summary {
    /// All claims.
    pub fn total_claims(&self) -> usize {
        self.claims.values().map(|s| s.claims).sum()
    }

    /// All paid amounts, in cents.
    pub fn total_paid_cents(&self) -> i128 {
        self.claims.values().map(|s| s.paid_cents).sum()
    }
}

/// Fetches Patient (if shared), Coverage and every EOB page of `beneficiary`.
pub async fn fetch(beneficiary: &Beneficiary, page_size: u32) -> Result<Summary, Error> {
    let token = beneficiary.token().await?;
    let demographics = token.grants(bluebutton::ScopeNeed::Demographics);
    let (name, birth_date) = if demographics {
        let patients: bluebutton::Bundle = beneficiary.patient().first().await?;
        let patient = patients.patients().next();
        (
            patient.and_then(|p| p.display_name()),
            patient.and_then(|p| p.date_of_birth()),
        )
    } else {
        (None, None)
    };

    let coverage = beneficiary
        .coverage()
        .all::<bluebutton::Coverage>()
        .await?
        .iter()
        .map(|c| CoverageLine {
            part: c
                .part()
                .map_or_else(|| "Part ?".to_owned(), |p| p.to_string()),
            status: match c.coverage_status() {
                Some(CoverageStatus::Active) => "active",
                Some(CoverageStatus::Cancelled) => "cancelled",
                Some(CoverageStatus::Draft) => "draft",
                Some(CoverageStatus::EnteredInError) => "entered-in-error",
                _ => "unknown",
            }
            .to_owned(),
            start: c.coverage_period().0,
        })
        .collect();

    let mut claims: BTreeMap<String, ClaimStats> = BTreeMap::new();
    let (mut first_service, mut last_service) = (None::<Date>, None::<Date>);
    let mut pages = beneficiary
        .explanation_of_benefit()
        .page_size(page_size)
        .pages::<bluebutton::Bundle>();
    let mut page_count = 0;
    while let Some(page) = pages.try_next().await? {
        page_count += 1;
        for eob in page.explanation_of_benefits() {
            let kind = eob
                .claim_type()
                .map_or_else(|| "other".to_owned(), |t| t.to_string());
            let stats = claims.entry(kind).or_default();
            stats.claims += 1;
            stats.paid_cents += eob.totals().paid.and_then(|p| p.to_cents()).unwrap_or(0);
            let (start, end) = eob.service_dates();
            if let Some(start) = start {
                first_service = Some(first_service.map_or(start, |f| f.min(start)));
            }
            if let Some(end) = end {
                last_service = Some(last_service.map_or(end, |l| l.max(end)));
            }
        }
    }
    Ok(Summary {
        patient_id: token.patient().unwrap_or(beneficiary.key()).to_owned(),
        name,
        birth_date,
        demographics,
        coverage,
        claims,
        pages: page_count,
        page_size,
        first_service,
        last_service,
    })
}

/// `1234567` cents as `$12,345.67`.
pub fn dollars(cents: i128) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    let whole = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{sign}${grouped}.{:02}", cents % 100)
}

fn date(d: Option<Date>) -> String {
    d.map_or_else(|| "unknown".to_owned(), |d| d.to_string())
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Beneficiary {}", self.patient_id)?;
        if self.demographics {
            writeln!(
                f,
                "  name:        {}",
                self.name.as_deref().unwrap_or("unknown")
            )?;
            writeln!(f, "  born:        {}", date(self.birth_date))?;
        } else {
            writeln!(f, "  demographics not shared (no patient/Patient scope)")?;
        }
        writeln!(f, "Coverage")?;
        for line in &self.coverage {
            writeln!(
                f,
                "  {:<7}  {:<9} since {}",
                line.part,
                line.status,
                date(line.start)
            )?;
        }
        writeln!(
            f,
            "Claims: {} in {} pages of up to {}",
            self.total_claims(),
            self.pages,
            self.page_size
        )?;
        writeln!(f, "  {:<11} {:>6}  {:>14}", "type", "claims", "paid")?;
        for (kind, stats) in &self.claims {
            writeln!(
                f,
                "  {:<11} {:>6}  {:>14}",
                kind,
                stats.claims,
                dollars(stats.paid_cents)
            )?;
        }
        writeln!(
            f,
            "  {:<11} {:>6}  {:>14}",
            "total",
            self.total_claims(),
            dollars(self.total_paid_cents())
        )?;
        write!(
            f,
            "Service dates: {} to {}",
            date(self.first_service),
            date(self.last_service)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollars_are_grouped() {
        assert_eq!(dollars(0), "$0.00");
        assert_eq!(dollars(5), "$0.05");
        assert_eq!(dollars(123_456_789), "$1,234,567.89");
        assert_eq!(dollars(-100_000), "-$1,000.00");
    }
}
