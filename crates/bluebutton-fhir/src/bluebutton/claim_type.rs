//! The Blue Button claim type of an ExplanationOfBenefit, read from the `eob-type` coding.

use std::fmt;
use std::str::FromStr;

use crate::FhirError;
use crate::bluebutton::ClaimView;

/// The eight Blue Button claim types (the `type` search parameter of the EOB endpoint).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ClaimType {
    /// Part B carrier (professional) claims.
    Carrier,
    /// Durable medical equipment claims.
    Dme,
    /// Home health agency claims.
    Hha,
    /// Hospice claims.
    Hospice,
    /// Inpatient institutional claims.
    Inpatient,
    /// Outpatient institutional claims.
    Outpatient,
    /// Part D prescription drug events.
    Pde,
    /// Skilled nursing facility claims.
    Snf,
}

impl ClaimType {
    /// Every claim type, in alphabetical order.
    pub const ALL: [ClaimType; 8] = [
        ClaimType::Carrier,
        ClaimType::Dme,
        ClaimType::Hha,
        ClaimType::Hospice,
        ClaimType::Inpatient,
        ClaimType::Outpatient,
        ClaimType::Pde,
        ClaimType::Snf,
    ];

    /// The code in the `https://bluebutton.cms.gov/resources/codesystem/eob-type` system, e.g. `CARRIER`.
    pub fn code(self) -> &'static str {
        match self {
            ClaimType::Carrier => "CARRIER",
            ClaimType::Dme => "DME",
            ClaimType::Hha => "HHA",
            ClaimType::Hospice => "HOSPICE",
            ClaimType::Inpatient => "INPATIENT",
            ClaimType::Outpatient => "OUTPATIENT",
            ClaimType::Pde => "PDE",
            ClaimType::Snf => "SNF",
        }
    }

    /// The lower-case name used in the `type` search parameter and in EOB ids, e.g. `carrier`.
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimType::Carrier => "carrier",
            ClaimType::Dme => "dme",
            ClaimType::Hha => "hha",
            ClaimType::Hospice => "hospice",
            ClaimType::Inpatient => "inpatient",
            ClaimType::Outpatient => "outpatient",
            ClaimType::Pde => "pde",
            ClaimType::Snf => "snf",
        }
    }

    /// The claim type of an EOB of any release, from its `type` coding in the Blue Button
    /// `eob-type` system (never from `meta.profile`, which BFD sets inconsistently); the same as
    /// [`ClaimView::claim_type`].
    pub fn of<E: ClaimView>(eob: &E) -> Option<ClaimType> {
        eob.claim_type()
    }
}

impl fmt::Display for ClaimType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ClaimType {
    type Err = FhirError;

    /// Accepts the code or the lower-case name, case-insensitively (`CARRIER`, `carrier`, `Carrier`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ClaimType::ALL
            .into_iter()
            .find(|t| t.code().eq_ignore_ascii_case(s))
            .ok_or_else(|| FhirError::InvalidPrimitive {
                kind: "Blue Button claim type",
                value: s.to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes_and_names() {
        for t in ClaimType::ALL {
            assert_eq!(t.code().parse::<ClaimType>().ok(), Some(t));
            assert_eq!(t.as_str().parse::<ClaimType>().ok(), Some(t));
        }
        assert!("medical".parse::<ClaimType>().is_err());
    }
}
