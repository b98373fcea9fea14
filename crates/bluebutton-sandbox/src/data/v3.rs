//! What v3 serves of a beneficiary (CARIN Blue Button 2.1 shapes) and what the v3-only
//! ExplanationOfBenefit search parameters know about each claim.

use serde_json::Value;

use super::{Beneficiary, ClaimSummary, Source};

/// The security label of claims protected by 42 CFR Part 2 (substance use disorder treatment).
pub(crate) const SAMHSA_CODE: &str = "42CFRPart2";
/// Its code system.
pub(crate) const SAMHSA_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
/// The code system of the final-action tag of v3 claims.
pub(crate) const FINAL_ACTION_SYSTEM: &str =
    "https://bluebutton.cms.gov/fhir/CodeSystem/Final-Action";

/// Where a v3 claim comes from (`meta.source`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ClaimSource {
    /// Fully adjudicated Part A/B claims.
    NationalClaimsHistory,
    /// Claims still in the Medicare shared systems (partially adjudicated).
    SharedSystem,
    /// Part D drug events.
    Ddps,
}

impl ClaimSource {
    /// The `meta.source` value.
    pub(crate) fn name(self) -> &'static str {
        match self {
            ClaimSource::NationalClaimsHistory => "NationalClaimsHistory",
            ClaimSource::SharedSystem => "SharedSystem",
            ClaimSource::Ddps => "DDPS",
        }
    }

    /// A `_source` value (the full name, or the short `NCH` / `SS` the server itself sends).
    pub(crate) fn from_param(text: &str) -> Option<ClaimSource> {
        match text.trim() {
            "NationalClaimsHistory" | "NCH" => Some(ClaimSource::NationalClaimsHistory),
            "SharedSystem" | "SS" => Some(ClaimSource::SharedSystem),
            "DDPS" => Some(ClaimSource::Ddps),
            _ => None,
        }
    }
}

/// What the v3 search parameters `_source`, `_tag`, `outcome` and `_security:not` look at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ClaimTraits {
    /// `meta.source`.
    pub(crate) source: Option<ClaimSource>,
    /// `outcome` (`complete`, `partial`, `queued`, `error`).
    pub(crate) outcome: String,
    /// `meta.tag` as `(system, code)`.
    pub(crate) tags: Vec<(String, String)>,
    /// `meta.security` as `(system, code)`.
    pub(crate) security: Vec<(String, String)>,
}

fn codings(resource: &Value, pointer: &str) -> Vec<(String, String)> {
    resource
        .pointer(pointer)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|c| {
            let text = |k: &str| {
                c.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            (text("system"), text("code"))
        })
        .collect()
}

impl ClaimTraits {
    /// The traits of a resource as written (a claim loaded from a file).
    pub(crate) fn of_resource(resource: &Value) -> ClaimTraits {
        ClaimTraits {
            source: resource
                .pointer("/meta/source")
                .and_then(Value::as_str)
                .and_then(ClaimSource::from_param),
            outcome: resource
                .get("outcome")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            tags: codings(resource, "/meta/tag"),
            security: codings(resource, "/meta/security"),
        }
    }
}

impl Beneficiary {
    /// The Patient as v3 serves it.
    pub(crate) fn v3_patient(&self) -> Value {
        match &self.source {
            Source::Synthetic { bene, .. } => bene.v3_patient(),
            Source::Loaded(loaded) => loaded.patient.clone(),
        }
    }

    /// The Coverage resources as v3 serves them.
    pub(crate) fn v3_coverages(&self) -> Vec<Value> {
        match &self.source {
            Source::Synthetic { bene, .. } => bene.v3_coverages(),
            Source::Loaded(loaded) => loaded.coverages.clone(),
        }
    }

    /// One claim's ExplanationOfBenefit as v3 serves it.
    pub(crate) fn v3_eob(&self, claim: &ClaimSummary) -> Value {
        match &self.source {
            Source::Synthetic { bene, .. } => bene.v3_eob(claim.slot, claim.claim_type),
            Source::Loaded(_) => self.eob(claim),
        }
    }

    /// The v3 ExplanationOfBenefit with this id, if it is this beneficiary's.
    pub(crate) fn v3_eob_by_id(&self, id: &str) -> Option<Value> {
        match &self.source {
            Source::Synthetic { bene, .. } => {
                let (slot, claim_type) = bene.parse_eob_id(id)?;
                Some(bene.v3_eob(slot, claim_type))
            }
            Source::Loaded(_) => self.eob_by_id(id),
        }
    }

    /// What the v3 search parameters know about one claim (without building it when synthetic).
    pub(crate) fn claim_traits(&self, claim: &ClaimSummary) -> ClaimTraits {
        match &self.source {
            Source::Synthetic { bene, .. } => bene.v3_traits(claim.slot, claim.claim_type),
            Source::Loaded(_) => ClaimTraits::of_resource(&self.eob(claim)),
        }
    }

    /// The id of one claim's ExplanationOfBenefit.
    pub(crate) fn claim_id(&self, claim: &ClaimSummary) -> Option<String> {
        match &self.source {
            Source::Synthetic { bene, .. } => Some(bene.eob_id(claim.slot, claim.claim_type)),
            Source::Loaded(_) => self
                .eob(claim)
                .get("id")
                .and_then(Value::as_str)
                .map(str::to_owned),
        }
    }
}
