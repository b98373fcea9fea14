//! Lean, lossless FHIR R4 and STU3 models for the CMS Blue Button 2.0 API, with Blue Button helpers.
//!
//! * The models in [`generated`](crate#models) are produced by `cargo xtask codegen` from the FHIR R4
//!   StructureDefinitions: [`Bundle`], [`Patient`], [`Coverage`], [`ExplanationOfBenefit`],
//!   [`OperationOutcome`], [`CapabilityStatement`], [`Organization`], [`Practitioner`],
//!   [`PractitionerRole`], [`Observation`], [`RelatedPerson`], [`Parameters`] and every datatype they use.
//! * [`Resource`] is tagged by `resourceType`; other resource types are kept as JSON ([`OtherResource`]).
//! * Parsing is lenient and lossless: missing required elements, partial dates, long fractions and
//!   unknown members all parse; unknown members are kept in each struct's `extra` and written back;
//!   decimals keep their exact text ([`Decimal`]). Spec violations are reported by [`Validate::validate`].
//! * [`stu3`] has the same models generated from the FHIR STU3 definitions, for Blue Button API v1
//!   (which serves STU3): [`stu3::Bundle`], [`stu3::Patient`], [`stu3::Coverage`],
//!   [`stu3::ExplanationOfBenefit`], [`stu3::Resource`]... Parsing v1 data as R4 fails with the
//!   position of the first STU3-only shape (and R4-only shapes such as a list of `insurance` fail as
//!   STU3): use the models of the served release ([`FhirVersion`]).
//! * [`bluebutton`] has the Blue Button helpers: [`ClaimType`], code systems, and the views
//!   ([`bluebutton::ClaimView`], [`bluebutton::PatientView`], [`bluebutton::CoverageView`],
//!   [`bluebutton::BundleView`]) giving EOB totals and line items, Patient MBI, Coverage parts and
//!   Bundle paging on both the R4 and the STU3 types, so callers write their code once.
//!
//! # How FHIR maps to Rust
//!
//! * `0..1` elements are `Option<T>`, `0..*` elements are `Vec<T>` (empty when absent); types on a
//!   cycle of single elements are boxed (e.g. `Reference.identifier`).
//! * `string`, `code`, `id`, `uri`, `url`, `canonical`, `markdown`, `oid`, `uuid`, `base64Binary`
//!   are `String`; `integer`, `positiveInt`, `unsignedInt` are `i64` (ranges are checked by `validate()`);
//!   `decimal` is [`Decimal`]; `date`, `dateTime`, `instant`, `time` are [`Date`], [`DateTime`],
//!   [`Instant`], [`Time`] (text kept, typed accessors to `time` values).
//! * The `_name` sibling of a primitive (its id and extensions) is the `name_ext` field. For choice
//!   elements (`_valueDate`) it is kept in `extra`.
//! * A JSON value of the wrong JSON type for a known element (e.g. a string where FHIR has a boolean)
//!   is an error carrying line and column; everything else parses.
//!
//! # Models
//!
//! ```
//! use bluebutton_fhir::{Resource, from_json_str, to_json_string};
//!
//! let json = r#"{"resourceType":"Patient","id":"1","birthDate":"1950","extra":{"a":0.10}}"#;
//! let resource: Resource = from_json_str(json)?;
//! let patient = resource.as_patient().expect("a Patient");
//! assert_eq!(patient.birth_date.as_ref().and_then(|d| d.year()), Some(1950));
//! assert_eq!(to_json_string(&resource)?, json);
//! # Ok::<(), bluebutton_fhir::FhirError>(())
//! ```

#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod bluebutton;
mod error;
#[cfg(feature = "fhir-sdk")]
pub mod fhir_sdk;
mod generated;
mod json;
mod primitives;
mod resource;
pub mod stu3;
mod validate;
mod version;

pub use bluebutton::ClaimType;
pub use error::FhirError;
pub use generated::*;
pub use json::Extras;
pub use primitives::{Date, DatePrecision, DateTime, Decimal, Instant, PrimitiveKind, Time};
pub use resource::{OtherResource, from_json_slice, from_json_str, to_json_string};
pub use validate::{Issue, IssueKind, Validate, Validator};
pub use version::FhirVersion;
