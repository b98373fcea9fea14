//! [`FromBody`] and [`Page`]: the formats a response can be read as, chosen by the caller's
//! type (as reqwest chooses on the response and octocrab's `get<R>`), so no method exists twice
//! for typed, JSON and raw results.

use bluebutton_auth::UserInfo;
use bluebutton_fhir::{
    Bundle, CapabilityStatement, Coverage, ExplanationOfBenefit, FhirVersion, Patient, Resource,
    stu3,
};
use bytes::Bytes;
use http::StatusCode;
use url::Url;

use bluebutton_fhir::bluebutton::BundleView;
use bluebutton_fhir::stu3::Resource as Stu3Resource;

use crate::decode;
use crate::error::{Error, Operation};
use crate::raw_page::RawPage;

mod sealed {
    pub trait Sealed {}
}
pub(crate) use sealed::Sealed;

/// A format a response body can be read as (sealed: the types below).
///
/// | type | what you get | API versions |
/// |---|---|---|
/// | a typed resource ([`Patient`], [`Coverage`], [`ExplanationOfBenefit`], [`CapabilityStatement`], [`Resource`]) | the lossless FHIR R4 model | v2, v3 |
/// | [`Bundle`] | a typed FHIR R4 search page | v2, v3 |
/// | a typed STU3 resource ([`stu3::Patient`], [`stu3::Coverage`], [`stu3::ExplanationOfBenefit`], [`stu3::CapabilityStatement`], [`stu3::Resource`]) | the lossless FHIR STU3 model | v1 |
/// | [`stu3::Bundle`] | a typed FHIR STU3 search page | v1 |
/// | [`serde_json::Value`] | the JSON tree | any |
/// | [`RawPage`] | a search page as received: exact bytes, `next` link, each resource's exact text | any |
/// | [`Bytes`] | the body exactly as received | any |
/// | [`UserInfo`] | the OIDC profile (`connect/userinfo`) | any |
///
/// ```no_run
/// # async fn run(beneficiary: bluebutton::Beneficiary) -> Result<(), bluebutton::Error> {
/// use bluebutton::prelude::*;
/// use bluebutton::{Bundle, RawPage};
///
/// let search = beneficiary.explanation_of_benefit();
/// let typed: Bundle = search.first().await?;                  // typed R4 (v2, v3)
/// let json = search.first::<serde_json::Value>().await?;      // any version
/// let mut raw = search.pages::<RawPage>();                    // pass-through pages
/// while let Some(page) = raw.try_next().await? {
///     println!("{} resources", page.resources().len());
/// }
/// # let _ = (typed, json); Ok(()) }
/// ```
///
/// A typed model of the wrong FHIR release for the configured API version (R4 on v1, STU3 on
/// v2/v3) is refused before anything is sent, with [`Error::WrongFhirVersion`] naming the type to
/// use instead. Code generic over the release reads both through the views
/// ([`ClaimView`](bluebutton_fhir::bluebutton::ClaimView) and the others).
pub trait FromBody: Sealed + Sized + Send + 'static {
    /// The FHIR release of a typed model (its API versions), `None` for formats of any version.
    #[doc(hidden)]
    const FHIR: Option<FhirVersion>;
    /// The type's name, and the name of the same type in the other release, for errors.
    #[doc(hidden)]
    const NAMES: (&'static str, &'static str) = ("", "");

    /// Reads a successful response's body, fetched from `url` for `operation`.
    #[doc(hidden)]
    fn from_body(
        operation: Operation,
        url: &Url,
        status: StatusCode,
        body: Bytes,
    ) -> Result<Self, Error>;
}

/// A format a search page can be read as, with its `next` link (sealed: [`Bundle`],
/// [`stu3::Bundle`], [`serde_json::Value`] and [`RawPage`]).
pub trait Page: FromBody {
    /// The `next` link, verbatim.
    fn next_link(&self) -> Option<&str>;
    /// How many entries the page holds.
    fn entry_count(&self) -> usize;
}

/// A typed resource of a release: decoded as any resource of it, then checked to be the one expected.
macro_rules! typed_resource {
    ($fhir:expr, $resource:ident; $($ty:ty => $variant:ident, $name:literal, $names:expr;)*) => {$(
        impl Sealed for $ty {}
        impl FromBody for $ty {
            const FHIR: Option<FhirVersion> = Some($fhir);
            const NAMES: (&'static str, &'static str) = $names;
            fn from_body(
                operation: Operation,
                url: &Url,
                status: StatusCode,
                body: Bytes,
            ) -> Result<Self, Error> {
                match decode::resource::<$resource>(operation, url, &body)? {
                    $resource::$variant(resource) => Ok(*resource),
                    other => Err(Error::UnexpectedResource {
                        operation,
                        expected: $name,
                        found: other.resource_type().to_owned(),
                        status,
                    }),
                }
            }
        }
    )*};
}

