//! Blue Button 2.0 helpers over the generated models: claim types, code systems and typed accessors.
//!
//! Most helpers are inherent methods on the generated types (e.g. [`crate::ExplanationOfBenefit::totals`],
//! [`crate::Patient::current_mbi`], [`crate::Coverage::part`], [`crate::Bundle::next_link`]).

mod bundle;
mod claim_type;
mod codes;
mod coverage;
mod eob;
mod patient;
pub mod systems;

pub use claim_type::ClaimType;
pub use codes::{ExtensionLookup, resolve_contained};
pub use coverage::{CoveragePart, CoverageStatus};
pub use eob::{DiagnosisCode, EobTotals, LineItem};
pub use patient::Mbi;
