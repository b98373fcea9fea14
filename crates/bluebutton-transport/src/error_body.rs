//! The typed body of an HTTP error response: every error shape the Blue Button server uses.

use std::fmt;

use serde_json::{Map, Value};

use crate::sanitize::one_line;
use crate::secrets::Secrets;

/// Bodies longer than this are truncated when kept as text (HTML pages, plain text).
pub const MAX_TEXT_BYTES: usize = 4 * 1024;

/// Longest detail shown in a one-line error message.
const MAX_SUMMARY_CHARS: usize = 300;

/// The body of an error response, parsed into the shape the server used.
///
/// Blue Button answers errors in several shapes (see the API reference, section 4):
/// Django REST framework's `{"detail": ..}`, OAuth's `{"error", "error_description"}` (sometimes
/// with a `status_code`), `{"status_code", "message"}`, a FHIR `OperationOutcome` passed through
/// from the backend, an HTML error page from the edge, or nothing at all.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq)]
pub enum ErrorBody {
    /// `{"detail": "..."}`, the common Django REST framework shape.
    Detail {
        /// The server's message.
        detail: String,
    },
    /// `{"error": "...", "error_description": "..."}`, optionally with `status_code`
    /// (OAuth endpoints, and `{"error": "Server Error (500)"}`).
    OAuth {
        /// The `status_code` field, when present.
        status_code: Option<u16>,
        /// The OAuth error code (e.g. `invalid_grant`) or message.
        error: String,
        /// The human-readable description, when present.
        error_description: Option<String>,
    },
    /// `{"status_code": 403, "message": "..."}`.
    Message {
        /// The `status_code` field.
        status_code: u16,
        /// The server's message.
        message: String,
    },
    /// A FHIR `OperationOutcome`, kept as JSON (see [`ErrorBody::first_issue`]).
    OperationOutcome(Value),
    /// Any other JSON document.
    Json(Value),
    /// An HTML page, kept as text and truncated to [`MAX_TEXT_BYTES`].
    Html(String),
    /// Any other text, truncated to [`MAX_TEXT_BYTES`].
    Text(String),
    /// An empty body.
    Empty,
}

/// The first issue of an `OperationOutcome`, as returned by [`ErrorBody::first_issue`].
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutcomeIssue<'a> {
    /// `issue[0].severity` (e.g. `error`).
    pub severity: Option<&'a str>,
    /// `issue[0].code` (e.g. `not-found`, `processing`).
    pub code: Option<&'a str>,
    /// `issue[0].diagnostics`, the server's message.
    pub diagnostics: Option<&'a str>,
}

