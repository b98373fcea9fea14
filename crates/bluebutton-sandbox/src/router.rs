//! The route table (every path of the real API for v1, v2 and v3) and the middleware every request
//! passes through (request counting, `X-RateLimit-*: None` defaults).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Extension, Router};

use crate::fhir;
use crate::fhir::negotiate::plain_json_only;
use crate::oauth;
use crate::responses::{not_found_page, with_body};
use crate::state::AppState;
use crate::wellknown;

/// An API version in the path (`/v1`, `/v2`, `/v3`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Version {
    V1,
    V2,
    V3,
}

impl Version {
    pub(crate) fn segment(self) -> &'static str {
        match self {
            Version::V1 => "v1",
            Version::V2 => "v2",
            Version::V3 => "v3",
        }
    }
}

/// `X-RateLimit-Limit`.
pub(crate) const RATE_LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
/// `X-RateLimit-Remaining`.
pub(crate) const RATE_REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
/// `X-RateLimit-Reset`.
pub(crate) const RATE_RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");

/// The whole application.
pub(crate) fn build(state: Arc<AppState>) -> Router {
    let well_known = Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(wellknown::openid_default),
        )
        .route(
            "/.well-known/openid-configuration-v2",
            get(wellknown::openid_default),
        )
        .route(
            "/.well-known/openid-configuration-v3",
            get(wellknown::openid_v3),
        )
        .route("/.well-known/jwks.json", get(wellknown::jwks))
        .route_layer(middleware::from_fn(plain_json_only));
    let mut router = Router::new()
        .route("/health", get(health))
        .merge(well_known);
    for version in [Version::V1, Version::V2, Version::V3] {
        router = router.nest(&format!("/{}", version.segment()), api(version));
    }
    router
        .fallback(not_found_page)
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            count_and_tag,
        ))
        .with_state(state)
}

fn api(version: Version) -> Router<Arc<AppState>> {
    // The routes that serve only `application/json` (406 for an `Accept` that excludes it).
    let plain_json = Router::new()
        .route("/o/token", post(oauth::token::token))
        .route("/o/token/", post(oauth::token::token))
        .route("/o/revoke_token/", post(oauth::revoke::revoke_token))
        .route("/o/revoke/", post(oauth::revoke::revoke))
        .route(
            "/o/introspect/",
            get(oauth::introspect::introspect).post(oauth::introspect::introspect),
        )
        .route("/connect/userinfo", get(oauth::userinfo::userinfo))
        .route("/connect/userinfo/{*rest}", get(oauth::userinfo::userinfo))
        .route(
            "/connect/.well-known/openid-configuration",
            get(wellknown::openid_versioned),
        )
        .route(
            "/fhir/.well-known/smart-configuration",
            get(wellknown::smart),
        )
        .route("/fhir/metadata", get(wellknown::metadata))
        .route_layer(middleware::from_fn(plain_json_only));
    let mut router = Router::new()
        .route("/o/authorize", any(oauth::authorize::add_slash))
        .route(
            "/o/authorize/",
            get(oauth::authorize::get).post(oauth::authorize::post),
        )
        .route(
            "/o/authorize/{id}/",
            get(oauth::consent::show).post(oauth::consent::decide),
        )
        .route(
            "/o/expire_authenticated_user/{patient}/",
            post(oauth::revoke::expire_authenticated_user),
        )
        .route("/fhir/{resource}", any(fhir::handlers::search))
        .route("/fhir/{resource}/", any(fhir::handlers::search))
        .route("/fhir/{resource}/{id}", any(fhir::handlers::read))
        .route("/fhir/{resource}/{id}/", any(fhir::handlers::read));
    if version == Version::V3 {
        router = router.route(
            "/fhir/Patient/$generate-insurance-card",
            any(fhir::insurance_card::generate),
        );
    }
    let api = router.merge(plain_json);
    // The served version picks the shape: v1 is FHIR STU3.
    let api = match version {
        Version::V1 => api.layer(middleware::from_fn(crate::data::stu3::serve_stu3)),
        Version::V2 | Version::V3 => api,
    };
    api.layer(Extension(version))
}

async fn health() -> Response {
    with_body(
        StatusCode::OK,
        "application/json",
        r#"{"message":"all's well"}"#,
    )
}

/// Counts the request and gives non-FHIR responses the literal `None` rate-limit headers.
async fn count_and_tag(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    state.counters.record_path(request.uri().path());
    let mut response = next.run(request).await.into_response();
    let headers = response.headers_mut();
    for name in [RATE_LIMIT, RATE_REMAINING, RATE_RESET] {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static("None"));
        }
    }
    if !headers.contains_key(header::VARY) {
        headers.insert(header::VARY, HeaderValue::from_static("Accept"));
    }
    response
}
