//! Synthetic beneficiaries: every resource is a pure function of `(seed, beneficiary, slot)`, so
//! nothing is generated until it is asked for and 100,000 claims cost only their summaries.

mod coverage;
mod eob;
mod fhir;
mod patient;
mod v3;

use serde_json::Value;
use time::{Date, Duration as TimeDuration, OffsetDateTime};

use super::{BeneficiaryInfo, ClaimSummary, ClaimType};
use crate::rng::Rng;

/// The most claims one synthetic beneficiary may have (the claim id encodes the slot in 7 digits).
pub(crate) const MAX_CLAIMS_PER_BENEFICIARY: usize = 10_000_000;

const GIVEN_NAMES: &[&str] = &[
    "Jane",
    "John",
    "Maria",
    "James",
    "Linda",
    "Robert",
    "Patricia",
    "Michael",
    "Barbara",
    "William",
    "Elizabeth",
    "David",
    "Susan",
    "Richard",
    "Dorothy",
    "Joseph",
    "Margaret",
    "Thomas",
    "Ruth",
    "Charles",
];
const FAMILY_NAMES: &[&str] = &[
    "Doe", "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Lopez",
    "Wilson", "Anderson", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White",
    "Harris",
];

/// One synthetic beneficiary (only its keys are stored).
#[derive(Debug)]
pub(crate) struct SyntheticBene {
    seed: u64,
    index: u64,
    claims: usize,
    patient_id: String,
    mbi: String,
    given: &'static str,
    family: &'static str,
}

impl SyntheticBene {
    pub(crate) fn new(seed: u64, index: u64, claims: usize) -> Self {
        let mut rng = Rng::keyed(seed, &[index, 0xBE7E]);
        let mbi = mbi(&mut rng);
        let given = *rng.pick::<&'static str>(GIVEN_NAMES);
        let family = *rng.pick::<&'static str>(FAMILY_NAMES);
        SyntheticBene {
            seed,
            index,
            claims: claims.min(MAX_CLAIMS_PER_BENEFICIARY),
            patient_id: format!("-{}", 19_990_000_000_001 + index),
            mbi,
            given,
            family,
        }
    }

    pub(crate) fn info(&self) -> BeneficiaryInfo {
        BeneficiaryInfo {
            patient_id: self.patient_id.clone(),
            mbi: self.mbi.clone(),
            username: format!("BBUser{:05}", self.index),
            given_name: self.given.to_owned(),
            family_name: self.family.to_owned(),
            claim_count: self.claims,
        }
    }

    fn rng(&self, keys: &[u64]) -> Rng {
        let mut all = vec![self.index];
        all.extend_from_slice(keys);
        Rng::keyed(self.seed, &all)
    }

    pub(crate) fn date_joined(&self) -> OffsetDateTime {
        let mut rng = self.rng(&[0x101]);
        time::macros::datetime!(2020-01-01 00:00:00 UTC)
            + TimeDuration::seconds(rng.below(3 * 365 * 86_400) as i64)
            + TimeDuration::milliseconds(rng.below(1000) as i64)
    }

    pub(crate) fn patient(&self) -> Value {
        patient::build(self)
    }

    pub(crate) fn coverages(&self) -> Vec<Value> {
        coverage::build_all(self)
    }

    fn claim_type_of(&self, slot: u32, rng: &mut Rng) -> ClaimType {
        if (slot as usize) < ClaimType::ALL.len() {
            return ClaimType::ALL[slot as usize];
        }
        // Roughly the mix of a real beneficiary: mostly carrier and drug claims.
        let weights: [(ClaimType, u64); 8] = [
            (ClaimType::Carrier, 40),
            (ClaimType::Pde, 25),
            (ClaimType::Outpatient, 15),
            (ClaimType::Dme, 6),
            (ClaimType::Inpatient, 5),
            (ClaimType::Snf, 3),
            (ClaimType::Hha, 3),
            (ClaimType::Hospice, 3),
        ];
        let mut roll = rng.below(100);
        for (claim_type, weight) in weights {
            if roll < weight {
                return claim_type;
            }
            roll -= weight;
        }
        ClaimType::Carrier
    }

