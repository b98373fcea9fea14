//! The eight Medicare claim types and their codes in BFD's v2 resources.

/// The claim type of an ExplanationOfBenefit
/// (system `https://bluebutton.cms.gov/resources/codesystem/eob-type`).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ClaimType {
    /// Part B physician/supplier claims (local carriers).
    Carrier,
    /// Durable medical equipment claims.
    Dme,
    /// Home health agency claims.
    Hha,
    /// Hospice claims.
    Hospice,
    /// Inpatient hospital claims.
    Inpatient,
    /// Outpatient hospital claims.
    Outpatient,
    /// Part D prescription drug events.
    Pde,
    /// Skilled nursing facility claims.
    Snf,
}

impl ClaimType {
    /// All eight, in BFD's search order.
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

    /// The `eob-type` code, e.g. `CARRIER`.
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

    /// The lower-case form used by the `type` search parameter and as the resource id prefix.
    pub fn param(self) -> &'static str {
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

    /// Parses the lower-case form (case-insensitive).
    pub fn from_param(text: &str) -> Option<ClaimType> {
        ClaimType::ALL
            .into_iter()
            .find(|t| t.param().eq_ignore_ascii_case(text))
    }

    /// The position in [`ClaimType::ALL`].
    pub(crate) fn index(self) -> usize {
        ClaimType::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_round_trip() {
        for t in ClaimType::ALL {
            assert_eq!(
                ClaimType::from_param(&t.code().to_ascii_lowercase()),
                Some(t)
            );
            assert_eq!(ClaimType::ALL[t.index()], t);
        }
        assert_eq!(ClaimType::from_param("bogus"), None);
    }
}
