//! The synthetic Coverage resources (Medicare Parts A to D), shaped like BFD's v2 `C4BB-Coverage`.

use serde_json::{Value, json};

use super::SyntheticBene;
use super::fhir::{C4BB, coding, ext_coding, ext_date, ext_identifier};
use crate::clock::fhir_instant;

pub(super) fn build_all(bene: &SyntheticBene) -> Vec<Value> {
    ["a", "b", "c", "d"]
        .into_iter()
        .map(|part| build(bene, part))
        .collect()
}

fn build(bene: &SyntheticBene, part: &str) -> Value {
    let updated = fhir_instant(bene.date_joined() + time::Duration::days(31));
    let upper = part.to_ascii_uppercase();
    let mut extension = vec![
        ext_coding(
            "ms_cd",
            "10",
            Some("Aged without end-stage renal disease (ESRD)"),
        ),
        ext_coding("orec", "0", Some("Old age and survivor's insurance (OASI)")),
        ext_coding("esrd_ind", "0", Some("the beneficiary does not have ESRD")),
        ext_date("rfrnc_yr", "2025"),
    ];
    match part {
        "a" => extension.push(ext_coding("a_trm_cd", "0", Some("Not Terminated"))),
        "b" => extension.push(ext_coding("b_trm_cd", "0", Some("Not Terminated"))),
        "c" => extension.push(ext_identifier("ptc_cntrct_id_01", "H9999")),
        _ => extension.push(ext_identifier("ptdcntrct01", "S4607")),
    }
    for month in 1..=3 {
        let var = if part == "d" {
            format!("rdsind{month:02}")
        } else {
            format!("buyin{month:02}")
        };
        extension.push(ext_coding(&var, "3", Some("Part A and Part B")));
    }
    json!({
        "resourceType": "Coverage",
        "id": format!("part-{part}-{}", bene.patient_id),
        "meta": {"lastUpdated": updated, "profile": [format!("{C4BB}C4BB-Coverage")]},
        "extension": extension,
        "status": "active",
        "type": {"coding": [coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "SUBSIDIZ", None)]},
        "subscriberId": bene.mbi,
        "beneficiary": {"reference": format!("Patient/{}", bene.patient_id)},
        "relationship": {"coding": [coding("http://terminology.hl7.org/CodeSystem/subscriber-relationship", "self", Some("Self"))]},
        "period": {"start": "2015-01-01"},
        "payor": [{"identifier": {"value": "Centers for Medicare and Medicaid Services"}}],
        "class": [
            {"type": {"coding": [coding("http://terminology.hl7.org/CodeSystem/coverage-class", "group", Some("Group"))]}, "value": "Medicare"},
            {"type": {"coding": [coding("http://terminology.hl7.org/CodeSystem/coverage-class", "plan", Some("Plan"))]}, "value": format!("Part {upper}")},
        ],
    })
}