impl ErrorBody {
    /// Parses an error response body. `content_type` is the response's `Content-Type`, if any.
    pub fn parse(bytes: &[u8], content_type: Option<&str>) -> ErrorBody {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return ErrorBody::Empty;
        }
        if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(bytes) {
            return Self::from_object(map);
        }
        let text = String::from_utf8_lossy(bytes);
        let html = content_type.is_some_and(|ct| ct.to_ascii_lowercase().contains("html"))
            || looks_like_html(&text);
        let text = truncate(&text, MAX_TEXT_BYTES).to_owned();
        if html {
            ErrorBody::Html(text)
        } else {
            ErrorBody::Text(text)
        }
    }

    fn from_object(map: Map<String, Value>) -> ErrorBody {
        if map.get("resourceType").and_then(Value::as_str) == Some("OperationOutcome") {
            return ErrorBody::OperationOutcome(Value::Object(map));
        }
        let string = |key: &str| map.get(key).and_then(Value::as_str).map(str::to_owned);
        let status_code = map.get("status_code").and_then(status_code_of);
        if let Some(detail) = string("detail") {
            return ErrorBody::Detail { detail };
        }
        if let Some(error) = string("error") {
            return ErrorBody::OAuth {
                status_code,
                error,
                error_description: string("error_description"),
            };
        }
        if let (Some(status_code), Some(message)) = (status_code, string("message")) {
            return ErrorBody::Message {
                status_code,
                message,
            };
        }
        ErrorBody::Json(Value::Object(map))
    }

    /// The first issue of an `OperationOutcome` body (`None` for other shapes or no issues).
    pub fn first_issue(&self) -> Option<OutcomeIssue<'_>> {
        let ErrorBody::OperationOutcome(outcome) = self else {
            return None;
        };
        let issue = outcome.get("issue")?.as_array()?.first()?;
        let field = |key: &str| issue.get(key).and_then(Value::as_str);
        Some(OutcomeIssue {
            severity: field("severity"),
            code: field("code"),
            diagnostics: field("diagnostics"),
        })
    }

    /// The OAuth `error` code, for the OAuth shape (e.g. `invalid_grant`).
    pub fn oauth_error(&self) -> Option<&str> {
        match self {
            ErrorBody::OAuth { error, .. } => Some(error),
            _ => None,
        }
    }

    /// The most useful human-readable message in the body, if any.
    ///
    /// Sanitised ([`crate::sanitize_server_text`]): no control characters, at most
    /// [`crate::MAX_SERVER_TEXT_CHARS`] characters.
    pub fn message(&self) -> Option<String> {
        self.raw_message()
            .map(|m| crate::sanitize_server_text(&m, crate::MAX_SERVER_TEXT_CHARS))
    }

    fn raw_message(&self) -> Option<String> {
        match self {
            ErrorBody::Detail { detail } => Some(detail.clone()),
            ErrorBody::OAuth {
                error,
                error_description: Some(description),
                ..
            } => Some(format!("{error}: {description}")),
            ErrorBody::OAuth { error, .. } => Some(error.clone()),
            ErrorBody::Message { message, .. } => Some(message.clone()),
            ErrorBody::OperationOutcome(_) => {
                let issue = self.first_issue()?;
                match (issue.code, issue.diagnostics) {
                    (Some(code), Some(diagnostics)) => Some(format!("{code}: {diagnostics}")),
                    (code, diagnostics) => diagnostics.or(code).map(str::to_owned),
                }
            }
            ErrorBody::Json(_) | ErrorBody::Empty => None,
            ErrorBody::Html(page) => Some(match html_title(page) {
                Some(title) => format!("HTML page \"{title}\""),
                None => "HTML page".to_owned(),
            }),
            ErrorBody::Text(text) => Some(text.clone()),
        }
    }

    /// Replaces every occurrence of each secret in the body's text with `[redacted]`, so that a
    /// server echoing a credential cannot leak it into error messages.
    pub(crate) fn scrub(&mut self, secrets: &Secrets) {
        if secrets.is_empty() {
            return;
        }
        let fix = |text: &mut String| secrets.scrub_in_place(text);
        match self {
            ErrorBody::Detail { detail } => fix(detail),
            ErrorBody::OAuth {
                error,
                error_description,
                ..
            } => {
                fix(error);
                if let Some(description) = error_description {
                    fix(description);
                }
            }
            ErrorBody::Message { message, .. } => fix(message),
            ErrorBody::OperationOutcome(value) | ErrorBody::Json(value) => {
                scrub_value(value, &fix);
            }
            // Raw text may carry a secret JSON-escaped (`\u0041…`): decoded before scrubbing.
            ErrorBody::Html(text) | ErrorBody::Text(text) => secrets.scrub_body_in_place(text),
            ErrorBody::Empty => {}
        }
    }
}

/// A one-line summary: the message, with control characters flattened, truncated.
impl fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.raw_message() {
            Some(message) => f.write_str(&one_line(&message, MAX_SUMMARY_CHARS)),
            None => match self {
                ErrorBody::Empty => f.write_str("empty body"),
                _ => f.write_str("JSON body"),
            },
        }
    }
}

