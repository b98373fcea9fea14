//! Hand-written parts of [`Resource`] and [`crate::stu3::Resource`]: tag dispatch on `resourceType`
//! and the JSON fallback for other types.
//!
//! The visitor reads the first key; when it is `resourceType` (as in every FHIR server's output) the rest
//! of the object streams straight into the typed model. Otherwise the members before `resourceType`
//! are buffered as raw JSON and the object is re-parsed with `resourceType` first (rare, slower).

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

use crate::json::Key;
use crate::{Extras, FhirError, Resource};

/// A resource whose type has no typed model here, kept as lossless JSON (`resourceType` plus members).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OtherResource {
    resource_type: String,
    members: Extras,
}

impl OtherResource {
    /// The `resourceType`.
    pub fn resource_type(&self) -> &str {
        &self.resource_type
    }

    /// The logical id, when the resource has a string `id`.
    pub fn id(&self) -> Option<&str> {
        let raw = self.members.get("id")?.get();
        // A JSON string without escapes is the id between the quotes.
        let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
        (!inner.contains('\\')).then_some(inner)
    }

    /// The members other than `resourceType`, with their exact JSON text.
    pub fn members(&self) -> &Extras {
        &self.members
    }

    /// The whole resource as a `serde_json::Value` (decimals lose their exact text there).
    pub fn to_value(&self) -> Result<serde_json::Value, FhirError> {
        serde_json::to_value(self).map_err(|e| FhirError::json("serde_json::Value", e))
    }

    /// Reads the members after `resourceType`.
    pub(crate) fn read_rest<'de, A: MapAccess<'de>>(
        resource_type: &str,
        map: &mut A,
    ) -> Result<Self, A::Error> {
        let mut members = Extras::default();
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let value: Box<RawValue> = map.next_value()?;
            members.push(key.0.into_owned(), value);
        }
        Ok(OtherResource {
            resource_type: resource_type.to_owned(),
            members,
        })
    }
}

impl Serialize for OtherResource {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("resourceType", &self.resource_type)?;
        self.members.serialize_entries(&mut map)?;
        map.end()
    }
}

/// A generated `Resource` enum (one per FHIR release): reads the members after `resourceType`.
pub(crate) trait TaggedResource: Sized + for<'de> Deserialize<'de> {
    /// Reads the members after `resourceType` into the typed model of `resource_type`.
    fn read_tagged<'de, A: MapAccess<'de>>(
        resource_type: &str,
        map: &mut A,
    ) -> Result<Self, A::Error>;
}

struct ResourceVisitor<R>(PhantomData<R>);

impl<'de, R: TaggedResource> Visitor<'de> for ResourceVisitor<R> {
    type Value = R;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a FHIR resource (a JSON object with resourceType)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<R, A::Error> {
        let mut before: Vec<(String, Box<RawValue>)> = Vec::new();
        while let Some(key) = map.next_key::<Key<'de>>()? {
            if key.0 != "resourceType" {
                before.push((key.0.into_owned(), map.next_value()?));
                continue;
            }
            let resource_type: Key<'de> = map.next_value()?;
            if before.is_empty() {
                return R::read_tagged(&resource_type.0, &mut map);
            }
            // Rebuild the object with resourceType first, keeping every value's exact text.
            let mut text = String::from("{\"resourceType\":");
            text.push_str(&serde_json::to_string(&*resource_type.0).map_err(de::Error::custom)?);
            let mut push = |key: &str, value: &RawValue| -> Result<(), A::Error> {
                text.push(',');
                text.push_str(&serde_json::to_string(key).map_err(de::Error::custom)?);
                text.push(':');
                text.push_str(value.get());
                Ok(())
            };
            for (key, value) in &before {
                push(key, value)?;
            }
            while let Some(key) = map.next_key::<Key<'de>>()? {
                let value: Box<RawValue> = map.next_value()?;
                push(&key.0, &value)?;
            }
            text.push('}');
            return serde_json::from_str(&text).map_err(de::Error::custom);
        }
        Err(de::Error::missing_field("resourceType"))
    }
}

/// `Deserialize` and [`TaggedResource`] for a generated `Resource` enum.
macro_rules! tagged_resource {
    ($($ty:path),*) => {$(
        impl TaggedResource for $ty {
            fn read_tagged<'de, A: MapAccess<'de>>(
                resource_type: &str,
                map: &mut A,
            ) -> Result<Self, A::Error> {
                <$ty>::read_body(resource_type, map)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_map(ResourceVisitor::<$ty>(PhantomData))
            }
        }
    )*};
}

tagged_resource!(Resource, crate::stu3::Resource);

/// Parses any model type (usually [`Resource`] or [`crate::Bundle`]) from JSON text.
///
/// Errors carry the line and column of the problem.
pub fn from_json_str<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, FhirError> {
    serde_json::from_str(text).map_err(|e| FhirError::json(short_type_name::<T>(), e))
}

/// Parses any model type from JSON bytes (which must be UTF-8).
pub fn from_json_slice<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<T, FhirError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => from_json_str(text),
        // Let serde_json report the position of the invalid byte.
        Err(_) => match serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
            Err(e) => Err(FhirError::json(short_type_name::<T>(), e)),
            Ok(_) => Err(FhirError::json(
                short_type_name::<T>(),
                <serde_json::Error as de::Error>::custom("input is not valid UTF-8"),
            )),
        },
    }
}

/// Serializes a model value to compact JSON text (decimals keep their exact text).
pub fn to_json_string<T: Serialize>(value: &T) -> Result<String, FhirError> {
    serde_json::to_string(value).map_err(|e| FhirError::json(short_type_name::<T>(), e))
}

/// The type's name without its module path (`Resource`, not `bluebutton_fhir::generated::resource::Resource`).
fn short_type_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    match full.split_once('<') {
        Some(_) => full,
        None => full.rsplit("::").next().unwrap_or(full),
    }
}
