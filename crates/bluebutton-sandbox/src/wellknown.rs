//! Discovery documents: openid-configuration, smart-configuration, the CapabilityStatement, JWKS.

use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use crate::clock::fhir_instant;
use crate::fhir::to_fhir_string;
use crate::responses::{JSON, with_body};
use crate::router::Version;
use crate::state::AppState;

fn host(state: &AppState, headers: &HeaderMap) -> String {
    headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(|h| format!("http://{h}"))
        .unwrap_or_else(|| state.base_url.as_str().trim_end_matches('/').to_owned())
}

fn openid(h: &str, version: Version) -> Value {
    // v1 and v2 are identical and both point at /v2/ endpoints.
    let v = if version == Version::V3 { "v3" } else { "v2" };
    json!({
        "issuer": h,
        "authorization_endpoint": format!("{h}/{v}/o/authorize"),
        "revocation_endpoint": format!("{h}/{v}/o/revoke_token"),
        "token_endpoint": format!("{h}/{v}/o/token"),
        "userinfo_endpoint": format!("{h}/{v}/connect/userinfo"),
        "ui_locales_supported": ["en-US"],
        "service_documentation": "https://bluebutton.cms.gov/developers",
        "op_tos_uri": "https://bluebutton.cms.gov/terms",
        "grant_types_supported": ["refresh_token", "authorization_code"],
        "response_types_supported": ["code", "token"],
        "fhir_metadata_uri": format!("{h}/{v}/fhir/metadata"),
    })
}

fn json_ok(value: &Value) -> Response {
    with_body(StatusCode::OK, JSON, value.to_string())
}

/// `/.well-known/openid-configuration` and `-v2`.
pub(crate) async fn openid_default(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Response {
    json_ok(&openid(&host(&state, &headers), Version::V2))
}

/// `/.well-known/openid-configuration-v3`.
pub(crate) async fn openid_v3(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    json_ok(&openid(&host(&state, &headers), Version::V3))
}

/// `/vN/connect/.well-known/openid-configuration`.
pub(crate) async fn openid_versioned(
    State(state): State<Arc<AppState>>,
    Extension(version): Extension<Version>,
    headers: HeaderMap,
) -> Response {
    json_ok(&openid(&host(&state, &headers), version))
}

/// `/.well-known/jwks.json` (no keys: the sandbox signs nothing).
pub(crate) async fn jwks() -> Response {
    json_ok(&json!({"keys": []}))
}

/// `/vN/fhir/.well-known/smart-configuration`.
pub(crate) async fn smart(
    State(state): State<Arc<AppState>>,
    Extension(version): Extension<Version>,
    headers: HeaderMap,
) -> Response {
    let h = host(&state, &headers);
    let v = version.segment();
    let mut scopes = vec![
        "openid".to_owned(),
        "profile".to_owned(),
        "launch/patient".to_owned(),
    ];
    for resource in ["Patient", "ExplanationOfBenefit", "Coverage"] {
        scopes.push(format!("patient/{resource}.read"));
        scopes.push(format!("patient/{resource}.rs"));
    }
    let mut grants = vec!["authorization_code"];
    let mut capabilities = vec![
        "client-confidential-symmetric",
        "context-standalone-patient",
        "launch-standalone",
        "permission-offline",
        "permission-patient",
        "permission-v1",
        "permission-v2",
        "authorize-post",
    ];
    let mut doc = json!({
        "authorization_endpoint": format!("{h}/{v}/o/authorize"),
        "token_endpoint": format!("{h}/{v}/o/token"),
        "revocation_endpoint": format!("{h}/{v}/o/revoke_token"),
        "response_types_supported": ["code", "token"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": scopes,
    });
    if version == Version::V3 {
        grants.push("client_credentials");
        capabilities.push("client-confidential-asymmetric");
        if let Some(map) = doc.as_object_mut() {
            map.insert(
                "token_endpoint_auth_methods_supported".into(),
                json!(["client_secret_basic", "private_key_jwt"]),
            );
            map.insert(
                "token_endpoint_auth_signing_alg_values_supported".into(),
                json!(["ES384", "RS256", "RS384", "RS512"]),
            );
        }
    }
    if let Some(map) = doc.as_object_mut() {
        map.insert("grant_types_supported".into(), json!(grants));
        map.insert("capabilities".into(), json!(capabilities));
    }
    json_ok(&doc)
}

/// `/vN/fhir/metadata`: a CapabilityStatement (no authentication), `application/json`.
pub(crate) async fn metadata(
    State(state): State<Arc<AppState>>,
    Extension(version): Extension<Version>,
    headers: HeaderMap,
) -> Response {
    let h = host(&state, &headers);
    let v = version.segment();
    let resources: Vec<Value> = [
        ("Coverage", vec!["beneficiary", "_lastUpdated"]),
        ("ExplanationOfBenefit", vec!["patient", "type", "service-date", "_lastUpdated"]),
        ("Patient", vec!["_id", "identifier", "_lastUpdated"]),
    ]
    .into_iter()
    .map(|(kind, params)| {
        json!({
            "type": kind,
            "profile": format!("http://hl7.org/fhir/StructureDefinition/{kind}"),
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchParam": params.iter().map(|p| json!({"name": p, "type": if p.contains("date") || p.starts_with("_last") { "date" } else { "token" }})).collect::<Vec<_>>(),
        })
    })
    .collect();
    let doc = json!({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": fhir_instant(state.clock.now()),
        "publisher": "Centers for Medicare & Medicaid Services",
        "kind": "instance",
        "software": {"name": "Blue Button API: Direct (bluebutton-sandbox emulator)", "version": env!("CARGO_PKG_VERSION")},
        "implementation": {"description": "bluebutton-sandbox", "url": format!("{h}/{v}/fhir/")},
        "fhirVersion": "4.0.1",
        "format": ["application/json", "application/fhir+json"],
        "rest": [{
            "mode": "server",
            "security": {
                "extension": [{
                    "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                    "extension": [
                        {"url": "token", "valueUri": format!("{h}/{v}/o/token/")},
                        {"url": "authorize", "valueUri": format!("{h}/{v}/o/authorize/")},
                    ],
                }],
                "service": [{"text": "OAuth"}, {"coding": [{"system": "http://hl7.org/fhir/restful-security-service", "code": "SMART-on-FHIR", "display": "SMART-on-FHIR"}], "text": "SMART-on-FHIR"}],
            },
            "resource": resources,
        }],
    });
    with_body(StatusCode::OK, JSON, to_fhir_string(&doc))
}
