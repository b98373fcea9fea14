//! Reading OAuth request bodies: `application/x-www-form-urlencoded` or `multipart/form-data`
//! (the official Python SDK posts multipart).

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header;

/// The fields of a form body, in order. An unreadable body gives no fields.
pub(crate) async fn form_fields(request: Request) -> Vec<(String, String)> {
    let is_multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if is_multipart {
        let Ok(mut multipart) = Multipart::from_request(request, &()).await else {
            return Vec::new();
        };
        let mut fields = Vec::new();
        while let Ok(Some(field)) = multipart.next_field().await {
            let name = field.name().unwrap_or_default().to_owned();
            if let Ok(text) = field.text().await {
                fields.push((name, text));
            }
        }
        return fields;
    }
    let Ok(bytes) = axum::body::to_bytes(request.into_body(), 1 << 20).await else {
        return Vec::new();
    };
    url::form_urlencoded::parse(&bytes).into_owned().collect()
}

/// The first value of `name`, if present and non-empty.
pub(crate) fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}
