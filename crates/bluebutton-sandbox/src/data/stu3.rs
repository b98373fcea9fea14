//! What `/v1/` serves: the same resources as v2, reshaped into FHIR STU3 as BFD's v1 sends them.
//!
//! The synthetic (and loaded) data is built R4-shaped; [`serve_stu3`], the v1 routes' one layer,
//! rewrites each successful FHIR JSON response (a resource or a Bundle of them) with [`reshape`]:
//! * ExplanationOfBenefit: `supportingInfo` becomes `information`; item `productOrService` becomes
//!   `service`, `*Sequence` links become `*LinkId`; `insurance` is one object; adjudication
//!   categories keep only their Blue Button variable coding; the claim-total charge becomes
//!   `totalCost` on institutional claims; the R4-only `use`, `created`, `insurer`, `outcome`,
//!   `total`, `subType` and profiles go; the claim-type system is the STU3 `ex-claimtype`.
//!   Money is STU3's Quantity form (`system` ISO 4217 and `code` instead of `currency`).
//! * Coverage: `class[]` becomes `grouping` (`subGroup`/`subPlan`); `subscriberId`,
//!   `relationship` and `payor` go.
//! * Patient: the MBI is sent as its SHA-256 hash (`mbi-hash`), as v1 does; US Core extensions go.
//! * CapabilityStatement: `fhirVersion` 3.0.2, `acceptUnknown`, profiles as References.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

const BB_ADJUDICATION: &str = "https://bluebutton.cms.gov/resources/codesystem/adjudication";
const BB_VARIABLES: &str = "https://bluebutton.cms.gov/resources/variables/";
const R4_CLAIM_TYPE: &str = "http://terminology.hl7.org/CodeSystem/claim-type";
const STU3_CLAIM_TYPE: &str = "http://hl7.org/fhir/ex-claimtype";
const MBI: &str = "http://hl7.org/fhir/sid/us-mbi";
const MBI_HASH: &str = "https://bluebutton.cms.gov/resources/identifier/mbi-hash";
/// The largest body reshaped (a page of 50 claims is well below it).
const MAX_BODY: usize = 64 << 20;

/// The v1 layer: reshapes successful FHIR JSON responses into STU3, passes everything else on.
pub(crate) async fn serve_stu3(request: Request, next: Next) -> Response {
    let fhir = request.uri().path().contains("/fhir/");
    let response = next.run(request).await;
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    if !fhir || !json || response.status() != StatusCode::OK {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
        return crate::responses::detail(
            StatusCode::INTERNAL_SERVER_ERROR,
            crate::responses::FHIR_JSON,
            "The sandbox could not reshape this response into FHIR STU3.",
        );
    };
    let Ok(mut value) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    if !reshape(&mut value) {
        return Response::from_parts(parts, Body::from(bytes));
    }
    // The body changed: its length is the new one's.
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(crate::fhir::to_fhir_string(&value)))
}

/// Reshapes an R4-shaped resource (or a Bundle of them) into STU3 in place; `false` when it is
/// not a FHIR resource.
pub(crate) fn reshape(value: &mut Value) -> bool {
    let Some(object) = value.as_object_mut() else {
        return false;
    };
    let Some(kind) = object.get("resourceType").and_then(Value::as_str) else {
        return false;
    };
    match kind {
        "Bundle" => {
            if let Some(entries) = object.get_mut("entry").and_then(Value::as_array_mut) {
                for entry in entries {
                    if let Some(resource) = entry.get_mut("resource") {
                        reshape(resource);
                    }
                }
            }
        }
        "ExplanationOfBenefit" => eob(object),
        "Coverage" => coverage(object),
        "Patient" => patient(object),
        "CapabilityStatement" => capability_statement(object),
        _ => {}
    }
    drop_profiles(object);
    true
}

/// STU3 Blue Button resources carry no CARIN profiles.
fn drop_profiles(object: &mut Map<String, Value>) {
    if let Some(meta) = object.get_mut("meta").and_then(Value::as_object_mut) {
        meta.remove("profile");
    }
}

