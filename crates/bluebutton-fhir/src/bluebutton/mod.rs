//! Blue Button 2.0 helpers over the generated models: claim types, code systems and the views.
//!
//! The views are traits implemented by the R4 models (API v2/v3) and the STU3 models (API v1,
//! [`crate::stu3`]) alike, so code written once against them reads every API version:
//! [`ClaimView`] (claim type and use, dates, totals, line items, diagnoses, NPIs), [`PatientView`]
//! (MBIs, name, birth date), [`CoverageView`] (Medicare part, status, period) and [`BundleView`]
//! (paging links and typed entries). Bring them into scope with `use bluebutton_fhir::bluebutton::prelude::*`.

mod bundle;
mod claim_type;
mod codes;
mod coverage;
mod eob;
mod patient;
pub mod systems;

pub use bundle::BundleView;
pub use claim_type::ClaimType;
pub use codes::{ExtensionLookup, resolve_contained};
pub use coverage::{CoveragePart, CoverageStatus, CoverageView};
pub use eob::{ClaimUse, ClaimView, DiagnosisCode, EobTotals, LineItem, ProductCode};
pub use patient::{Mbi, PatientView};

/// The view traits, imported anonymously (`use bluebutton_fhir::bluebutton::prelude::*`).
pub mod prelude {
    pub use super::{
        BundleView as _, ClaimView as _, CoverageView as _, ExtensionLookup as _, PatientView as _,
    };
}
