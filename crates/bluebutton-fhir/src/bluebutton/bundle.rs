//! Bundle helpers: typed entries and paging links.

use crate::{Bundle, Coverage, ExplanationOfBenefit, Patient, Resource};

impl Bundle {
    /// The URL of the link with `relation` (e.g. `next`, `self`), verbatim.
    pub fn link_url(&self, relation: &str) -> Option<&str> {
        self.link
            .iter()
            .find(|l| l.relation.as_deref() == Some(relation))
            .and_then(|l| l.url.as_deref())
    }

    /// The `next` page link, verbatim (follow it as-is; `None` on the last page).
    pub fn next_link(&self) -> Option<&str> {
        self.link_url("next")
    }

    /// The entries' resources, typed (unsupported types as [`Resource::Other`]).
    pub fn resources(&self) -> impl Iterator<Item = &Resource> {
        self.entry.iter().filter_map(|e| e.resource.as_ref())
    }

    /// The entries' resources, by value.
    pub fn into_resources(self) -> impl Iterator<Item = Resource> {
        self.entry.into_iter().filter_map(|e| e.resource)
    }

    /// The ExplanationOfBenefit entries.
    pub fn explanation_of_benefits(&self) -> impl Iterator<Item = &ExplanationOfBenefit> {
        self.resources()
            .filter_map(Resource::as_explanation_of_benefit)
    }

    /// The Patient entries.
    pub fn patients(&self) -> impl Iterator<Item = &Patient> {
        self.resources().filter_map(Resource::as_patient)
    }

    /// The Coverage entries.
    pub fn coverages(&self) -> impl Iterator<Item = &Coverage> {
        self.resources().filter_map(Resource::as_coverage)
    }
}
