//! `/revoke_token/` (RFC 7009), `/revoke/` (also deletes the data-access grant), and the sandbox's
//! `/expire_authenticated_user/<patient>/`.

use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::body::{field, form_fields};
use super::client_auth;
use crate::responses::text_html;
use crate::state::{AppState, lock};

/// `POST /vN/o/revoke_token/`: always 200 with an empty body once the client is authenticated.
pub(crate) async fn revoke_token(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let headers = request.headers().clone();
    let fields = form_fields(request).await;
    if let Err(response) = client_auth::authenticate(&state, &headers, &fields) {
        return *response;
    }
    if let Some(token) = field(&fields, "token") {
        lock(&state.store).revoke_token(token);
    }
    text_html(StatusCode::OK, "")
}

/// `POST /vN/o/revoke/`: revokes the token and deletes the grant (every token of the pair goes).
pub(crate) async fn revoke(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let headers = request.headers().clone();
    let fields = form_fields(request).await;
    if let Err(response) = client_auth::authenticate(&state, &headers, &fields) {
        return *response;
    }
    if let Some(token) = field(&fields, "token") {
        let mut store = lock(&state.store);
        if let Some(patient) = store.revoke_token(token) {
            store.grants.remove(&patient);
            store.revoke_tokens_of(&patient);
        }
    }
    text_html(StatusCode::OK, "")
}

/// `POST /vN/o/expire_authenticated_user/<patient>/`.
pub(crate) async fn expire_authenticated_user(
    State(state): State<Arc<AppState>>,
    Path(patient): Path<String>,
    request: Request,
) -> Response {
    let headers = request.headers().clone();
    let fields = form_fields(request).await;
    if client_auth::authenticate(&state, &headers, &fields).is_err() {
        return text_html(StatusCode::FORBIDDEN, "");
    }
    if state.data.find(&patient).is_none() {
        return text_html(
            StatusCode::NOT_FOUND,
            "Patient was Not Found. Please check the id number and try again.",
        );
    }
    let mut store = lock(&state.store);
    if store.grants.remove(&patient).is_none() {
        return text_html(StatusCode::NOT_FOUND, "Data Access Grant was Not Found.");
    }
    store.access.retain(|_, a| a.patient != patient);
    text_html(StatusCode::OK, "success")
}
