//! JSON plumbing shared by the generated models: unknown-element capture, the map visitor and serializer helpers.
//!
//! The generated `Deserialize` impls are visitor based: one generic loop ([`ObjectVisitor`]) reads each key
//! and hands it to the type's [`FhirObject::visit_field`], which matches it against the known element
//! names. Keys that no model knows are kept verbatim (as JSON text) in [`Extras`] and written back on
//! serialization, so parsing and serializing is lossless.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// JSON members that the model does not know, kept in input order with their exact JSON text.
///
/// Two `Extras` are equal when they hold the same keys with the same JSON text in the same order.
#[derive(Clone, Debug, Default)]
pub struct Extras(Vec<(String, Box<RawValue>)>);

impl Extras {
    /// Whether no unknown member was kept.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many unknown members were kept.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The raw JSON of the unknown member `key`, if present.
    pub fn get(&self, key: &str) -> Option<&RawValue> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_ref())
    }

    /// The unknown members as `(key, raw JSON)` pairs, in input order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &RawValue)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_ref()))
    }

    /// Adds (or replaces) an unknown member.
    pub fn insert(&mut self, key: impl Into<String>, value: Box<RawValue>) {
        let key = key.into();
        if let Some(slot) = self.0.iter_mut().find(|(k, _)| *k == key) {
            slot.1 = value;
        } else {
            self.0.push((key, value));
        }
    }

    /// Removes the unknown member `key` and returns its raw JSON.
    pub fn remove(&mut self, key: &str) -> Option<Box<RawValue>> {
        let index = self.0.iter().position(|(k, _)| k == key)?;
        Some(self.0.remove(index).1)
    }

    pub(crate) fn push(&mut self, key: String, value: Box<RawValue>) {
        self.0.push((key, value));
    }

    /// Writes every kept member into a map being serialized.
    pub(crate) fn serialize_entries<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        Ok(())
    }
}

impl PartialEq for Extras {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len()
            && self
                .0
                .iter()
                .zip(&other.0)
                .all(|((ka, va), (kb, vb))| ka == kb && va.get() == vb.get())
    }
}

/// A JSON object key, borrowed from the input when possible.
pub(crate) struct Key<'de>(pub(crate) Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// A FHIR JSON object (resource, datatype or backbone element) that the generic visitor can fill.
pub(crate) trait FhirObject: Default {
    /// The FHIR name of the type (for error messages), e.g. `Patient` or `ExplanationOfBenefit.item`.
    const FHIR_NAME: &'static str;

    /// Reads the value of `key` from `map` into the matching field; returns `false` (without reading
    /// the value) when the key is not an element of this type.
    fn visit_field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error>;

    /// The members that the model does not know.
    fn extras_mut(&mut self) -> &mut Extras;
}

/// Fills `target` from the remaining entries of `map`, keeping unknown keys in its extras.
pub(crate) fn fill<'de, T: FhirObject, A: MapAccess<'de>>(
    target: &mut T,
    map: &mut A,
) -> Result<(), A::Error> {
    while let Some(key) = map.next_key::<Key<'de>>()? {
        if !target.visit_field(&key.0, map)? {
            let value: Box<RawValue> = map.next_value()?;
            target.extras_mut().push(key.0.into_owned(), value);
        }
    }
    Ok(())
}

/// The serde visitor of every generated object type.
pub(crate) struct ObjectVisitor<T>(PhantomData<T>);

impl<'de, T: FhirObject> Visitor<'de> for ObjectVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a FHIR {} object", T::FHIR_NAME)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut value = T::default();
        fill(&mut value, &mut map)?;
        Ok(value)
    }
}

/// Deserializes a generated object type.
pub(crate) fn deserialize_object<'de, T: FhirObject, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    deserializer.deserialize_map(ObjectVisitor(PhantomData))
}

/// Reads a `resourceType` value and checks that it names `expected`.
pub(crate) fn check_resource_type<'de, A: MapAccess<'de>>(
    map: &mut A,
    expected: &str,
) -> Result<(), A::Error> {
    let found: Key<'de> = map.next_value()?;
    if found.0 == expected {
        Ok(())
    } else {
        Err(de::Error::custom(format_args!(
            "resourceType is {:?}, expected {expected:?}",
            found.0
        )))
    }
}

/// Starts serializing an object.
pub(crate) fn begin<S: Serializer>(serializer: S) -> Result<S::SerializeMap, S::Error> {
    serializer.serialize_map(None)
}

/// Writes `key` when the optional value is present.
pub(crate) fn opt<M: SerializeMap, T: Serialize>(
    map: &mut M,
    key: &'static str,
    value: &Option<T>,
) -> Result<(), M::Error> {
    match value {
        Some(v) => map.serialize_entry(key, v),
        None => Ok(()),
    }
}

/// Writes `key` when the list is not empty (FHIR JSON never has empty arrays).
pub(crate) fn list<M: SerializeMap, T: Serialize>(
    map: &mut M,
    key: &'static str,
    value: &[T],
) -> Result<(), M::Error> {
    if value.is_empty() {
        Ok(())
    } else {
        map.serialize_entry(key, value)
    }
}

/// Reads the remaining members of `map` into a fresh `T`.
pub(crate) fn read_rest<'de, T: FhirObject, A: MapAccess<'de>>(map: &mut A) -> Result<T, A::Error> {
    let mut value = T::default();
    fill(&mut value, map)?;
    Ok(value)
}

/// Fills an existing value from a JSON object, or reports `null` (as `false`).
struct FillSeed<'a, T>(&'a mut T);

impl<'de, T: FhirObject> de::DeserializeSeed<'de> for FillSeed<'_, T> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de, T: FhirObject> Visitor<'de> for FillSeed<'_, T> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a FHIR {} object", T::FHIR_NAME)
    }

    fn visit_none<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_map(self)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        fill(self.0, &mut map)?;
        Ok(true)
    }
}

/// Reads an optional object member in place (no moves of the possibly large struct).
pub(crate) fn read_opt<'de, T: FhirObject, A: MapAccess<'de>>(
    map: &mut A,
    slot: &mut Option<T>,
) -> Result<(), A::Error> {
    let target = slot.insert(T::default());
    if !map.next_value_seed(FillSeed(target))? {
        *slot = None;
    }
    Ok(())
}

/// Reads an optional boxed object member in place.
pub(crate) fn read_boxed<'de, T: FhirObject, A: MapAccess<'de>>(
    map: &mut A,
    slot: &mut Option<Box<T>>,
) -> Result<(), A::Error> {
    let target = slot.insert(Box::default());
    if !map.next_value_seed(FillSeed(&mut **target))? {
        *slot = None;
    }
    Ok(())
}

/// Reads an object member into a new box (for choice variants).
pub(crate) fn read_box<'de, T: FhirObject, A: MapAccess<'de>>(
    map: &mut A,
) -> Result<Box<T>, A::Error> {
    let mut boxed = Box::<T>::default();
    if map.next_value_seed(FillSeed(&mut *boxed))? {
        Ok(boxed)
    } else {
        Err(de::Error::invalid_type(
            de::Unexpected::Unit,
            &"a JSON object",
        ))
    }
}