fn scrub_value(value: &mut Value, fix: &impl Fn(&mut String)) {
    match value {
        Value::String(text) => fix(text),
        Value::Array(items) => items.iter_mut().for_each(|item| scrub_value(item, fix)),
        Value::Object(map) => map.values_mut().for_each(|item| scrub_value(item, fix)),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

fn status_code_of(value: &Value) -> Option<u16> {
    match value {
        Value::Number(number) => number.as_u64().and_then(|n| u16::try_from(n).ok()),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

fn looks_like_html(text: &str) -> bool {
    let start = text.trim_start();
    let head: String = start
        .chars()
        .take(15)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with("<!doctype html") || head.starts_with("<html") || head.starts_with("<head")
}

fn html_title(page: &str) -> Option<String> {
    let lower = page.to_ascii_lowercase();
    let open = lower.find("<title")?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start + lower[start..].find("</title")?;
    let title = page[start..end].trim();
    (!title.is_empty()).then(|| one_line(title, 120))
}

/// Truncates to at most `max` bytes, on a character boundary.
pub(crate) fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_shape() {
        assert_eq!(
            ErrorBody::parse(br#"{"detail":"Not found."}"#, None),
            ErrorBody::Detail {
                detail: "Not found.".into()
            }
        );
        assert_eq!(
            ErrorBody::parse(
                br#"{"error":"invalid_grant","error_description":"Invalid refresh token."}"#,
                None
            ),
            ErrorBody::OAuth {
                status_code: None,
                error: "invalid_grant".into(),
                error_description: Some("Invalid refresh token.".into())
            }
        );
        assert_eq!(
            ErrorBody::parse(
                br#"{"status_code":"400","error":"invalid_request","error_description":"x"}"#,
                None
            ),
            ErrorBody::OAuth {
                status_code: Some(400),
                error: "invalid_request".into(),
                error_description: Some("x".into())
            }
        );
        assert_eq!(
            ErrorBody::parse(br#"{"status_code":403,"message":"No."}"#, None),
            ErrorBody::Message {
                status_code: 403,
                message: "No.".into()
            }
        );
        assert_eq!(ErrorBody::parse(b"  \n", None), ErrorBody::Empty);
        assert_eq!(
            ErrorBody::parse(b"[1,2]", None),
            ErrorBody::Text("[1,2]".into())
        );
        assert!(matches!(
            ErrorBody::parse(br#"{"foo":1}"#, None),
            ErrorBody::Json(_)
        ));
    }

    #[test]
    fn operation_outcome_first_issue() {
        let body = ErrorBody::parse(
            br#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"processing","diagnostics":"Bad id"},{"code":"other"}]}"#,
            Some("application/fhir+json"),
        );
        let issue = body.first_issue().expect("an issue");
        assert_eq!(issue.severity, Some("error"));
        assert_eq!(issue.code, Some("processing"));
        assert_eq!(issue.diagnostics, Some("Bad id"));
        assert_eq!(body.to_string(), "processing: Bad id");
        let empty = ErrorBody::parse(br#"{"resourceType":"OperationOutcome"}"#, None);
        assert_eq!(empty.first_issue(), None);
    }

    #[test]
    fn html_is_truncated_and_titled() {
        let mut page = String::from("<!DOCTYPE html><html><head><title>502 Bad\nGateway</title>");
        page.push_str(&"é".repeat(5000));
        let body = ErrorBody::parse(page.as_bytes(), None);
        let ErrorBody::Html(text) = &body else {
            panic!("not html: {body:?}");
        };
        assert!(text.len() <= MAX_TEXT_BYTES);
        assert!(text.len() > MAX_TEXT_BYTES - 2);
        assert_eq!(body.to_string(), "HTML page \"502 Bad Gateway\"");
        assert!(matches!(
            ErrorBody::parse(b"oops", Some("text/html; charset=utf-8")),
            ErrorBody::Html(_)
        ));
    }

    #[test]
    fn display_is_one_line_and_bounded() {
        let body = ErrorBody::Text(format!("a\r\nb\t{}", "x".repeat(1000)));
        let shown = body.to_string();
        assert!(shown.starts_with("a b x"));
        assert!(!shown.contains('\n'));
        assert_eq!(shown.chars().count(), MAX_SUMMARY_CHARS + 1);
    }

    #[test]
    fn scrub_removes_secrets_everywhere() {
        let mut body = ErrorBody::parse(
            br#"{"resourceType":"OperationOutcome","issue":[{"diagnostics":"token tok123 bad"}]}"#,
            None,
        );
        let mut secrets = Secrets::new();
        secrets.push("tok123");
        secrets.push("");
        body.scrub(&secrets);
        assert_eq!(
            body.first_issue().unwrap().diagnostics,
            Some("token [redacted] bad")
        );
        let mut body = ErrorBody::Detail {
            detail: "tok123".into(),
        };
        body.scrub(&secrets);
        assert_eq!(body.to_string(), "[redacted]");
    }
}
