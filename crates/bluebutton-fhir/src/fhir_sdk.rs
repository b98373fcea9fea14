//! Conversions between our models and `fhir-sdk`'s R4B models (`fhir-model` crate), through JSON.
//!
//! Enabled by the `fhir-sdk` feature (off by default: `fhir-model` is slow and memory-hungry to build).
//! fhir-sdk's types are R4B and strict: they reject resources that lack "required" elements or use
//! R4-only shapes, which real Blue Button data does. Such a conversion fails with
//! [`FhirError::FhirSdk`] instead of panicking or losing data silently.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{FhirError, Resource, from_json_str, to_json_string};

/// fhir-sdk's R4B resource enum.
pub use fhir_model::r4b::resources::Resource as SdkResource;

/// Converts any of our model values into an fhir-sdk type with the same JSON form.
pub fn to_fhir_sdk<T: Serialize, U: DeserializeOwned>(
    resource_type: &str,
    value: &T,
) -> Result<U, FhirError> {
    let text = to_json_string(value)?;
    serde_json::from_str(&text).map_err(|source| FhirError::FhirSdk {
        resource_type: resource_type.to_owned(),
        source,
    })
}

/// Converts an fhir-sdk value into one of our model types with the same JSON form.
pub fn from_fhir_sdk<T: Serialize, U: for<'de> serde::Deserialize<'de>>(
    resource_type: &str,
    value: &T,
) -> Result<U, FhirError> {
    let text = serde_json::to_string(value).map_err(|source| FhirError::FhirSdk {
        resource_type: resource_type.to_owned(),
        source,
    })?;
    from_json_str(&text)
}

impl Resource {
    /// This resource as an fhir-sdk R4B resource (fails when fhir-sdk's stricter model rejects it).
    pub fn to_fhir_sdk(&self) -> Result<SdkResource, FhirError> {
        to_fhir_sdk(self.resource_type(), self)
    }

    /// An fhir-sdk R4B resource as one of ours.
    pub fn from_fhir_sdk(resource: &SdkResource) -> Result<Resource, FhirError> {
        from_fhir_sdk("Resource", resource)
    }
}

impl TryFrom<&Resource> for SdkResource {
    type Error = FhirError;

    fn try_from(resource: &Resource) -> Result<Self, Self::Error> {
        resource.to_fhir_sdk()
    }
}

impl TryFrom<&SdkResource> for Resource {
    type Error = FhirError;

    fn try_from(resource: &SdkResource) -> Result<Self, Self::Error> {
        Resource::from_fhir_sdk(resource)
    }
}
