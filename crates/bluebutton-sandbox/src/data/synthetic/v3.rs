//! v3 shaping of the synthetic beneficiaries: CARIN Blue Button 2.1 profiles, `meta.source`
//! (`NationalClaimsHistory`, `SharedSystem`, `DDPS`), final-action tags, warehouse-column
//! extensions, 42 CFR Part 2 security labels on a fixed share of claims, and prior-authorization
//! ExplanationOfBenefits mixed in with the claims. Every choice is a pure function of
//! `(seed, beneficiary, slot)`, so filters never build a resource to decide.

use serde_json::{Value, json};

use super::SyntheticBene;
use super::fhir::C4BB;
use crate::data::v3::{FINAL_ACTION_SYSTEM, SAMHSA_CODE, SAMHSA_SYSTEM};
use crate::data::{ClaimSource, ClaimTraits, ClaimType};

/// The CARIN Blue Button version v3 declares in `meta.profile`.
const C4BB_VERSION: &str = "2.1.0";
/// The US Core profile of the v3 Patient.
const US_CORE_PATIENT: &str =
    "http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient|6.1.0";
/// Base of the v3 extensions named after warehouse columns.
const CLM_EXT: &str = "https://bluebutton.cms.gov/fhir/StructureDefinition/";

/// One in this many claims is labelled 42 CFR Part 2.
const SAMHSA_ONE_IN: u64 = 8;

/// What v3 says about one synthetic claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Draw {
    source: ClaimSource,
    preauthorization: bool,
    samhsa: bool,
    outcome: &'static str,
}

impl Draw {
    fn final_action(self) -> bool {
        self.source != ClaimSource::SharedSystem && !self.preauthorization
    }
}

fn draw(bene: &SyntheticBene, slot: u32, claim_type: ClaimType) -> Draw {
    let mut rng = bene.rng(&[u64::from(slot), 0x0003_5A3E]);
    let samhsa = rng.below(SAMHSA_ONE_IN) == 0;
    if claim_type == ClaimType::Pde {
        return Draw {
            source: ClaimSource::Ddps,
            preauthorization: false,
            samhsa,
            outcome: "complete",
        };
    }
    let (source, preauthorization, outcome) = match rng.below(10) {
        // Still in the shared systems: partially adjudicated.
        0 | 1 => (ClaimSource::SharedSystem, false, "partial"),
        // A prior authorization, decided or still waiting.
        2 => (
            ClaimSource::NationalClaimsHistory,
            true,
            if rng.below(2) == 0 {
                "queued"
            } else {
                "complete"
            },
        ),
        _ => (ClaimSource::NationalClaimsHistory, false, "complete"),
    };
    Draw {
        source,
        preauthorization,
        samhsa,
        outcome,
    }
}

/// Appends `|2.1.0` to every CARIN Blue Button profile of `resource`.
fn versioned_profiles(resource: &mut Value) {
    if let Some(profiles) = resource
        .pointer_mut("/meta/profile")
        .and_then(Value::as_array_mut)
    {
        for profile in profiles.iter_mut() {
            if let Some(url) = profile.as_str()
                && url.starts_with(C4BB)
                && !url.contains('|')
            {
                *profile = json!(format!("{url}|{C4BB_VERSION}"));
            }
        }
    }
}

fn push_extension(resource: &mut Value, extension: Value) {
    if let Some(map) = resource.as_object_mut() {
        let list = map.entry("extension").or_insert_with(|| json!([]));
        if let Some(list) = list.as_array_mut() {
            list.push(extension);
        }
    }
}

fn column_extension(column: &str, code: &str) -> Value {
    json!({"url": format!("{CLM_EXT}{column}"),
           "valueCoding": {"system": format!("https://bluebutton.cms.gov/fhir/CodeSystem/{column}"), "code": code}})
}

impl SyntheticBene {
    /// What the v3 search parameters see of one claim.
    pub(crate) fn v3_traits(&self, slot: u32, claim_type: ClaimType) -> ClaimTraits {
        let d = draw(self, slot, claim_type);
        ClaimTraits {
            source: Some(d.source),
            outcome: d.outcome.to_owned(),
            tags: vec![(
                FINAL_ACTION_SYSTEM.to_owned(),
                if d.final_action() {
                    "FinalAction"
                } else {
                    "NotFinalAction"
                }
                .to_owned(),
            )],
            security: if d.samhsa {
                vec![(SAMHSA_SYSTEM.to_owned(), SAMHSA_CODE.to_owned())]
            } else {
                Vec::new()
            },
        }
    }

