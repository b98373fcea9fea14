//! `GET /v3/fhir/Patient/$generate-insurance-card`: a Bundle of CARIN Digital Insurance Card
//! (C4DIC) Patient, Coverage and Organization resources for the token's beneficiary. The card
//! shows demographics and coverage, so the token needs both Patient and Coverage read scopes.

use std::sync::Arc;

use axum::extract::State;
use axum::http::request::Parts;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::handlers::{admit, not_found, ok, origin, with_rate};
use crate::clock::fhir_instant;
use crate::oauth::bearer::forbidden;
use crate::router::Version;
use crate::state::AppState;

/// The C4DIC profile base.
const C4DIC: &str = "http://hl7.org/fhir/us/insurance-card/StructureDefinition/";
/// The id of the issuer of every Medicare card.
const CMS_ORGANIZATION_ID: &str = "c4dic-cms";

/// The handler.
pub(crate) async fn generate(State(state): State<Arc<AppState>>, request: Parts) -> Response {
    let admitted = match admit(&state, Version::V3, "Patient", false, &request).await {
        Ok(a) => a,
        Err(response) => return response,
    };
    if !crate::oauth::scopes_allow(&admitted.caller.scopes, "Coverage", false) {
        return with_rate(forbidden(admitted.content_type), &admitted.rate);
    }
    let Some(bene) = state.data.find(&admitted.caller.patient) else {
        return not_found(&admitted);
    };
    let base = format!("{}/v3/fhir", origin(&state, &request.headers));
    let now = fhir_instant(state.clock.now());
    let card = card(&bene.v3_patient(), &bene.v3_coverages());
    let entries: Vec<Value> = card
        .into_iter()
        .map(|resource| {
            let kind = resource["resourceType"].as_str().unwrap_or_default();
            let id = resource["id"].as_str().unwrap_or_default();
            json!({"fullUrl": format!("{base}/{kind}/{id}"), "resource": resource})
        })
        .collect();
    let bundle = json!({
        "resourceType": "Bundle",
        "id": state.new_uuid(),
        "meta": {"lastUpdated": now},
        "type": "collection",
        "timestamp": now,
        "entry": entries,
    });
    ok(&bundle, &admitted)
}

/// Copies the named fields of `from` (those present) into a new resource of `kind` with `profile`.
fn reshaped(kind: &str, profile: &str, from: &Value, fields: &[&str]) -> Value {
    let mut map = Map::new();
    map.insert("resourceType".into(), json!(kind));
    if let Some(id) = from.get("id") {
        map.insert("id".into(), id.clone());
    }
    map.insert(
        "meta".into(),
        json!({"profile": [format!("{C4DIC}{profile}")]}),
    );
    for field in fields {
        if let Some(value) = from.get(*field) {
            map.insert((*field).into(), value.clone());
        }
    }
    Value::Object(map)
}

/// The card's resources: the Patient, the issuer, then one Coverage per Medicare part.
fn card(patient: &Value, coverages: &[Value]) -> Vec<Value> {
    let patient = reshaped(
        "Patient",
        "C4DIC-Patient",
        patient,
        &["identifier", "name", "gender", "birthDate", "address"],
    );
    let organization = json!({
        "resourceType": "Organization",
        "id": CMS_ORGANIZATION_ID,
        "meta": {"profile": [format!("{C4DIC}C4DIC-Organization")]},
        "active": true,
        "type": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/organization-type", "code": "pay", "display": "Payer"}]}],
        "name": "Centers for Medicare & Medicaid Services",
        "telecom": [
            {"system": "phone", "value": "1-800-633-4227", "use": "work"},
            {"system": "url", "value": "https://www.medicare.gov"},
        ],
        "address": [{"line": ["7500 Security Boulevard"], "city": "Baltimore", "state": "MD", "postalCode": "21244", "country": "US"}],
    });
    let mut resources = vec![patient, organization];
    for coverage in coverages {
        let mut card_coverage = reshaped(
            "Coverage",
            "C4DIC-Coverage",
            coverage,
            &[
                "status",
                "type",
                "subscriberId",
                "beneficiary",
                "relationship",
                "period",
                "class",
            ],
        );
        if let Some(map) = card_coverage.as_object_mut() {
            map.insert(
                "payor".into(),
                json!([{"reference": format!("Organization/{CMS_ORGANIZATION_ID}")}]),
            );
        }
        resources.push(card_coverage);
    }
    resources
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_card_reshapes_patient_and_coverages_and_names_the_issuer() {
        let patient = json!({"resourceType": "Patient", "id": "-1", "meta": {"profile": ["x"]},
                             "name": [{"family": "Doe"}], "extension": [{"url": "dropped"}]});
        let coverage = json!({"resourceType": "Coverage", "id": "part-a--1", "status": "active",
                              "payor": [{"identifier": {"value": "CMS"}}], "subscriberId": "1S00"});
        let card = card(&patient, &[coverage]);
        let kinds: Vec<&str> = card
            .iter()
            .map(|r| r["resourceType"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(kinds, ["Patient", "Organization", "Coverage"]);
        assert_eq!(
            card[0]["meta"]["profile"][0],
            format!("{C4DIC}C4DIC-Patient")
        );
        assert!(card[0].get("extension").is_none());
        assert_eq!(card[0]["name"][0]["family"], "Doe");
        assert_eq!(card[2]["subscriberId"], "1S00");
        assert_eq!(card[2]["payor"][0]["reference"], "Organization/c4dic-cms");
        assert_eq!(
            card[1]["meta"]["profile"][0],
            format!("{C4DIC}C4DIC-Organization")
        );
    }
}
