//! Response bodies in the real server's four error shapes, HTML pages, and JSON in the exact spacing
//! each source produces (DRF is compact; Django `JsonResponse` and django-oauth-toolkit use Python's
//! `json.dumps` default `", "` / `": "` separators).

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// `application/json`.
pub(crate) const JSON: &str = "application/json";
/// `application/fhir+json`.
pub(crate) const FHIR_JSON: &str = "application/fhir+json";

/// One value of a flat Python-style JSON object.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Py<'a> {
    /// A string.
    S(&'a str),
    /// An integer.
    I(i64),
    /// A boolean.
    B(bool),
}

/// A flat object formatted like Python's `json.dumps` with default separators.
pub(crate) fn py_dumps(pairs: &[(&str, Py<'_>)]) -> String {
    let quote = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned());
    let body: Vec<String> = pairs
        .iter()
        .map(|(k, v)| {
            let value = match v {
                Py::S(s) => quote(s),
                Py::I(i) => i.to_string(),
                Py::B(b) => if *b { "true" } else { "false" }.to_owned(),
            };
            format!("{}: {value}", quote(k))
        })
        .collect();
    format!("{{{}}}", body.join(", "))
}

/// A response with a body and content type.
pub(crate) fn with_body(status: StatusCode, content_type: &str, body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    if let Ok(value) = HeaderValue::from_str(content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}

/// A DRF error: `{"detail":"…"}` (compact).
pub(crate) fn detail(status: StatusCode, content_type: &str, message: &str) -> Response {
    let body = serde_json::json!({ "detail": message }).to_string();
    with_body(status, content_type, body)
}

/// A BB2 `JsonResponse`: `{"status_code": N, "message": "…"}`.
pub(crate) fn status_message(status: StatusCode, message: &str) -> Response {
    let body = py_dumps(&[
        ("status_code", Py::I(i64::from(status.as_u16()))),
        ("message", Py::S(message)),
    ]);
    with_body(status, JSON, body)
}

/// A BB2 OAuth error: `{"status_code": N, "error": "…", "error_description": "…"}`.
pub(crate) fn bb2_oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let body = py_dumps(&[
        ("status_code", Py::I(i64::from(status.as_u16()))),
        ("error", Py::S(error)),
        ("error_description", Py::S(description)),
    ]);
    with_body(status, JSON, body)
}

/// A django-oauth-toolkit / oauthlib error: `{"error": "…"}` or with `error_description`, plus the
/// token endpoint's cache headers.
pub(crate) fn dot_error(status: StatusCode, error: &str, description: Option<&str>) -> Response {
    let body = match description {
        Some(d) => py_dumps(&[("error", Py::S(error)), ("error_description", Py::S(d))]),
        None => py_dumps(&[("error", Py::S(error))]),
    };
    no_store(with_body(status, JSON, body))
}

/// Adds `Cache-Control: no-store` and `Pragma: no-cache`.
pub(crate) fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// Django's unhandled-exception answer.
pub(crate) fn server_error() -> Response {
    with_body(
        StatusCode::INTERNAL_SERVER_ERROR,
        JSON,
        py_dumps(&[("error", Py::S("Server Error (500)"))]),
    )
}

/// Escapes text for HTML.
pub(crate) fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
}

/// A small HTML page with a title and a message.
pub(crate) fn html_page(status: StatusCode, title: &str, message: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title></head>\n<body><h1>{t}</h1>\n<p>{m}</p>\n</body></html>\n",
        t = escape_html(title),
        m = escape_html(message)
    );
    with_body(status, "text/html; charset=utf-8", body)
}

/// The real server's HTML 404 for an unknown path.
pub(crate) async fn not_found_page() -> Response {
    html_page(
        StatusCode::NOT_FOUND,
        "Not Found",
        "The requested resource was not found on this server.",
    )
}

/// A plain `text/html` body (the server's empty or one-line answers).
pub(crate) fn text_html(status: StatusCode, body: &'static str) -> Response {
    with_body(status, "text/html; charset=utf-8", body)
}

/// A 302 to `location`.
pub(crate) fn found(location: &str) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_spacing() {
        assert_eq!(
            py_dumps(&[("status_code", Py::I(400)), ("message", Py::S("a \"b\""))]),
            r#"{"status_code": 400, "message": "a \"b\""}"#
        );
        assert_eq!(
            py_dumps(&[("active", Py::B(false))]),
            r#"{"active": false}"#
        );
    }
}
