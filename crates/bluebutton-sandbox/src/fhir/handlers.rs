//! FHIR read and search handlers: the real order of checks (query token, Accept, resource, bearer,
//! method, scope, token version, throttle, upstream faults), then the data
//! (v3-shaped and v3-filtered on `/v3/`).

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use serde_json::Value;

use super::bundle::Page;
use super::negotiate::{negotiate, not_acceptable};
use super::params::{self, SearchParams};
use super::to_fhir_string;
use super::v3_search::V3Query;
use crate::data::ClaimSummary;
use crate::faults::Fault;
use crate::oauth::bearer::{Caller, authenticate, forbidden, unauthorized};
use crate::responses::{FHIR_JSON, detail, not_found_page, server_error, with_body};
use crate::router::{RATE_LIMIT, RATE_REMAINING, RATE_RESET, Version};
use crate::server::ConnectionDropper;
use crate::state::{AppState, CounterCells, RateLimit, lock};

const RESOURCES: [&str; 3] = ["Patient", "Coverage", "ExplanationOfBenefit"];

/// A request that passed every check.
pub(super) struct Admitted {
    pub(super) caller: Caller,
    pub(super) content_type: &'static str,
    pub(super) rate: RateLimit,
    query: Vec<(String, String)>,
    layout: super::JsonLayout,
}

