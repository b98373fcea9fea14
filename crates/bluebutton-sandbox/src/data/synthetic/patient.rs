//! The synthetic Patient resource, shaped like BFD's v2 `C4BB-Patient`.

use serde_json::{Value, json};

use super::SyntheticBene;
use super::fhir::{C4BB, coding, ext_coding, ext_date};
use crate::clock::fhir_instant;

const STATES: &[(&str, &str)] = &[
    ("MD", "21244"),
    ("MO", "63101"),
    ("CA", "94105"),
    ("TX", "73301"),
    ("NY", "10001"),
    ("FL", "33101"),
    ("OH", "43004"),
    ("WA", "98101"),
];

pub(super) fn build(bene: &SyntheticBene) -> Value {
    let mut rng = bene.rng(&[0x9A71]);
    let female = rng.below(2) == 0;
    let birth_year = 1930 + rng.below(40);
    let birth = format!(
        "{birth_year}-{:02}-{:02}",
        1 + rng.below(12),
        1 + rng.below(28)
    );
    let (state, zip) = *rng.pick(STATES);
    let middle = char::from(b'A' + rng.below(26) as u8).to_string();
    let updated = fhir_instant(bene.date_joined() + time::Duration::days(30));
    let currency = |code: &str, display: &str| {
        json!([{"extension": [{"url": "https://bluebutton.cms.gov/resources/codesystem/identifier-currency",
            "valueCoding": coding("https://bluebutton.cms.gov/resources/codesystem/identifier-currency", code, Some(display))}],
            "system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MC",
            "display": "Patient's Medicare number"}])
    };
    let bene_id = bene.patient_id.clone();
    json!({
        "resourceType": "Patient",
        "id": bene.patient_id,
        "meta": {"lastUpdated": updated, "profile": [format!("{C4BB}C4BB-Patient")]},
        "extension": [
            {"url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-sex",
             "valueCode": if female { "248152002" } else { "248153007" }},
            ext_coding("race", "1", Some("White")),
            {"url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race", "extension": [
                {"url": "ombCategory", "valueCoding": coding("http://terminology.hl7.org/CodeSystem/v3-NullFlavor", "UNK", Some("Unknown"))},
                {"url": "text", "valueString": "Unknown"}]},
            ext_date("rfrnc_yr", "2025"),
            ext_coding("dual_01", "**", Some("Enrolled in Medicare A and/or B, but no Part D enrollment data for the beneficiary. (This status was indicated as 'XX' for 2006-2009)")),
        ],
        "identifier": [
            {"type": {"coding": currency("current", "Current")},
             "system": "http://hl7.org/fhir/sid/us-mbi", "value": bene.mbi,
             "period": {"start": "2020-07-30"}},
            {"type": {"coding": [coding("http://terminology.hl7.org/CodeSystem/v2-0203", "MB", Some("Member Number"))]},
             "system": "https://bluebutton.cms.gov/resources/variables/bene_id", "value": bene_id},
        ],
        "name": [{"use": "usual", "family": bene.family, "given": [bene.given, middle]}],
        "gender": if female { "female" } else { "male" },
        "birthDate": birth,
        "address": [{"state": state, "postalCode": zip}],
    })
}
