//! Beneficiaries loaded from a directory of FHIR JSON files (resources or Bundles of them).

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

use super::{BeneficiaryInfo, ClaimSummary, ClaimType};
use crate::SandboxError;

/// One beneficiary read from files.
#[derive(Debug)]
pub(super) struct LoadedBene {
    pub(super) info: BeneficiaryInfo,
    pub(super) patient: Value,
    pub(super) coverages: Vec<Value>,
    pub(super) eobs: Vec<Value>,
    pub(super) claims: Vec<ClaimSummary>,
}

/// Reads every `*.json` file of `dir` (sorted by name) and groups the resources by patient.
pub(super) fn load(dir: &Path, _seed: u64) -> Result<Vec<LoadedBene>, SandboxError> {
    let read_err = |source| SandboxError::ReadData {
        path: dir.to_path_buf(),
        source,
    };
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(read_err)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();

    let mut seen = HashSet::new();
    let mut patients: Vec<Value> = Vec::new();
    let mut others: Vec<Value> = Vec::new();
    for path in files {
        let text = std::fs::read(&path).map_err(|source| SandboxError::ReadData {
            path: path.clone(),
            source,
        })?;
        let value: Value = serde_json::from_slice(&text)
            .map_err(|source| SandboxError::ParseData { path, source })?;
        for resource in flatten(value) {
            let kind = str_at(&resource, "resourceType")
                .unwrap_or_default()
                .to_owned();
            let id = str_at(&resource, "id").unwrap_or_default().to_owned();
            if !seen.insert((kind.clone(), id)) {
                continue;
            }
            match kind.as_str() {
                "Patient" => patients.push(resource),
                "Coverage" | "ExplanationOfBenefit" => others.push(resource),
                _ => {}
            }
        }
    }
    if patients.is_empty() {
        return Err(SandboxError::NoPatient {
            path: dir.to_path_buf(),
        });
    }

    let mut by_patient: BTreeMap<String, (Vec<Value>, Vec<Value>)> = BTreeMap::new();
    for resource in others {
        let (field, is_eob) = match str_at(&resource, "resourceType") {
            Some("Coverage") => ("beneficiary", false),
            _ => ("patient", true),
        };
        let Some(owner) = resource
            .get(field)
            .and_then(|r| r.get("reference"))
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("Patient/"))
        else {
            continue;
        };
        let entry = by_patient.entry(owner.to_owned()).or_default();
        if is_eob {
            entry.1.push(resource);
        } else {
            entry.0.push(resource);
        }
    }

    Ok(patients
        .into_iter()
        .map(|patient| {
            let id = str_at(&patient, "id").unwrap_or_default().to_owned();
            let (coverages, eobs) = by_patient.remove(&id).unwrap_or_default();
            let mut claims: Vec<ClaimSummary> = eobs
                .iter()
                .enumerate()
                .map(|(slot, eob)| summarize(eob, slot as u32))
                .collect();
            claims.sort_by_key(|c| (c.claim_type.index(), c.slot));
            LoadedBene {
                info: info_of(&patient, eobs.len()),
                patient,
                coverages,
                eobs,
                claims,
            }
        })
        .collect())
}

fn str_at<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

/// A resource, or the resources of a Bundle's entries.
fn flatten(value: Value) -> Vec<Value> {
    if str_at(&value, "resourceType") == Some("Bundle") {
        let entries = value.get("entry").and_then(Value::as_array).cloned();
        entries
            .unwrap_or_default()
            .into_iter()
            .filter_map(|mut e| e.get_mut("resource").map(Value::take))
            .collect()
    } else {
        vec![value]
    }
}

fn info_of(patient: &Value, claims: usize) -> BeneficiaryInfo {
    let name = patient.get("name").and_then(|n| n.get(0));
    let given = name
        .and_then(|n| n.get("given"))
        .and_then(|g| g.get(0))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let family = name
        .and_then(|n| n.get("family"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let identifiers = patient.get("identifier").and_then(Value::as_array);
    let mbi = identifiers
        .into_iter()
        .flatten()
        .filter(|i| str_at(i, "system") == Some("http://hl7.org/fhir/sid/us-mbi"))
        .find(|i| i.to_string().contains("\"current\""))
        .or_else(|| {
            identifiers
                .into_iter()
                .flatten()
                .find(|i| str_at(i, "system") == Some("http://hl7.org/fhir/sid/us-mbi"))
        })
        .and_then(|i| str_at(i, "value"))
        .unwrap_or_default();
    let id = str_at(patient, "id").unwrap_or_default();
    BeneficiaryInfo {
        patient_id: id.to_owned(),
        mbi: mbi.to_owned(),
        username: format!("BBUser-{id}"),
        given_name: given.to_owned(),
        family_name: family.to_owned(),
        claim_count: claims,
    }
}

/// The claim type (from the `eob-type` coding, else the id prefix) and the dates used by filters.
fn summarize(eob: &Value, slot: u32) -> ClaimSummary {
    let from_coding = eob
        .pointer("/type/coding")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|c| {
            str_at(c, "system") == Some("https://bluebutton.cms.gov/resources/codesystem/eob-type")
        })
        .and_then(|c| str_at(c, "code"))
        .and_then(ClaimType::from_param);
    let from_id = str_at(eob, "id")
        .and_then(|id| id.split('-').next())
        .and_then(ClaimType::from_param);
    let period = eob.get("billablePeriod");
    let service_end = period
        .and_then(|p| str_at(p, "end").or_else(|| str_at(p, "start")))
        .and_then(parse_date);
    let last_updated = eob
        .pointer("/meta/lastUpdated")
        .and_then(Value::as_str)
        .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok());
    ClaimSummary {
        claim_type: from_coding.or(from_id).unwrap_or(ClaimType::Carrier),
        service_end,
        last_updated,
        slot,
    }
}

/// Parses `YYYY-MM-DD` (the first 10 characters of a FHIR date or dateTime).
pub(crate) fn parse_date(text: &str) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text.get(..10)?, &format).ok()
}
