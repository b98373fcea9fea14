//! Content negotiation, as the real server does it: FHIR routes serve `application/fhir+json` by
//! default or `application/json` on request; every other JSON route (userinfo, metadata, discovery,
//! token, revoke, introspect) serves only `application/json`. Anything else is a 406.

use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::responses::{FHIR_JSON, JSON, detail};

/// The DRF message of a 406.
const NOT_ACCEPTABLE: &str = "Could not satisfy the request Accept header.";

/// The media ranges of the `Accept` header with a positive quality, best first (ties keep their
/// order); `None` when the header is absent or names no range (anything goes). Ranges that are all
/// `q=0` leave an empty list (nothing goes).
fn ranges(headers: &HeaderMap) -> Option<Vec<String>> {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok())?;
    let mut ranges: Vec<(f32, usize, String)> = accept
        .split(',')
        .enumerate()
        .filter_map(|(i, part)| {
            let mut pieces = part.split(';');
            let media = pieces.next()?.trim();
            let q = pieces
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            (!media.is_empty()).then(|| (q, i, media.to_ascii_lowercase()))
        })
        .collect();
    if ranges.is_empty() {
        return None;
    }
    ranges.retain(|(q, _, _)| *q > 0.0);
    ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    Some(ranges.into_iter().map(|(_, _, media)| media).collect())
}

/// The content type a FHIR route answers with, or `None` for 406.
pub(crate) fn negotiate(headers: &HeaderMap) -> Option<&'static str> {
    let Some(ranges) = ranges(headers) else {
        return Some(FHIR_JSON);
    };
    ranges.iter().find_map(|media| match media.as_str() {
        "application/fhir+json" | "application/json+fhir" | "*/*" | "application/*" => {
            Some(FHIR_JSON)
        }
        "application/json" => Some(JSON),
        _ => None,
    })
}

/// Whether a route that serves only `application/json` can answer this request.
pub(crate) fn accepts_plain_json(headers: &HeaderMap) -> bool {
    ranges(headers).is_none_or(|ranges| {
        ranges
            .iter()
            .any(|media| matches!(media.as_str(), "application/json" | "application/*" | "*/*"))
    })
}

/// The 406 every route answers when it cannot serve what `Accept` asks for.
pub(crate) fn not_acceptable() -> Response {
    detail(StatusCode::NOT_ACCEPTABLE, JSON, NOT_ACCEPTABLE)
}

/// Middleware of the `application/json`-only routes: 406 before anything else runs.
pub(crate) async fn plain_json_only(request: Request, next: Next) -> Response {
    if accepts_plain_json(request.headers()) {
        next.run(request).await
    } else {
        not_acceptable()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(accept: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_str(accept).unwrap_or(HeaderValue::from_static("")),
        );
        headers
    }

    fn with(accept: &str) -> Option<&'static str> {
        negotiate(&headers(accept))
    }

    #[test]
    fn picks_by_quality_then_order() {
        assert_eq!(negotiate(&HeaderMap::new()), Some(FHIR_JSON));
        assert_eq!(with("application/json"), Some(JSON));
        assert_eq!(with("application/fhir+xml"), None);
        assert_eq!(
            with("application/fhir+xml, application/json;q=0.5"),
            Some(JSON)
        );
        assert_eq!(with("*/*"), Some(FHIR_JSON));
        assert_eq!(
            with("application/json;q=0.4, application/fhir+json"),
            Some(FHIR_JSON)
        );
    }

    #[test]
    fn plain_json_routes_refuse_what_excludes_application_json() {
        assert!(accepts_plain_json(&HeaderMap::new()));
        for ok in [
            "application/json",
            "*/*",
            "application/*",
            "application/fhir+json, application/json;q=0.1",
            "text/html, */*;q=0.8",
        ] {
            assert!(accepts_plain_json(&headers(ok)), "{ok}");
        }
        for refused in [
            "application/fhir+json",
            "application/json+fhir",
            "text/html",
            "application/json;q=0",
            "application/xml, text/plain",
        ] {
            assert!(!accepts_plain_json(&headers(refused)), "{refused}");
        }
    }
}
