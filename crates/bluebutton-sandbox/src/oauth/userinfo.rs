//! `/vN/connect/userinfo`: the real shape (ISO `iat`, `sub` = `patient` = the FHIR id).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::bearer::{authenticate, forbidden, unauthorized};
use crate::clock::iso_millis;
use crate::responses::{JSON, with_body};
use crate::state::AppState;

/// `GET /vN/connect/userinfo` (any suffix matches, as the real route has no `$`).
pub(crate) async fn userinfo(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let caller = match authenticate(&state, &headers) {
        Ok(caller) => caller,
        Err(rejection) => return unauthorized(rejection, JSON),
    };
    if !caller.scopes.iter().any(|s| s == "profile") {
        return forbidden(JSON);
    }
    let Some(bene) = state.data.find(&caller.patient) else {
        return forbidden(JSON);
    };
    let info = &bene.info;
    let body = serde_json::json!({
        "sub": info.patient_id,
        "name": format!("{} {}", info.given_name, info.family_name),
        "given_name": info.given_name,
        "family_name": info.family_name,
        "email": format!("{}@bb2.com", info.username.to_ascii_lowercase()),
        "iat": iso_millis(bene.date_joined()),
        "patient": info.patient_id,
    });
    with_body(StatusCode::OK, JSON, body.to_string())
}
