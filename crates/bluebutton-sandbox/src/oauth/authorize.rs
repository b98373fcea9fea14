//! `/vN/o/authorize/`: the real parameter checks, then auto-approval or a redirect to the consent page.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{RawQuery, Request, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use url::Url;

use super::body::{field, form_fields};
use super::scopes;
use super::store::{AuthRequest, Code, Grant, Terms};
use crate::builder::{Approval, ConsentMode, DataAccessType};
use crate::clock::add_months;
use crate::responses::{JSON, found, html_page, status_message, text_html, with_body};
use crate::router::Version;
use crate::state::{AppState, CounterCells, lock};

/// `301` from `/vN/o/authorize` to `/vN/o/authorize/` (query kept).
pub(crate) async fn add_slash(Extension(version): Extension<Version>, uri: Uri) -> Response {
    let path = format!("/{}/o/authorize/", version.segment());
    let location = match uri.query() {
        Some(q) => format!("{path}?{q}"),
        None => path,
    };
    let mut response = StatusCode::MOVED_PERMANENTLY.into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// `GET /vN/o/authorize/`.
pub(crate) async fn get(
    State(state): State<Arc<AppState>>,
    Extension(version): Extension<Version>,
    RawQuery(query): RawQuery,
) -> Response {
    let fields: Vec<(String, String)> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    authorize(&state, version, &fields)
}

/// `POST /vN/o/authorize/` (`authorize-post`): the same checks on the form body; `state` is required.
pub(crate) async fn post(
    State(state): State<Arc<AppState>>,
    Extension(version): Extension<Version>,
    request: Request,
) -> Response {
    let mut fields: Vec<(String, String)> = request
        .uri()
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let body = form_fields(request).await;
    if field(&body, "state").is_none() {
        return status_message(StatusCode::UNAUTHORIZED, "State required in POST body.");
    }
    fields.extend(body);
    authorize(&state, version, &fields)
}

fn authorize(state: &Arc<AppState>, version: Version, fields: &[(String, String)]) -> Response {
    let request = match validate(state, version, fields) {
        Ok(request) => request,
        Err(response) => return *response,
    };
    if field(fields, "response_type") != Some("code") {
        if !request.redirect_registered {
            return mismatching_redirect_uri();
        }
        return found(&redirect_with(
            &request.redirect_uri,
            &[
                ("error", "unsupported_response_type"),
                ("state", &request.state),
            ],
        ));
    }
    match state.settings.consent {
        ConsentMode::ConsentPage => {
            let id = state.new_uuid();
            lock(&state.store).pending.insert(id.clone(), request);
            found(&format!("/{}/o/authorize/{id}/", version.segment()))
        }
        ConsentMode::AutoApprove => {
            let decision = auto_decision(state, fields);
            decide(state, request, decision)
        }
    }
}

/// The real checks, in the real order. `Ok` carries the stored request.
fn validate(
    state: &AppState,
    version: Version,
    fields: &[(String, String)],
) -> Result<AuthRequest, Box<Response>> {
    let reject = |response: Response| Err(Box::new(response));
    if fields.iter().any(|(k, _)| k == "client_secret") {
        return reject(text_html(
            StatusCode::BAD_REQUEST,
            "Illegal query parameter [client_secret] detected",
        ));
    }
    let mut required = vec!["code_challenge", "code_challenge_method", "state"];
    if version == Version::V3 {
        required.push("scope");
    }
    let missing: Vec<&str> = required
        .into_iter()
        .filter(|name| field(fields, name).is_none())
        .collect();
    if !missing.is_empty() {
        return reject(status_message(
            StatusCode::BAD_REQUEST,
            &format!("Missing Required Parameter(s): {}", missing.join(", ")),
        ));
    }
    if field(fields, "code_challenge_method") != Some("S256") {
        return reject(with_body(
            StatusCode::BAD_REQUEST,
            JSON,
            r#"{"status_code":400,"error":"invalid_request","error_description":"code_challenge_method must be S256"}"#,
        ));
    }
    let state_param = field(fields, "state").unwrap_or_default();
    if state_param.chars().count() < 16 {
        return reject(status_message(
            StatusCode::BAD_REQUEST,
            "State parameter should have a minimum of 16 characters",
        ));
    }
    match field(fields, "client_id") {
        None => {
            return reject(html_page(
                StatusCode::UNAUTHORIZED,
                "Error: invalid_request",
                "Missing client_id parameter.",
            ));
        }
        Some(id) if id != state.settings.client_id => {
            return reject(html_page(
                StatusCode::BAD_REQUEST,
                "Error: invalid_client_id",
                "Invalid client_id parameter value.",
            ));
        }
        Some(_) => {}
    }
    // An unregistered `redirect_uri` passes here (the real server sends the beneficiary to the
    // Medicare login first) and is refused at the approval step.
    let registered = &state.settings.redirect_uris;
    let (redirect_uri, redirect_registered) = match field(fields, "redirect_uri") {
        Some(uri) => (uri.to_owned(), registered.iter().any(|r| r == uri)),
        None if registered.len() == 1 => (registered[0].clone(), true),
        None => return reject(mismatching_redirect_uri()),
    };
    Ok(AuthRequest {
        version,
        redirect_uri,
        redirect_registered,
        state: state_param.to_owned(),
        challenge: field(fields, "code_challenge")
            .unwrap_or_default()
            .trim_end_matches('=')
            .to_owned(),
        scope: field(fields, "scope").map(str::to_owned),
    })
}

/// The real error page for a `redirect_uri` that is not registered.
pub(crate) fn mismatching_redirect_uri() -> Response {
    html_page(
        StatusCode::BAD_REQUEST,
        "Error: invalid_request",
        "Mismatching redirect URI.",
    )
}

/// The beneficiary's decision in auto-approve mode (precedence documented in the crate docs).
fn auto_decision(state: &AppState, fields: &[(String, String)]) -> Approval {
    let decision = field(fields, "sandbox_decision");
    if decision == Some("deny") {
        return Approval::Deny;
    }
    let samhsa = match field(fields, "sandbox_samhsa") {
        Some("share") => Some(true),
        Some("decline") => Some(false),
        _ => None,
    };
    let with_samhsa = |approval: Approval| match samhsa {
        Some(share) => approval.sharing_samhsa(share),
        None => approval,
    };
    if let Some(patient) = field(fields, "sandbox_patient") {
        let approval = if decision == Some("approve-no-demographics") {
            Approval::approve_without_demographics()
        } else {
            Approval::approve_default()
        };
        return with_samhsa(approval.for_patient(patient));
    }
    if decision == Some("approve-no-demographics") {
        return with_samhsa(Approval::approve_without_demographics());
    }
    if let Some(queued) = lock(&state.approvals).pop_front() {
        return with_samhsa(queued);
    }
    if state.dice.deny(&state.settings.faults) {
        return Approval::Deny;
    }
    with_samhsa(Approval::approve_default())
}

/// Carries out a decision: a code (and grant) or `error=access_denied`.
pub(crate) fn decide(state: &AppState, request: AuthRequest, decision: Approval) -> Response {
    if !request.redirect_registered {
        return mismatching_redirect_uri();
    }
    let (patient_id, share, share_samhsa) = match decision {
        Approval::Approve {
            patient_id,
            share_demographics,
            share_samhsa,
        } => (patient_id, share_demographics, share_samhsa),
        Approval::Deny => {
            CounterCells::bump(&state.counters.denials);
            return found(&redirect_with(
                &request.redirect_uri,
                &[("error", "access_denied"), ("state", &request.state)],
            ));
        }
    };
    let patient = patient_id
        .or_else(|| state.settings.default_beneficiary.clone())
        .or_else(|| state.data.all().first().map(|b| b.info.patient_id.clone()))
        .unwrap_or_default();
    if state.data.find(&patient).is_none() {
        // The real server's `bene_404` page links back with `error=not_found`.
        return html_page(
            StatusCode::NOT_FOUND,
            "Beneficiary not found",
            &format!(
                "No Medicare data was found for this account. Return to the application: {}",
                redirect_with(&request.redirect_uri, &[("error", "not_found")])
            ),
        );
    }
    let now = state.clock.now();
    let code = state.new_token();
    let grant = Grant {
        expires: match state.settings.data_access_type {
            DataAccessType::ThirteenMonth => {
                Some(add_months(now, state.settings.grant_lifetime_months))
            }
            DataAccessType::OneTime | DataAccessType::ResearchStudy => None,
        },
    };
    {
        let mut store = lock(&state.store);
        // Re-authorizing deletes every earlier token of this (application, beneficiary) pair.
        store.delete_tokens_of(&patient);
        store.grants.insert(patient.clone(), grant);
        store.codes.insert(
            code.clone(),
            Code {
                redirect_uri: request.redirect_uri.clone(),
                challenge: request.challenge.clone(),
                patient,
                scopes: scopes::grant(request.version, request.scope.as_deref(), share),
                terms: Terms {
                    version: request.version,
                    // Only the v3 consent asks; earlier versions never filter these claims.
                    shares_samhsa: share_samhsa || request.version != Version::V3,
                },
                expires: now + time::Duration::seconds(60),
            },
        );
    }
    CounterCells::bump(&state.counters.authorizations);
    found(&redirect_with(
        &request.redirect_uri,
        &[("code", &code), ("state", &request.state)],
    ))
}

/// `uri` with query parameters appended.
pub(crate) fn redirect_with(uri: &str, params: &[(&str, &str)]) -> String {
    match Url::parse(uri) {
        Ok(mut url) => {
            {
                let mut pairs = url.query_pairs_mut();
                for (k, v) in params {
                    pairs.append_pair(k, v);
                }
            }
            url.to_string()
        }
        Err(_) => {
            let query: String = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(params)
                .finish();
            let sep = if uri.contains('?') { '&' } else { '?' };
            format!("{uri}{sep}{query}")
        }
    }
}
