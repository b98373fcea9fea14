//! Bundle helpers through [`BundleView`], on the R4 and the STU3 models: paging links and typed
//! entries.

use crate::bluebutton::{ClaimView, CoverageView, PatientView};

/// The Blue Button view of a search Bundle, for the R4 ([`crate::Bundle`]) and the STU3
/// ([`crate::stu3::Bundle`]) model alike, with the release's resource types.
pub trait BundleView {
    /// The release's `Resource` enum.
    type Resource;
    /// The release's ExplanationOfBenefit.
    type ExplanationOfBenefit: ClaimView;
    /// The release's Patient.
    type Patient: PatientView;
    /// The release's Coverage.
    type Coverage: CoverageView;

    /// The URL of the link with `relation` (e.g. `next`, `self`), verbatim.
    fn link_url(&self, relation: &str) -> Option<&str>;

    /// The `next` page link, verbatim (follow it as-is; `None` on the last page).
    fn next_link(&self) -> Option<&str> {
        self.link_url("next")
    }

    /// `total`, when the server sent it.
    fn total_count(&self) -> Option<i64>;

    /// The entries' resources, typed (unsupported types as `Resource::Other`).
    fn resources(&self) -> impl Iterator<Item = &Self::Resource>;

    /// The entries' resources, by value.
    fn into_resources(self) -> impl Iterator<Item = Self::Resource>;

    /// The ExplanationOfBenefit entries.
    fn explanation_of_benefits(&self) -> impl Iterator<Item = &Self::ExplanationOfBenefit>;

    /// The Patient entries.
    fn patients(&self) -> impl Iterator<Item = &Self::Patient>;

    /// The Coverage entries.
    fn coverages(&self) -> impl Iterator<Item = &Self::Coverage>;
}

/// `impl BundleView` for the release module in scope as `fhir` (the elements have the same names).
macro_rules! bundle_view {
    () => {
        use super::BundleView;

        impl BundleView for fhir::Bundle {
            type Resource = fhir::Resource;
            type ExplanationOfBenefit = fhir::ExplanationOfBenefit;
            type Patient = fhir::Patient;
            type Coverage = fhir::Coverage;

            fn link_url(&self, relation: &str) -> Option<&str> {
                self.link
                    .iter()
                    .find(|l| l.relation.as_deref() == Some(relation))
                    .and_then(|l| l.url.as_deref())
            }

            fn total_count(&self) -> Option<i64> {
                self.total
            }

            fn resources(&self) -> impl Iterator<Item = &fhir::Resource> {
                self.entry.iter().filter_map(|e| e.resource.as_ref())
            }

            fn into_resources(self) -> impl Iterator<Item = fhir::Resource> {
                self.entry.into_iter().filter_map(|e| e.resource)
            }

            fn explanation_of_benefits(&self) -> impl Iterator<Item = &fhir::ExplanationOfBenefit> {
                self.resources()
                    .filter_map(fhir::Resource::as_explanation_of_benefit)
            }

            fn patients(&self) -> impl Iterator<Item = &fhir::Patient> {
                self.resources().filter_map(fhir::Resource::as_patient)
            }

            fn coverages(&self) -> impl Iterator<Item = &fhir::Coverage> {
                self.resources().filter_map(fhir::Resource::as_coverage)
            }
        }
    };
}

mod r4 {
    use crate as fhir;
    bundle_view!();
}

mod stu3 {
    use crate::stu3 as fhir;
    bundle_view!();
}
