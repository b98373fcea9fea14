//! Coverage helpers through [`CoverageView`], on the R4 and the STU3 models: Medicare part
//! (A/B/C/D), status and coverage period.

use std::fmt;

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

/// The Blue Button view of a Coverage, for the R4 ([`crate::Coverage`]) and the STU3
/// ([`crate::stu3::Coverage`]) model alike.
pub trait CoverageView {
    /// The resource id, e.g. `part-a-567834`.
    fn coverage_id(&self) -> Option<&str>;

    /// The Medicare part: R4 the `plan` class value (`Part A`...), STU3 `grouping.subPlan`; else
    /// the id prefix (`part-a-...`).
    fn part(&self) -> Option<CoveragePart>;

    /// The status, when it is one of the four FHIR codes.
    fn coverage_status(&self) -> Option<CoverageStatus>;

    /// Start and end dates of the coverage period (each `None` when absent or not given to the day).
    fn coverage_period(&self) -> (Option<time::Date>, Option<time::Date>);
}

fn status_from_code(code: Option<&str>) -> Option<CoverageStatus> {
    match code? {
        "active" => Some(CoverageStatus::Active),
        "cancelled" => Some(CoverageStatus::Cancelled),
        "draft" => Some(CoverageStatus::Draft),
        "entered-in-error" => Some(CoverageStatus::EnteredInError),
        _ => None,
    }
}

/// The `CoverageView` methods whose elements have the same names in every release, for the
/// release module in scope as `fhir`.
macro_rules! shared_coverage_methods {
    () => {
        fn coverage_id(&self) -> Option<&str> {
            self.id.as_deref()
        }

        fn coverage_status(&self) -> Option<CoverageStatus> {
            status_from_code(self.status.as_deref())
        }

        fn coverage_period(&self) -> (Option<time::Date>, Option<time::Date>) {
            match &self.period {
                Some(p) => (
                    p.start.as_ref().and_then(|d| d.to_date()),
                    p.end.as_ref().and_then(|d| d.to_date()),
                ),
                None => (None, None),
            }
        }
    };
}

impl CoverageView for crate::Coverage {
    shared_coverage_methods!();

    fn part(&self) -> Option<CoveragePart> {
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
}

impl CoverageView for crate::stu3::Coverage {
    shared_coverage_methods!();

    fn part(&self) -> Option<CoveragePart> {
        self.grouping
            .as_ref()
            .and_then(|g| part_from_text(g.sub_plan.as_deref()?))
            .or_else(|| part_from_text(self.id.as_deref()?))
    }
}
