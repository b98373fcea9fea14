//! Decoding response bodies: typed FHIR resources (R4 for v2/v3, STU3 for v1) or JSON, with
//! context in errors.

use serde::de::DeserializeOwned;
use url::Url;

use crate::error::{Error, Operation, redacted};

/// Any FHIR resource of a release (`Resource` or `stu3::Resource`; typed where a model exists).
pub(crate) fn resource<R: DeserializeOwned>(
    operation: Operation,
    url: &Url,
    body: &[u8],
) -> Result<R, Error> {
    bluebutton_fhir::from_json_slice(body).map_err(|source| Error::Fhir {
        operation,
        url: redacted(url),
        source,
    })
}

/// Any JSON type, with the JSON path of a decoding error.
pub(crate) fn json<T: DeserializeOwned>(
    operation: Operation,
    url: &Url,
    body: &[u8],
) -> Result<T, Error> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| Error::Json {
        operation,
        url: redacted(url),
        // The path names the server's keys: server text.
        json_path: bluebutton_transport::sanitize_server_text(
            &e.path().to_string(),
            bluebutton_transport::MAX_SERVER_TEXT_CHARS,
        ),
        source: e.into_inner(),
    })
}
