//! `/vN/o/token[/]`: authorization-code exchange with PKCE S256, and refresh with rotation.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;
use sha2::{Digest, Sha256};

use super::body::{field, form_fields};
use super::client_auth;
use super::store::{Access, Refresh, RefreshStatus, Terms};
use crate::builder::DataAccessType;
use crate::clock::iso_seconds;
use crate::faults::Fault;
use crate::responses::{
    JSON, Py, bb2_oauth_error, dot_error, no_store, py_dumps, server_error, with_body,
};
use crate::server::ConnectionDropper;
use crate::state::{AppState, CounterCells, lock};

const ACCESS_NOT_FOUND: &str = "User access cannot be found. To refresh Medicare data, end user must re-authenticate and consent to share their data.";
const ACCESS_TIMED_OUT: &str = "User access has timed out. To refresh Medicare data, end user must re-authenticate and consent to share their data.";
const ONE_TIME_REFRESH: &str = "Your application is not allowed to refresh tokens. To refresh Medicare data, end user must re-authenticate and consent to share their data.";

/// `POST /vN/o/token[/]`.
pub(crate) async fn token(State(state): State<Arc<AppState>>, request: Request) -> Response {
    CounterCells::bump(&state.counters.token_posts);
    let dropper = request.extensions().get::<ConnectionDropper>().cloned();
    let mut backend = Backend::Reachable;
    if state.settings.faults.include_token_endpoint {
        match inject(&state, dropper.as_ref()).await {
            Injected::Nothing => {}
            Injected::BackendUnreachable => backend = Backend::Unreachable,
            Injected::Answer(response) => return response,
        }
    }
    let headers = request.headers().clone();
    let fields = form_fields(request).await;
    if let Err(response) = client_auth::authenticate(&state, &headers, &fields) {
        return *response;
    }
    match field(&fields, "grant_type") {
        Some("authorization_code") if backend == Backend::Unreachable => {
            CounterCells::bump(&state.counters.server_errors);
            server_error()
        }
        Some("authorization_code") => exchange(&state, &fields),
        Some("refresh_token") => refresh(&state, &fields, backend),
        _ => dot_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", None),
    }
}

/// Whether the claims back end answers during this token request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Backend {
    Reachable,
    Unreachable,
}

/// What a token-endpoint fault does to the request.
enum Injected {
    Nothing,
    /// Go on, but the claims back-end call fails (a refresh rotates first, then answers 500).
    BackendUnreachable,
    /// Answer this at once.
    Answer(Response),
}

/// Faults on the token endpoint: latency, then a queued or random fault.
async fn inject(state: &AppState, dropper: Option<&ConnectionDropper>) -> Injected {
    let faults = &state.settings.faults;
    if !faults.latency.is_zero() {
        CounterCells::bump(&state.counters.delayed);
        tokio::time::sleep(faults.latency).await;
    }
    let Some(fault) = lock(&state.injected)
        .pop_front()
        .or_else(|| state.dice.roll(faults))
    else {
        return Injected::Nothing;
    };
    match fault {
        Fault::DropConnection => {
            CounterCells::bump(&state.counters.dropped);
            if let Some(dropper) = dropper {
                dropper.drop_connection();
            }
            std::future::pending::<()>().await;
            Injected::Nothing
        }
        Fault::BackendUnreachable => Injected::BackendUnreachable,
        Fault::ServerError | Fault::Throttle | Fault::RefreshFailsAfterRotation => {
            CounterCells::bump(&state.counters.server_errors);
            Injected::Answer(server_error())
        }
    }
}

fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn exchange(state: &AppState, fields: &[(String, String)]) -> Response {
    let Some(code) = field(fields, "code") else {
        return dot_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            Some("Missing code parameter."),
        );
    };
    let now = state.clock.now();
    let mut store = lock(&state.store);
    let Some(record) = store.codes.get(code).filter(|c| c.expires > now).cloned() else {
        return dot_error(StatusCode::BAD_REQUEST, "invalid_grant", None);
    };
    let Some(verifier) = field(fields, "code_verifier") else {
        return dot_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            Some("Code verifier required."),
        );
    };
    if verifier.len() < 43 || s256(verifier) != record.challenge {
        return dot_error(StatusCode::BAD_REQUEST, "invalid_grant", None);
    }
    let redirect_ok = match field(fields, "redirect_uri") {
        Some(uri) => uri == record.redirect_uri,
        None => state.settings.redirect_uris.first() == Some(&record.redirect_uri),
    };
    if !redirect_ok {
        return dot_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            Some("Mismatching redirect URI."),
        );
    }
    store.codes.remove(code);
    let response = issue(
        state,
        &mut store,
        &record.patient,
        record.scopes.clone(),
        record.terms,
    );
    drop(store);
    CounterCells::bump(&state.counters.codes_exchanged);
    response
}

