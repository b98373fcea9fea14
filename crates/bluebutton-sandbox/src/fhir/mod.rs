//! The FHIR side of the API: Patient, Coverage and ExplanationOfBenefit read and search.

mod bundle;
pub(crate) mod handlers;
pub(crate) mod insurance_card;
mod json;
mod layout;
pub(crate) mod negotiate;
mod params;
mod v3_search;

pub(crate) use json::to_fhir_string;
pub use layout::JsonLayout;
