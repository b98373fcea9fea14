//! The FHIR side of the API: Patient, Coverage and ExplanationOfBenefit read and search.

mod bundle;
pub(crate) mod handlers;
mod json;
pub(crate) mod negotiate;
mod params;

pub(crate) use json::to_fhir_string;
