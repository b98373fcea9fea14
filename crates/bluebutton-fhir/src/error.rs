//! The crate's error type.

/// What went wrong while parsing, converting or building FHIR values.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum FhirError {
    /// The input is not JSON, or its shape does not fit the model (e.g. an object where a list is expected).
    #[error("invalid FHIR JSON for {target}: {source}")]
    Json {
        /// The Rust type that was being parsed.
        target: &'static str,
        /// Line of the problem (1-based; 0 when not parsing text).
        line: usize,
        /// Column of the problem (1-based; 0 when not parsing text).
        column: usize,
        /// The underlying serde_json error.
        #[source]
        source: serde_json::Error,
    },
    /// A primitive value given in Rust does not have its FHIR format.
    #[error("invalid FHIR {kind} value {value:?}")]
    InvalidPrimitive {
        /// The FHIR primitive type, e.g. `decimal`.
        kind: &'static str,
        /// The rejected text.
        value: String,
    },
    /// A resource had another type than the one asked for.
    #[error("expected a {expected} resource, found {found}")]
    UnexpectedResourceType {
        /// The resource type asked for.
        expected: &'static str,
        /// The `resourceType` found.
        found: String,
    },
    /// Converting to or from `fhir-sdk`'s R4B models failed (their models are stricter than FHIR data in the wild).
    #[cfg(feature = "fhir-sdk")]
    #[error("conversion of {resource_type} to/from fhir-sdk failed: {source}")]
    FhirSdk {
        /// The resource type being converted.
        resource_type: String,
        /// The serde error from fhir-sdk's model.
        #[source]
        source: serde_json::Error,
    },
}

impl FhirError {
    pub(crate) fn json(target: &'static str, source: serde_json::Error) -> Self {
        FhirError::Json {
            target,
            line: source.line(),
            column: source.column(),
            source,
        }
    }
}
