//! Coverage helpers: Medicare part (A/B/C/D), status and coverage period.

use std::fmt;

use crate::Coverage;

/// A Medicare part.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum CoveragePart {
    /// Part A: hospital insurance.
    A,
    /// Part B: medical insurance.
    B,
    /// Part C: Medicare Advantage.
    C,
    /// Part D: prescription drug coverage.
    D,
}

impl fmt::Display for CoveragePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let letter = match self {
            CoveragePart::A => "A",
            CoveragePart::B => "B",
            CoveragePart::C => "C",
            CoveragePart::D => "D",
        };
        write!(f, "Part {letter}")
    }
}

/// `Coverage.status` (FHIR financial resource status codes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CoverageStatus {
    /// `active`
    Active,
    /// `cancelled`
    Cancelled,
    /// `draft`
    Draft,
    /// `entered-in-error`
    EnteredInError,
}

fn part_from_text(text: &str) -> Option<CoveragePart> {
    let letter = text
        .trim()
        .strip_prefix("Part ")
        .or_else(|| text.trim().strip_prefix("part-"))?;
    match letter.get(..1)? {
        "A" | "a" => Some(CoveragePart::A),
        "B" | "b" => Some(CoveragePart::B),
        "C" | "c" => Some(CoveragePart::C),
        "D" | "d" => Some(CoveragePart::D),
        _ => None,
    }
}

impl Coverage {
    /// The Medicare part: the `plan` class value (`Part A`...), else the id prefix (`part-a-...`).
    pub fn part(&self) -> Option<CoveragePart> {
        self.class
            .iter()
            .filter(|c| {
                c.type_
                    .as_ref()
                    .is_some_and(|t| t.coding.iter().any(|x| x.code.as_deref() == Some("plan")))
            })
            .find_map(|c| part_from_text(c.value.as_deref()?))
            .or_else(|| part_from_text(self.id.as_deref()?))
    }

    /// The status, when it is one of the four FHIR codes.
    pub fn coverage_status(&self) -> Option<CoverageStatus> {
        match self.status.as_deref()? {
            "active" => Some(CoverageStatus::Active),
            "cancelled" => Some(CoverageStatus::Cancelled),
            "draft" => Some(CoverageStatus::Draft),
            "entered-in-error" => Some(CoverageStatus::EnteredInError),
            _ => None,
        }
    }

    /// Start and end dates of the coverage period (each `None` when absent or not given to the day).
    pub fn coverage_period(&self) -> (Option<time::Date>, Option<time::Date>) {
        match &self.period {
            Some(p) => (
                p.start.as_ref().and_then(|d| d.to_date()),
                p.end.as_ref().and_then(|d| d.to_date()),
            ),
            None => (None, None),
        }
    }
}
