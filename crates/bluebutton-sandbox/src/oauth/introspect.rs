//! `/vN/o/introspect/` (RFC 7662 as django-oauth-toolkit answers it, unknown-token 500 included).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::body::{field, form_fields};
use super::client_auth;
use crate::responses::{JSON, Py, py_dumps, server_error, text_html, with_body};
use crate::state::{AppState, lock};

/// `GET ?token=` or `POST token=…`, with client authentication.
pub(crate) async fn introspect(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let headers = request.headers().clone();
    let mut fields: Vec<(String, String)> = request
        .uri()
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    fields.extend(form_fields(request).await);
    if client_auth::authenticate(&state, &headers, &fields).is_err() {
        return text_html(StatusCode::FORBIDDEN, "");
    }
    let token = field(&fields, "token").unwrap_or_default();
    let hint = field(&fields, "token_type_hint");
    let now = state.clock.now();
    let inactive = || with_body(StatusCode::OK, JSON, py_dumps(&[("active", Py::B(false))]));
    let store = lock(&state.store);
    if let Some(access) = store.access.get(token) {
        if access.expires <= now {
            return inactive();
        }
        let username = state
            .data
            .find(&access.patient)
            .map(|b| b.info.username.clone())
            .unwrap_or_default();
        let body = py_dumps(&[
            ("active", Py::B(true)),
            ("scope", Py::S(&access.scopes.join(" "))),
            ("exp", Py::I(access.expires.unix_timestamp())),
            ("client_id", Py::S(&state.settings.client_id)),
            ("username", Py::S(&username)),
        ]);
        return with_body(StatusCode::OK, JSON, body);
    }
    if hint == Some("refresh_token") && store.refresh.contains_key(token) {
        return inactive();
    }
    if state.settings.fidelity.introspect_unknown_token_500 {
        server_error()
    } else {
        inactive()
    }
}
