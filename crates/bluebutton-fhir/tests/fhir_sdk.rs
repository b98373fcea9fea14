//! Conversion of every R4 fixture to fhir-sdk's R4B models and back (feature `fhir-sdk`).
//!
//! fhir-sdk is strict, so some real files do not convert; the snapshot records which ones and why.

#![cfg(feature = "fhir-sdk")]

mod common;

use std::collections::BTreeMap;

use bluebutton_fhir::fhir_sdk::SdkResource;
use bluebutton_fhir::{Resource, from_json_str};
use common::{first_difference, fixtures, r4_fixture_files, substitute_placeholders};

#[test]
fn fixtures_convert_to_fhir_sdk_or_fail_with_a_typed_error() {
    let Some(root) = fixtures() else {
        println!("skipped: ../shared/fixtures not found");
        return;
    };
    let mut outcome = BTreeMap::new();
    for path in r4_fixture_files(&root) {
        let name = path
            .strip_prefix(&root)
            .expect("under the fixtures root")
            .display()
            .to_string();
        let text = std::fs::read_to_string(&path).expect("readable");
        let ours: Resource =
            from_json_str(&substitute_placeholders(&text)).expect("our models parse every fixture");
        let result = match ours.to_fhir_sdk() {
            Ok(sdk) => match Resource::from_fhir_sdk(&sdk) {
                Ok(back) => {
                    let before = serde_json::to_value(&ours).expect("serializes");
                    let after = serde_json::to_value(&back).expect("serializes");
                    match first_difference(&before, &after, "$") {
                        None => "converts and back, equal JSON".to_owned(),
                        Some(diff) => format!("converts and back, lossy: {diff}"),
                    }
                }
                Err(err) => format!("converts, back fails: {err}"),
            },
            Err(err) => {
                let source = std::error::Error::source(&err)
                    .map(ToString::to_string)
                    .unwrap_or_default();
                format!(
                    "fails: {}",
                    source.split(" at line").next().unwrap_or_default()
                )
            }
        };
        outcome.insert(name, result);
    }
    insta::assert_debug_snapshot!("fhir_sdk_conversions", outcome);
}

#[test]
fn a_minimal_patient_round_trips_through_fhir_sdk() {
    let ours: Resource = from_json_str(
        r#"{"resourceType":"Patient","id":"p1","gender":"female","birthDate":"1950-02-03"}"#,
    )
    .expect("parses");
    let sdk = SdkResource::try_from(&ours).expect("fhir-sdk accepts a minimal Patient");
    let back = Resource::try_from(&sdk).expect("and back");
    assert_eq!(back, ours);
}