fn refresh(state: &AppState, fields: &[(String, String)], backend: Backend) -> Response {
    let Some(token) = field(fields, "refresh_token") else {
        return bb2_oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing refresh token parameter",
        );
    };
    let now = state.clock.now();
    let mut store = lock(&state.store);
    let Some(record) = store.refresh.get(token).cloned() else {
        return bb2_oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Refresh token not found.",
        );
    };
    if state.settings.data_access_type == DataAccessType::OneTime {
        return bb2_oauth_error(StatusCode::FORBIDDEN, "invalid_client", ONE_TIME_REFRESH);
    }
    match store.grants.get(&record.patient) {
        None => return bb2_oauth_error(StatusCode::FORBIDDEN, "invalid_grant", ACCESS_NOT_FOUND),
        Some(grant) if grant.expires.is_some_and(|e| e <= now) => {
            return bb2_oauth_error(StatusCode::UNAUTHORIZED, "invalid_grant", ACCESS_TIMED_OUT);
        }
        Some(_) => {}
    }
    match record.status {
        RefreshStatus::Rotated => {
            CounterCells::bump(&state.counters.refresh_token_reuses);
            return dot_error(StatusCode::BAD_REQUEST, "invalid_grant", None);
        }
        RefreshStatus::Revoked => return dot_error(StatusCode::BAD_REQUEST, "invalid_grant", None),
        RefreshStatus::Live => {}
    }
    let scopes = match field(fields, "scope") {
        Some(asked) => {
            let asked: Vec<String> = asked.split_whitespace().map(str::to_owned).collect();
            if asked.iter().any(|s| !record.scopes.contains(s)) {
                return dot_error(StatusCode::BAD_REQUEST, "invalid_scope", None);
            }
            asked
        }
        None => record.scopes.clone(),
    };
    // Rotation: the old refresh token is retired and its access token deleted at once.
    if let Some(old) = store.refresh.get_mut(token) {
        old.status = RefreshStatus::Rotated;
        if let Some(access) = old.access.take() {
            store.access.remove(&access);
        }
    }
    let response = issue(state, &mut store, &record.patient, scopes, record.terms);
    drop(store);
    CounterCells::bump(&state.counters.refreshes);
    let queued = state
        .counters
        .fail_refreshes_after_rotation
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
        .is_ok();
    let fail = backend == Backend::Unreachable
        || queued
        || state.dice.refresh_fails(&state.settings.faults);
    if fail {
        // Rotated and saved, then the claims back-end call failed: the client never sees the
        // new pair, and its old refresh token is spent.
        CounterCells::bump(&state.counters.refresh_failures_after_rotation);
        return server_error();
    }
    response
}

/// Creates an access/refresh pair and answers with the real token response.
fn issue(
    state: &AppState,
    store: &mut super::store::Store,
    patient: &str,
    scopes: Vec<String>,
    terms: Terms,
) -> Response {
    let now = state.clock.now();
    let ttl = state.settings.access_token_ttl;
    let access_token = state.new_token();
    let refresh_token = state.new_token();
    let expires = now + time::Duration::try_from(ttl).unwrap_or(time::Duration::HOUR);
    let grant_expiration = match state.settings.data_access_type {
        DataAccessType::ThirteenMonth => store
            .grants
            .get(patient)
            .and_then(|g| g.expires)
            .map(iso_seconds)
            .unwrap_or_default(),
        DataAccessType::OneTime => iso_seconds(expires),
        DataAccessType::ResearchStudy => String::new(),
    };
    let scope = scopes.join(" ");
    store.access.insert(
        access_token.clone(),
        Access {
            patient: patient.to_owned(),
            scopes: scopes.clone(),
            terms,
            expires,
            refresh: refresh_token.clone(),
        },
    );
    store.refresh.insert(
        refresh_token.clone(),
        Refresh {
            patient: patient.to_owned(),
            scopes,
            terms,
            access: Some(access_token.clone()),
            status: RefreshStatus::Live,
        },
    );
    let body = py_dumps(&[
        ("access_token", Py::S(&access_token)),
        (
            "expires_in",
            Py::I(i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX)),
        ),
        ("token_type", Py::S("Bearer")),
        ("scope", Py::S(&scope)),
        ("refresh_token", Py::S(&refresh_token)),
        ("patient", Py::S(patient)),
        ("access_grant_expiration", Py::S(&grant_expiration)),
    ]);
    no_store(with_body(StatusCode::OK, JSON, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_matches_rfc7636_appendix_b() {
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