    /// The dates of one claim: (start, end, last updated).
    fn claim_dates(&self, slot: u32, claim_type: ClaimType) -> (Date, Date, OffsetDateTime) {
        let mut rng = self.rng(&[u64::from(slot), 0xDA7E]);
        let first = time::macros::date!(2015 - 01 - 01);
        let start = first + TimeDuration::days(rng.below(11 * 365) as i64);
        let stay = match claim_type {
            ClaimType::Inpatient | ClaimType::Snf | ClaimType::Hospice | ClaimType::Hha => {
                1 + rng.below(20) as i64
            }
            _ => 0,
        };
        let end = start + TimeDuration::days(stay);
        let updated = end.midnight().assume_utc()
            + TimeDuration::days(1 + rng.below(60) as i64)
            + TimeDuration::milliseconds(rng.below(86_400_000) as i64);
        (start, end, updated)
    }

    pub(crate) fn claim_summaries(&self) -> Vec<ClaimSummary> {
        let mut claims: Vec<ClaimSummary> = (0..self.claims as u32)
            .map(|slot| {
                let mut rng = self.rng(&[u64::from(slot), 0x7E9E]);
                let claim_type = self.claim_type_of(slot, &mut rng);
                let (_, end, updated) = self.claim_dates(slot, claim_type);
                ClaimSummary {
                    claim_type,
                    service_end: Some(end),
                    last_updated: Some(updated),
                    slot,
                }
            })
            .collect();
        claims.sort_by_key(|c| (c.claim_type.index(), c.slot));
        claims
    }

    /// The claim number in ids: `-(10^11 + index * 10^7 + slot)`.
    fn claim_number(&self, slot: u32) -> i64 {
        -(100_000_000_000
            + (self.index as i64) * MAX_CLAIMS_PER_BENEFICIARY as i64
            + i64::from(slot))
    }

    pub(crate) fn eob_id(&self, slot: u32, claim_type: ClaimType) -> String {
        format!("{}-{}", claim_type.param(), self.claim_number(slot))
    }

    /// The slot and type of an EOB id, if it names one of this beneficiary's claims.
    pub(crate) fn parse_eob_id(&self, id: &str) -> Option<(u32, ClaimType)> {
        let (prefix, number) = id.split_once('-')?;
        let claim_type = ClaimType::from_param(prefix)?;
        let number: i64 = number.parse().ok()?;
        let n = -number - 100_000_000_000;
        let per = MAX_CLAIMS_PER_BENEFICIARY as i64;
        if n < 0 || n / per != self.index as i64 {
            return None;
        }
        let slot = u32::try_from(n % per).ok()?;
        if slot as usize >= self.claims {
            return None;
        }
        let mut rng = self.rng(&[u64::from(slot), 0x7E9E]);
        (self.claim_type_of(slot, &mut rng) == claim_type).then_some((slot, claim_type))
    }

    pub(crate) fn eob(&self, slot: u32, claim_type: ClaimType) -> Value {
        eob::build(self, slot, claim_type)
    }
}

/// A synthetic MBI: the real 11-character layout, starting `1S` like the sandbox's synthetic ones.
fn mbi(rng: &mut Rng) -> String {
    const LETTERS: &[u8] = b"ACDEFGHJKMNPQRTUVWXY";
    const DIGITS: &[u8] = b"0123456789";
    const ALNUM: &[u8] = b"ACDEFGHJKMNPQRTUVWXY0123456789";
    let mut s = String::from("1S");
    s += &rng.string(ALNUM, 1);
    s += &rng.string(DIGITS, 1);
    s += &rng.string(LETTERS, 1);
    s += &rng.string(ALNUM, 1);
    s += &rng.string(DIGITS, 1);
    s += &rng.string(LETTERS, 2);
    s += &rng.string(DIGITS, 2);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_are_owned() {
        let bene = SyntheticBene::new(1, 2, 30);
        let other = SyntheticBene::new(1, 3, 30);
        for claim in bene.claim_summaries() {
            let id = bene.eob_id(claim.slot, claim.claim_type);
            assert_eq!(bene.parse_eob_id(&id), Some((claim.slot, claim.claim_type)));
            assert_eq!(other.parse_eob_id(&id), None);
        }
        assert_eq!(bene.parse_eob_id("carrier-abc"), None);
        assert_eq!(bene.info().patient_id, "-19990000000003");
        assert_eq!(bene.info().mbi.len(), 11);
    }

    #[test]
    fn first_eight_claims_cover_every_type() {
        let bene = SyntheticBene::new(5, 0, 8);
        let mut types: Vec<_> = bene
            .claim_summaries()
            .iter()
            .map(|c| c.claim_type)
            .collect();
        types.dedup();
        assert_eq!(types, ClaimType::ALL.to_vec());
    }
}
