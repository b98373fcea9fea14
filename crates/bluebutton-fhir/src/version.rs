//! [`FhirVersion`]: the FHIR releases these models describe, to tell which one a type belongs to.

use std::fmt;

/// A FHIR release with typed models here: [`FhirVersion::R4`] (the crate root; Blue Button API v2
/// and v3) or [`FhirVersion::Stu3`] ([`crate::stu3`]; API v1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FhirVersion {
    /// FHIR STU3 (3.0.x).
    Stu3,
    /// FHIR R4 (4.0.1).
    R4,
}

impl FhirVersion {
    /// The release's name, `STU3` or `R4`.
    pub fn name(self) -> &'static str {
        match self {
            FhirVersion::Stu3 => "STU3",
            FhirVersion::R4 => "R4",
        }
    }
}

impl fmt::Display for FhirVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