fn rename(object: &mut Map<String, Value>, from: &str, to: &str) {
    if let Some(value) = object.remove(from) {
        object.insert(to.to_owned(), value);
    }
}

/// STU3 Money is a Quantity: `{"value", "system": "urn:iso:std:iso:4217", "code"}`, not R4's `currency`.
fn money_as_quantity(value: &mut Value) {
    match value {
        Value::Object(object) => {
            if let Some(currency) = object.remove("currency") {
                object.insert("system".into(), json!("urn:iso:std:iso:4217"));
                object.insert("code".into(), currency);
            }
            object.values_mut().for_each(money_as_quantity);
        }
        Value::Array(items) => items.iter_mut().for_each(money_as_quantity),
        _ => {}
    }
}

fn eob(object: &mut Map<String, Value>) {
    object.values_mut().for_each(money_as_quantity);
    let institutional = object
        .get("contained")
        .and_then(Value::as_array)
        .is_some_and(|c| c.iter().any(|r| r["resourceType"] == "Organization"));
    let total_charge = format!("{BB_VARIABLES}clm_tot_chrg_amt");
    let submitted = object
        .get("total")
        .and_then(Value::as_array)
        .and_then(|totals| {
            totals.iter().find(|t| {
                t["category"]["coding"]
                    .as_array()
                    .is_some_and(|c| c.iter().any(|c| c["code"] == total_charge.as_str()))
            })
        })
        .map(|t| t["amount"].clone());
    for r4_only in ["use", "created", "insurer", "outcome", "total", "subType"] {
        object.remove(r4_only);
    }
    if institutional && let Some(amount) = submitted {
        object.insert("totalCost".into(), amount);
    }
    rename(object, "supportingInfo", "information");
    if let Some(Value::Array(list)) = object.get_mut("insurance") {
        let mut first = list.first().cloned().unwrap_or_else(|| json!({}));
        if let Some(first) = first.as_object_mut() {
            first.remove("focal");
        }
        object.insert("insurance".into(), first);
    }
    if let Some(codings) = object
        .get_mut("type")
        .and_then(|t| t.get_mut("coding"))
        .and_then(Value::as_array_mut)
    {
        for coding in codings {
            if coding["system"] == R4_CLAIM_TYPE {
                coding["system"] = json!(STU3_CLAIM_TYPE);
            }
        }
    }
    if let Some(identifiers) = object.get_mut("identifier").and_then(Value::as_array_mut) {
        for identifier in identifiers.iter_mut().filter_map(Value::as_object_mut) {
            identifier.remove("type");
        }
    }
    if let Some(items) = object.get_mut("item").and_then(Value::as_array_mut) {
        for item in items.iter_mut().filter_map(Value::as_object_mut) {
            rename(item, "productOrService", "service");
            rename(item, "careTeamSequence", "careTeamLinkId");
            rename(item, "diagnosisSequence", "diagnosisLinkId");
            rename(item, "informationSequence", "informationLinkId");
            if let Some(adjudications) = item.get_mut("adjudication").and_then(Value::as_array_mut)
            {
                for adjudication in adjudications {
                    if let Some(codings) = adjudication["category"]["coding"].as_array_mut() {
                        codings.retain(|c| c["system"] == BB_ADJUDICATION);
                    }
                }
            }
        }
    }
}

fn coverage(object: &mut Map<String, Value>) {
    let plan = object
        .get("class")
        .and_then(Value::as_array)
        .and_then(|classes| {
            classes.iter().find(|c| {
                c["type"]["coding"]
                    .as_array()
                    .is_some_and(|c| c.iter().any(|c| c["code"] == "plan"))
            })
        })
        .and_then(|c| c["value"].as_str())
        .map(str::to_owned);
    for r4_only in ["class", "subscriberId", "relationship", "payor"] {
        object.remove(r4_only);
    }
    if let Some(plan) = plan {
        object.insert(
            "type".into(),
            json!({"coding": [{"system": "Medicare", "code": plan}]}),
        );
        object.insert(
            "grouping".into(),
            json!({"subGroup": "Medicare", "subPlan": plan}),
        );
    }
}