pub(super) fn with_rate(mut response: Response, rate: &RateLimit) -> Response {
    let headers = response.headers_mut();
    let values = [
        (RATE_LIMIT, rate.limit.to_string()),
        (RATE_REMAINING, rate.remaining.to_string()),
        (RATE_RESET, format!("{:.2}", rate.reset)),
    ];
    for (name, value) in values {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    response
}

fn throttled(content_type: &str, seconds: u64) -> Response {
    let mut response = detail(
        StatusCode::TOO_MANY_REQUESTS,
        content_type,
        &format!("Request was throttled. Expected available in {seconds} seconds."),
    );
    if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// Runs every check; `Err` is the answer to send instead.
pub(super) async fn admit(
    state: &AppState,
    version: Version,
    resource: &str,
    search: bool,
    request: &Parts,
) -> Result<Admitted, Response> {
    let query: Vec<(String, String)> = request
        .uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    if query.iter().any(|(k, _)| k == "access_token") {
        return Err(detail(
            StatusCode::BAD_REQUEST,
            FHIR_JSON,
            "Using the access token in the query parameters is not supported. Use the Authorization header instead",
        ));
    }
    let Some(content_type) = negotiate(&request.headers) else {
        return Err(not_acceptable());
    };
    if !RESOURCES.contains(&resource) {
        return Err(not_found_page().await);
    }
    let caller =
        authenticate(state, &request.headers).map_err(|r| unauthorized(r, content_type))?;
    if request.method != Method::GET && request.method != Method::HEAD {
        return Err(forbidden(content_type));
    }
    if !crate::oauth::scopes_allow(&caller.scopes, resource, search) {
        return Err(forbidden(content_type));
    }
    // A token belongs to the version it was issued for: v3 claims never leave through v1/v2.
    if resource == "ExplanationOfBenefit"
        && caller.terms.version == Version::V3
        && version != Version::V3
    {
        return Err(forbidden(content_type));
    }
    let rate = state.throttle(&caller.token);
    if !rate.allowed {
        CounterCells::bump(&state.counters.throttled);
        let seconds = rate.reset.ceil().max(1.0) as u64;
        return Err(with_rate(throttled(content_type, seconds), &rate));
    }
    inject_faults(
        state,
        request.extensions.get::<ConnectionDropper>(),
        content_type,
    )
    .await
    .map_err(|r| with_rate(r, &rate))?;
    Ok(Admitted {
        caller,
        content_type,
        rate,
        query,
        layout: state.settings.json_layout,
    })
}

/// Latency, then a queued or random fault, at the point where the real server calls BFD.
async fn inject_faults(
    state: &AppState,
    dropper: Option<&ConnectionDropper>,
    content_type: &str,
) -> Result<(), Response> {
    let faults = &state.settings.faults;
    if !faults.latency.is_zero() {
        CounterCells::bump(&state.counters.delayed);
        tokio::time::sleep(faults.latency).await;
    }
    let queued = lock(&state.injected).pop_front();
    match queued.or_else(|| state.dice.roll(faults)) {
        // Refresh failures never sit in the queue (they wait for a refresh).
        None | Some(Fault::RefreshFailsAfterRotation) => Ok(()),
        Some(Fault::BackendUnreachable) => {
            CounterCells::bump(&state.counters.server_errors);
            Err(server_error())
        }
        Some(Fault::DropConnection) => {
            CounterCells::bump(&state.counters.dropped);
            if let Some(dropper) = dropper {
                dropper.drop_connection();
            }
            std::future::pending::<()>().await;
            Ok(())
        }
        Some(Fault::ServerError) => {
            CounterCells::bump(&state.counters.server_errors);
            Err(detail(
                StatusCode::BAD_GATEWAY,
                content_type,
                "A failure occurred contacting the upstream server",
            ))
        }
        Some(Fault::Throttle) => {
            CounterCells::bump(&state.counters.throttled);
            Err(throttled(content_type, faults.retry_after.as_secs().max(1)))
        }
    }
}

pub(super) fn ok(value: &Value, admitted: &Admitted) -> Response {
    ok_text(to_fhir_string(value), admitted)
}

fn ok_text(text: String, admitted: &Admitted) -> Response {
    let text = admitted.layout.apply(text);
    with_rate(
        with_body(StatusCode::OK, admitted.content_type, text),
        &admitted.rate,
    )
}

pub(super) fn not_found(admitted: &Admitted) -> Response {
    with_rate(
        detail(StatusCode::NOT_FOUND, admitted.content_type, "Not found."),
        &admitted.rate,
    )
}

/// The scheme and host the client used (BFD builds links from the forwarded host), else the bind address.
pub(super) fn origin(state: &AppState, headers: &HeaderMap) -> String {
    headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(|host| format!("http://{host}"))
        .unwrap_or_else(|| state.base_url.as_str().trim_end_matches('/').to_owned())
}

/// `GET /vN/fhir/<Resource>/<id>[/]`.
pub(crate) async fn read(
    State(state): State<Arc<AppState>>,
    Extension(version): Extension<Version>,
    Path((resource, id)): Path<(String, String)>,
    request: Parts,
) -> Response {
    let admitted = match admit(&state, version, &resource, false, &request).await {
        Ok(a) => a,
        Err(response) => return response,
    };
    let Some(bene) = state.data.find(&admitted.caller.patient) else {
        return not_found(&admitted);
    };
    let v3 = version == Version::V3;
    let found = match resource.as_str() {
        "Patient" if v3 => (id == admitted.caller.patient).then(|| bene.v3_patient()),
        "Patient" => (id == admitted.caller.patient).then(|| bene.patient()),
        "Coverage" => if v3 {
            bene.v3_coverages()
        } else {
            bene.coverages()
        }
        .into_iter()
        .find(|c| c.get("id").and_then(Value::as_str) == Some(id.as_str())),
        _ if v3 => bene.v3_eob_by_id(&id),
        _ => bene.eob_by_id(&id),
    };
    match found {
        Some(value) => ok(&value, &admitted),
        None => not_found(&admitted),
    }
}

fn same_patient(given: &str, patient: &str) -> bool {
    given.strip_prefix("Patient/").unwrap_or(given) == patient
}

/// `GET /vN/fhir/<Resource>[/]`.
pub(crate) async fn search(
    State(state): State<Arc<AppState>>,
    Extension(version): Extension<Version>,
    Path(resource): Path<String>,
    request: Parts,
) -> Response {
    let admitted = match admit(&state, version, &resource, true, &request).await {
        Ok(a) => a,
        Err(response) => return response,
    };
    let parsed = params::parse(&resource, &admitted.query).and_then(|params| {
        let v3 = (version == Version::V3)
            .then(|| V3Query::parse(&resource, &admitted.query, admitted.caller.terms))
            .transpose()?;
        Ok((params, v3))
    });
    let (mut params, v3) = match parsed {
        Ok(p) => p,
        Err(invalid) => {
            return with_rate(
                detail(StatusCode::BAD_REQUEST, admitted.content_type, &invalid.0),
                &admitted.rate,
            );
        }
    };
    let mut link_filters = params.link_filters.clone();
    if let Some(v3) = &v3 {
        params.start_index = v3.offset.unwrap_or(params.start_index);
        link_filters.extend(v3.link_filters.iter().cloned());
    }
    let patient = admitted.caller.patient.clone();
    let Some(bene) = state.data.find(&patient) else {
        return not_found(&admitted);
    };
    let endpoint = format!(
        "{}/{}/fhir/{resource}",
        origin(&state, &request.headers),
        version.segment()
    );
    let page = |owner: (&'static str, String), total: usize| Page {
        endpoint: endpoint.clone(),
        owner,
        filters: &link_filters,
        total,
        start: params.start_index,
        count: params.count,
        offset_paging: v3.is_some(),
    };
    let bundle = match resource.as_str() {
        "Patient" => {
            if params.id.as_deref().is_some_and(|id| id != patient) {
                return not_found(&admitted);
            }
            let matches = params.identifier.as_deref().is_none_or(|ident| {
                let value = ident.rsplit('|').next().unwrap_or(ident);
                value == bene.info.mbi || value == patient
            });
            let all = if matches {
                vec![if v3.is_some() {
                    bene.v3_patient()
                } else {
                    bene.patient()
                }]
            } else {
                Vec::new()
            };
            slice_page(
                &state,
                page(("_id", patient.clone()), all.len()),
                all,
                &params,
            )
        }
        "Coverage" => {
            if params
                .beneficiary
                .as_deref()
                .is_some_and(|b| !same_patient(b, &patient))
            {
                return with_rate(forbidden(admitted.content_type), &admitted.rate);
            }
            let all = if v3.is_some() {
                bene.v3_coverages()
            } else {
                bene.coverages()
            };
            slice_page(
                &state,
                page(("beneficiary", format!("Patient/{patient}")), all.len()),
                all,
                &params,
            )
        }
        _ => {
            if params
                .patient
                .as_deref()
                .is_some_and(|p| !same_patient(p, &patient))
            {
                return with_rate(forbidden(admitted.content_type), &admitted.rate);
            }
            let claims = bene.claims();
            let admits = |claim: &ClaimSummary| {
                params.matches(claim)
                    && v3.as_ref().is_none_or(|q| {
                        q.admits(&bene.claim_traits(claim), || bene.claim_id(claim))
                    })
            };
            let text = |claim: &ClaimSummary| -> Arc<str> {
                if v3.is_some() {
                    to_fhir_string(&bene.v3_eob(claim)).into()
                } else {
                    bene.eob_text(claim)
                }
            };
            let (total, entries) = if params.has_filters() || v3.is_some() {
                let mut total = 0;
                let mut entries = Vec::new();
                let end = params.start_index.saturating_add(params.count);
                for claim in claims {
                    if admits(claim) {
                        if total >= params.start_index && total < end {
                            entries.push(text(claim));
                        }
                        total += 1;
                    }
                }
                (total, entries)
            } else {
                let entries = claims
                    .iter()
                    .skip(params.start_index)
                    .take(params.count)
                    .map(|claim| bene.eob_text(claim))
                    .collect();
                (claims.len(), entries)
            };
            page(("patient", patient.clone()), total).bundle(&state, &entries)
        }
    };
    ok_text(bundle, &admitted)
}

fn slice_page(state: &AppState, page: Page<'_>, all: Vec<Value>, params: &SearchParams) -> String {
    let entries: Vec<Arc<str>> = all
        .iter()
        .skip(params.start_index)
        .take(params.count)
        .map(|resource| Arc::from(to_fhir_string(resource)))
        .collect();
    page.bundle(state, &entries)
}
