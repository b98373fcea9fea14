//! A fully read response: status, headers and the (size-capped) body, with JSON decoding that
//! says where a document did not fit.

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::TransportError;
use crate::redact::redact_url;

/// A response whose body has been read in full (up to the transport's body limit).
#[derive(Clone)]
pub struct Response {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) url: Url,
    pub(crate) body: Bytes,
    pub(crate) attempts: u32,
}

impl Response {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &http::HeaderMap {
        &self.headers
    }

    /// The URL that was requested (redirects are never followed, so also the URL that answered).
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The body (decompressed when the server used gzip).
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// How many times the request was sent before this response (1 when not retried).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Decodes the body as JSON. On failure, [`TransportError::Decode`] names the JSON path
    /// where decoding stopped (e.g. `entry[0].resource.id`).
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, TransportError> {
        let deserializer = &mut serde_json::Deserializer::from_slice(&self.body);
        serde_path_to_error::deserialize(deserializer).map_err(|error| {
            // The path holds the keys of the server's JSON: server text.
            let json_path = crate::sanitize_server_text(
                &error.path().to_string(),
                crate::MAX_SERVER_TEXT_CHARS,
            );
            TransportError::Decode {
                url: Box::new(redact_url(&self.url)),
                json_path,
                source: error.into_inner(),
            }
        })
    }
}

/// Shows status, URL without query values, header names and the body size, never values.
impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.keys().map(|name| name.as_str()).collect();
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("url", &redact_url(&self.url).as_str())
            .field("headers", &names)
            .field("body_bytes", &self.body.len())
            .field("attempts", &self.attempts)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(body: &str) -> Response {
        Response {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            url: Url::parse("https://x/v2/fhir/Patient?_id=secret").unwrap(),
            body: Bytes::copy_from_slice(body.as_bytes()),
            attempts: 1,
        }
    }

    #[derive(Debug, serde::Deserialize)]
    struct Bundle {
        #[allow(dead_code)]
        entry: Vec<Entry>,
    }
    #[derive(Debug, serde::Deserialize)]
    struct Entry {
        #[allow(dead_code)]
        id: u32,
    }

    #[test]
    fn decode_error_names_the_path() {
        let error = response(r#"{"entry":[{"id":1},{"id":"x"}]}"#)
            .json::<Bundle>()
            .unwrap_err();
        let TransportError::Decode { json_path, url, .. } = &error else {
            panic!("{error:?}");
        };
        assert_eq!(json_path, "entry[1].id");
        assert_eq!(url.query(), Some("_id="));
        assert!(!error.to_string().contains("secret"));
        let ok: Bundle = response(r#"{"entry":[{"id":1}]}"#).json().unwrap();
        assert_eq!(ok.entry.len(), 1);
    }
}