fn patient(object: &mut Map<String, Value>) {
    object.remove("extension");
    if let Some(identifiers) = object.get_mut("identifier").and_then(Value::as_array_mut) {
        for identifier in identifiers.iter_mut() {
            if identifier["system"] == MBI {
                let mbi = identifier["value"].as_str().unwrap_or_default();
                let hash: String = Sha256::digest(mbi.as_bytes())
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                let mut hashed = json!({"system": MBI_HASH, "value": hash});
                if let Some(period) = identifier.get("period") {
                    hashed["period"] = period.clone();
                }
                *identifier = hashed;
            } else if let Some(identifier) = identifier.as_object_mut() {
                identifier.remove("type");
            }
        }
    }
}

fn capability_statement(object: &mut Map<String, Value>) {
    object.insert("fhirVersion".into(), json!("3.0.2"));
    object.insert("acceptUnknown".into(), json!("extensions"));
    for rest in object
        .get_mut("rest")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        for resource in rest
            .get_mut("resource")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            if let Some(profile) = resource.get("profile").and_then(Value::as_str) {
                let reference = profile.replace("/StructureDefinition/", "/Profile/");
                resource["profile"] = json!({ "reference": reference });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_eob_takes_the_stu3_shape() {
        let mut eob = json!({
            "resourceType": "ExplanationOfBenefit", "id": "inpatient-1",
            "meta": {"profile": ["x"]}, "use": "claim", "outcome": "complete",
            "contained": [{"resourceType": "Organization", "id": "provider-org"}],
            "total": [{"category": {"coding": [{"system": BB_ADJUDICATION, "code": format!("{BB_VARIABLES}clm_tot_chrg_amt")}]}, "amount": {"value": 10.5}}],
            "supportingInfo": [{"sequence": 1}],
            "insurance": [{"focal": true, "coverage": {"reference": "Coverage/part-a-1"}}],
            "item": [{"productOrService": {"text": "x"}, "careTeamSequence": [1],
                      "adjudication": [{"category": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/adjudication", "code": "submitted"}, {"system": BB_ADJUDICATION, "code": "v"}]}}]}],
        });
        assert!(reshape(&mut eob));
        assert_eq!(eob["totalCost"]["value"], 10.5);
        assert_eq!(
            eob["insurance"],
            json!({"coverage": {"reference": "Coverage/part-a-1"}})
        );
        assert_eq!(eob["information"], json!([{"sequence": 1}]));
        assert_eq!(eob["item"][0]["service"]["text"], "x");
        assert_eq!(eob["item"][0]["careTeamLinkId"], json!([1]));
        assert_eq!(
            eob["item"][0]["adjudication"][0]["category"]["coding"]
                .as_array()
                .map(Vec::len),
            Some(1)
        );
        for gone in ["use", "outcome", "total", "supportingInfo"] {
            assert!(eob.get(gone).is_none(), "{gone}");
        }
        assert!(eob["meta"].get("profile").is_none());
    }

    #[test]
    fn a_coverage_gets_its_grouping_and_a_patient_its_mbi_hash() {
        let mut coverage = json!({"resourceType": "Coverage", "subscriberId": "1S",
            "class": [{"type": {"coding": [{"code": "plan"}]}, "value": "Part B"}]});
        reshape(&mut coverage);
        assert_eq!(coverage["grouping"]["subPlan"], "Part B");
        assert!(coverage.get("class").is_none() && coverage.get("subscriberId").is_none());
        let mut patient = json!({"resourceType": "Patient",
            "identifier": [{"system": MBI, "value": "1S00A00AA00"}]});
        reshape(&mut patient);
        assert_eq!(patient["identifier"][0]["system"], MBI_HASH);
        assert_eq!(
            patient["identifier"][0]["value"].as_str().map(str::len),
            Some(64)
        );
    }

    #[test]
    fn other_json_is_left_alone() {
        let mut detail = json!({"detail": "Not found."});
        assert!(!reshape(&mut detail));
        assert_eq!(detail, json!({"detail": "Not found."}));
    }
}