typed_resource! {
    FhirVersion::R4, Resource;
    Patient => Patient, "Patient", ("bluebutton::Patient", "bluebutton::stu3::Patient");
    Coverage => Coverage, "Coverage", ("bluebutton::Coverage", "bluebutton::stu3::Coverage");
    ExplanationOfBenefit => ExplanationOfBenefit, "ExplanationOfBenefit",
        ("bluebutton::ExplanationOfBenefit", "bluebutton::stu3::ExplanationOfBenefit");
    CapabilityStatement => CapabilityStatement, "CapabilityStatement",
        ("bluebutton::CapabilityStatement", "bluebutton::stu3::CapabilityStatement");
    Bundle => Bundle, "Bundle", ("bluebutton::Bundle", "bluebutton::stu3::Bundle");
}

typed_resource! {
    FhirVersion::Stu3, Stu3Resource;
    stu3::Patient => Patient, "Patient", ("bluebutton::stu3::Patient", "bluebutton::Patient");
    stu3::Coverage => Coverage, "Coverage", ("bluebutton::stu3::Coverage", "bluebutton::Coverage");
    stu3::ExplanationOfBenefit => ExplanationOfBenefit, "ExplanationOfBenefit",
        ("bluebutton::stu3::ExplanationOfBenefit", "bluebutton::ExplanationOfBenefit");
    stu3::CapabilityStatement => CapabilityStatement, "CapabilityStatement",
        ("bluebutton::stu3::CapabilityStatement", "bluebutton::CapabilityStatement");
    stu3::Bundle => Bundle, "Bundle", ("bluebutton::stu3::Bundle", "bluebutton::Bundle");
}

/// Any resource of a release.
macro_rules! any_resource {
    ($($ty:ty => $fhir:expr, $names:expr;)*) => {$(
        impl Sealed for $ty {}
        impl FromBody for $ty {
            const FHIR: Option<FhirVersion> = Some($fhir);
            const NAMES: (&'static str, &'static str) = $names;
            fn from_body(
                operation: Operation,
                url: &Url,
                _: StatusCode,
                body: Bytes,
            ) -> Result<Self, Error> {
                decode::resource(operation, url, &body)
            }
        }
    )*};
}

any_resource! {
    Resource => FhirVersion::R4, ("bluebutton::Resource", "bluebutton::stu3::Resource");
    stu3::Resource => FhirVersion::Stu3, ("bluebutton::stu3::Resource", "bluebutton::Resource");
}

/// Plain JSON documents, for any API version, with the JSON path of a decoding error.
macro_rules! json_format {
    ($($ty:ty),*) => {$(
        impl Sealed for $ty {}
        impl FromBody for $ty {
            const FHIR: Option<FhirVersion> = None;
            fn from_body(
                operation: Operation,
                url: &Url,
                _: StatusCode,
                body: Bytes,
            ) -> Result<Self, Error> {
                decode::json(operation, url, &body)
            }
        }
    )*};
}

json_format!(serde_json::Value, UserInfo);

impl Sealed for Bytes {}
impl FromBody for Bytes {
    const FHIR: Option<FhirVersion> = None;
    fn from_body(_: Operation, _: &Url, _: StatusCode, body: Bytes) -> Result<Self, Error> {
        Ok(body)
    }
}

impl Sealed for RawPage {}
impl FromBody for RawPage {
    const FHIR: Option<FhirVersion> = None;
    fn from_body(
        operation: Operation,
        url: &Url,
        _: StatusCode,
        body: Bytes,
    ) -> Result<Self, Error> {
        RawPage::scan(&body).map_err(|e| e.into_error(operation, url))
    }
}

/// The typed Bundles of every release.
macro_rules! bundle_page {
    ($($ty:ty),*) => {$(
        impl Page for $ty {
            fn next_link(&self) -> Option<&str> {
                BundleView::next_link(self)
            }

            fn entry_count(&self) -> usize {
                self.entry.len()
            }
        }
    )*};
}

bundle_page!(Bundle, stu3::Bundle);

impl Page for serde_json::Value {
    /// Like the official SDKs: only a `Bundle`'s `link[relation=next].url`.
    fn next_link(&self) -> Option<&str> {
        if self.get("resourceType")?.as_str()? != "Bundle" {
            return None;
        }
        self.get("link")?
            .as_array()?
            .iter()
            .find(|l| l.get("relation").and_then(|r| r.as_str()) == Some("next"))?
            .get("url")?
            .as_str()
    }

    fn entry_count(&self) -> usize {
        self.get("entry")
            .and_then(|e| e.as_array())
            .map_or(0, Vec::len)
    }
}

impl Page for RawPage {
    fn next_link(&self) -> Option<&str> {
        RawPage::next_link(self)
    }

    fn entry_count(&self) -> usize {
        RawPage::entry_count(self)
    }
}
