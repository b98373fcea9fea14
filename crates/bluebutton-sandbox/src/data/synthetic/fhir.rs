//! Small builders for the FHIR JSON fragments BFD repeats everywhere (codings, extensions, money).

use serde_json::{Value, json};

/// Base of the Blue Button CCW variable URLs.
pub(super) const BB_VAR: &str = "https://bluebutton.cms.gov/resources/variables/";
/// The CARIN Blue Button profile base.
pub(super) const C4BB: &str = "http://hl7.org/fhir/us/carin-bb/StructureDefinition/";

/// `{"system", "code", "display"?}`.
pub(super) fn coding(system: &str, code: &str, display: Option<&str>) -> Value {
    match display {
        Some(display) => json!({"system": system, "code": code, "display": display}),
        None => json!({"system": system, "code": code}),
    }
}

/// A Blue Button variable coding (`system` = the variable's URL).
pub(super) fn var_coding(var: &str, code: &str, display: Option<&str>) -> Value {
    coding(&format!("{BB_VAR}{var}"), code, display)
}

/// An extension with a `valueCoding` of a Blue Button variable.
pub(super) fn ext_coding(var: &str, code: &str, display: Option<&str>) -> Value {
    json!({"url": format!("{BB_VAR}{var}"), "valueCoding": var_coding(var, code, display)})
}

/// An extension with a `valueIdentifier` of a Blue Button variable.
pub(super) fn ext_identifier(var: &str, value: &str) -> Value {
    json!({"url": format!("{BB_VAR}{var}"),
           "valueIdentifier": {"system": format!("{BB_VAR}{var}"), "value": value}})
}

/// An extension with a `valueDate`.
pub(super) fn ext_date(var: &str, date: &str) -> Value {
    json!({"url": format!("{BB_VAR}{var}"), "valueDate": date})
}

/// An extension with a `valueQuantity`.
pub(super) fn ext_quantity(var: &str, value: f64) -> Value {
    json!({"url": format!("{BB_VAR}{var}"), "valueQuantity": {"value": value}})
}

/// `{"value": amount, "currency": "USD"}`.
pub(super) fn money(amount: f64) -> Value {
    json!({"value": amount, "currency": "USD"})
}

/// An adjudication entry: a CARIN/HL7 category plus the Blue Button variable it comes from.
pub(super) fn adjudication(
    category_system: &str,
    category: &str,
    category_display: &str,
    var: &str,
    var_display: &str,
    amount: f64,
) -> Value {
    json!({
        "category": {"coding": [
            coding(category_system, category, Some(category_display)),
            coding("https://bluebutton.cms.gov/resources/codesystem/adjudication",
                   &format!("{BB_VAR}{var}"), Some(var_display)),
        ]},
        "amount": money(amount),
    })
}

/// The HL7 adjudication code system.
pub(super) const HL7_ADJ: &str = "http://terminology.hl7.org/CodeSystem/adjudication";
/// The CARIN adjudication code system.
pub(super) const C4BB_ADJ: &str = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudication";