    /// The Patient as v3 serves it: C4BB 2.1 and US Core 6.1 profiles.
    pub(crate) fn v3_patient(&self) -> Value {
        let mut patient = self.patient();
        versioned_profiles(&mut patient);
        if let Some(profiles) = patient
            .pointer_mut("/meta/profile")
            .and_then(Value::as_array_mut)
        {
            profiles.push(json!(US_CORE_PATIENT));
        }
        patient
    }

    /// The Coverage resources as v3 serves them: C4BB 2.1 profiles.
    pub(crate) fn v3_coverages(&self) -> Vec<Value> {
        let mut coverages = self.coverages();
        for coverage in &mut coverages {
            versioned_profiles(coverage);
        }
        coverages
    }

    /// One claim as v3 serves it (a prior authorization for some slots).
    pub(crate) fn v3_eob(&self, slot: u32, claim_type: ClaimType) -> Value {
        let d = draw(self, slot, claim_type);
        let traits = self.v3_traits(slot, claim_type);
        let mut eob = self.eob(slot, claim_type);
        versioned_profiles(&mut eob);
        let nch_type = eob
            .pointer("/type/coding")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|c| {
                c.get("system")
                    .and_then(Value::as_str)
                    .is_some_and(|s| s.ends_with("/nch_clm_type_cd"))
            })
            .and_then(|c| c.get("code").and_then(Value::as_str))
            .map(str::to_owned);
        if let Some(meta) = eob.get_mut("meta").and_then(Value::as_object_mut) {
            meta.insert("source".into(), json!(d.source.name()));
            let tags: Vec<Value> = traits
                .tags
                .iter()
                .map(|(system, code)| json!({"system": system, "code": code}))
                .collect();
            meta.insert("tag".into(), Value::Array(tags));
            if d.samhsa {
                meta.insert(
                    "security".into(),
                    json!([{"system": SAMHSA_SYSTEM, "code": SAMHSA_CODE, "display": "42 CFR Part2"}]),
                );
            }
        }
        if let Some(map) = eob.as_object_mut() {
            if d.preauthorization {
                map.insert("use".into(), json!("preauthorization"));
                map.remove("payment");
            }
            map.insert("outcome".into(), json!(d.outcome));
        }
        if let Some(code) = nch_type {
            push_extension(&mut eob, column_extension("CLM-TYPE-CD", &code));
        }
        push_extension(
            &mut eob,
            column_extension(
                "CLM-FINL-ACTN-IND",
                if d.final_action() { "Y" } else { "N" },
            ),
        );
        eob
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v3_claims_mix_sources_labels_and_prior_authorizations_deterministically() {
        let bene = SyntheticBene::new(1999, 0, 400);
        let claims = bene.claim_summaries();
        let draws: Vec<Draw> = claims
            .iter()
            .map(|c| draw(&bene, c.slot, c.claim_type))
            .collect();
        let count = |f: &dyn Fn(&Draw) -> bool| draws.iter().filter(|d| f(d)).count();
        let samhsa = count(&|d| d.samhsa);
        assert!((25..=75).contains(&samhsa), "{samhsa} of 400 labelled");
        assert!(count(&|d| d.preauthorization) > 10);
        assert!(count(&|d| d.source == ClaimSource::SharedSystem) > 20);
        for (claim, d) in claims.iter().zip(&draws) {
            assert_eq!(
                *d,
                draw(&bene, claim.slot, claim.claim_type),
                "deterministic"
            );
            assert_eq!(
                d.source == ClaimSource::Ddps,
                claim.claim_type == ClaimType::Pde
            );
            let eob = bene.v3_eob(claim.slot, claim.claim_type);
            let traits = ClaimTraits::of_resource(&eob);
            assert_eq!(traits, bene.v3_traits(claim.slot, claim.claim_type));
            assert_eq!(
                traits.security.iter().any(|(_, code)| code == SAMHSA_CODE),
                d.samhsa
            );
            let expected_use = if d.preauthorization {
                "preauthorization"
            } else {
                "claim"
            };
            assert_eq!(eob["use"], expected_use);
            let profile = eob["meta"]["profile"][0].as_str().unwrap_or_default();
            assert!(
                profile.starts_with(C4BB) && profile.ends_with("|2.1.0"),
                "{profile}"
            );
        }
    }
}
