//! The beneficiaries a sandbox serves: synthetic (generated lazily from a seed) or loaded from files.

mod claim_type;
mod folder;
pub(crate) mod stu3;
mod synthetic;
mod v3;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::Value;
use time::{Date, OffsetDateTime};

pub use claim_type::ClaimType;

pub(crate) use folder::parse_date;

pub(crate) use synthetic::MAX_CLAIMS_PER_BENEFICIARY;
pub(crate) use v3::{ClaimSource, ClaimTraits, SAMHSA_CODE};

/// What a test needs to know about one beneficiary of the sandbox.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BeneficiaryInfo {
    /// The FHIR Patient id (`-19990000000001` for the first synthetic one).
    pub patient_id: String,
    /// The current Medicare Beneficiary Identifier.
    pub mbi: String,
    /// The sandbox user name (`BBUser00000`, …).
    pub username: String,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// How many ExplanationOfBenefit resources the beneficiary has.
    pub claim_count: usize,
}

/// What search filters need to know about one claim, without building it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ClaimSummary {
    pub(crate) claim_type: ClaimType,
    /// The last day of service (`billablePeriod.end`, else `start`).
    pub(crate) service_end: Option<Date>,
    /// `meta.lastUpdated`.
    pub(crate) last_updated: Option<OffsetDateTime>,
    /// Where the claim lives: the synthetic slot or the index in the loaded list.
    pub(crate) slot: u32,
}

/// One beneficiary and their resources.
#[derive(Debug)]
pub(crate) struct Beneficiary {
    pub(crate) info: BeneficiaryInfo,
    source: Source,
    /// Serialized EOBs recently served (bounded), so re-reading a page does not rebuild its JSON.
    cache: Mutex<HashMap<u32, Arc<str>>>,
}

/// How many serialized EOBs each beneficiary keeps (about 10 KB each).
const CACHED_EOBS: usize = 1024;

#[derive(Debug)]
enum Source {
    Synthetic {
        bene: synthetic::SyntheticBene,
        claims: OnceLock<Vec<ClaimSummary>>,
    },
    Loaded(folder::LoadedBene),
}

impl Beneficiary {
    /// The Patient resource.
    pub(crate) fn patient(&self) -> Value {
        match &self.source {
            Source::Synthetic { bene, .. } => bene.patient(),
            Source::Loaded(loaded) => loaded.patient.clone(),
        }
    }

    /// The Coverage resources, in search order.
    pub(crate) fn coverages(&self) -> Vec<Value> {
        match &self.source {
            Source::Synthetic { bene, .. } => bene.coverages(),
            Source::Loaded(loaded) => loaded.coverages.clone(),
        }
    }

    /// Summaries of the claims, in search order (grouped by claim type, as BFD returns them).
    pub(crate) fn claims(&self) -> &[ClaimSummary] {
        match &self.source {
            Source::Synthetic { bene, claims } => claims.get_or_init(|| bene.claim_summaries()),
            Source::Loaded(loaded) => &loaded.claims,
        }
    }

    /// Builds the ExplanationOfBenefit of one summary.
    pub(crate) fn eob(&self, claim: &ClaimSummary) -> Value {
        match &self.source {
            Source::Synthetic { bene, .. } => bene.eob(claim.slot, claim.claim_type),
            Source::Loaded(loaded) => loaded
                .eobs
                .get(claim.slot as usize)
                .cloned()
                .unwrap_or(Value::Null),
        }
    }

    /// The FHIR JSON text of one summary's ExplanationOfBenefit (built on demand, then cached).
    pub(crate) fn eob_text(&self, claim: &ClaimSummary) -> Arc<str> {
        if let Some(text) = crate::state::lock(&self.cache).get(&claim.slot) {
            return Arc::clone(text);
        }
        let text: Arc<str> = crate::fhir::to_fhir_string(&self.eob(claim)).into();
        let mut cache = crate::state::lock(&self.cache);
        if cache.len() >= CACHED_EOBS {
            cache.clear();
        }
        cache.insert(claim.slot, Arc::clone(&text));
        text
    }

    /// The ExplanationOfBenefit with this id, if it is this beneficiary's.
    pub(crate) fn eob_by_id(&self, id: &str) -> Option<Value> {
        match &self.source {
            Source::Synthetic { bene, .. } => {
                let (slot, claim_type) = bene.parse_eob_id(id)?;
                Some(bene.eob(slot, claim_type))
            }
            Source::Loaded(loaded) => loaded
                .eobs
                .iter()
                .find(|eob| eob.get("id").and_then(Value::as_str) == Some(id))
                .cloned(),
        }
    }

    /// When the beneficiary's account was created (userinfo `iat`).
    pub(crate) fn date_joined(&self) -> OffsetDateTime {
        match &self.source {
            Source::Synthetic { bene, .. } => bene.date_joined(),
            Source::Loaded(_) => time::macros::datetime!(2020-01-01 00:00:00 UTC),
        }
    }
}

/// All the beneficiaries of a sandbox.
#[derive(Debug)]
pub(crate) struct DataSet {
    beneficiaries: Vec<Beneficiary>,
}

impl DataSet {
    /// `count` synthetic beneficiaries with `claims` claims each.
    pub(crate) fn synthetic(seed: u64, count: usize, claims: usize) -> DataSet {
        let beneficiaries = (0..count)
            .map(|index| {
                let bene = synthetic::SyntheticBene::new(seed, index as u64, claims);
                Beneficiary {
                    info: bene.info(),
                    source: Source::Synthetic {
                        bene,
                        claims: OnceLock::new(),
                    },
                    cache: Mutex::default(),
                }
            })
            .collect();
        DataSet { beneficiaries }
    }

    /// The beneficiaries found in a directory of FHIR JSON files.
    pub(crate) fn from_dir(
        dir: &std::path::Path,
        seed: u64,
    ) -> Result<DataSet, crate::SandboxError> {
        let loaded = folder::load(dir, seed)?;
        let beneficiaries = loaded
            .into_iter()
            .map(|bene| Beneficiary {
                info: bene.info.clone(),
                source: Source::Loaded(bene),
                cache: Mutex::default(),
            })
            .collect();
        Ok(DataSet { beneficiaries })
    }

    /// The beneficiary with this FHIR id.
    pub(crate) fn find(&self, patient_id: &str) -> Option<&Beneficiary> {
        self.beneficiaries
            .iter()
            .find(|b| b.info.patient_id == patient_id)
    }

    /// All beneficiaries, in order.
    pub(crate) fn all(&self) -> &[Beneficiary] {
        &self.beneficiaries
    }
}
