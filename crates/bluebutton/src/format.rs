//! [`FromBody`] and [`Page`]: the formats a response can be read as, chosen by the caller's
//! type (as reqwest chooses on the response and octocrab's `get<R>`), so no method exists twice
//! for typed, JSON and raw results.

use bluebutton_auth::UserInfo;
use bluebutton_fhir::{
    Bundle, CapabilityStatement, Coverage, ExplanationOfBenefit, Patient, Resource,
};
use bytes::Bytes;
use http::StatusCode;
use url::Url;

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
/// | [`Bundle`] | a typed search page | v2, v3 |
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
/// let typed: Bundle = search.first().await?;                  // typed R4
/// let json = search.first::<serde_json::Value>().await?;      // any version
/// let mut raw = search.pages::<RawPage>();                    // pass-through pages
/// while let Some(page) = raw.try_next().await? {
///     println!("{} resources", page.resources().len());
/// }
/// # let _ = (typed, json); Ok(()) }
/// ```
pub trait FromBody: Sealed + Sized + Send + 'static {
    /// True for the typed FHIR R4 models, which need API v2 or v3.
    #[doc(hidden)]
    const R4_ONLY: bool;

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
/// [`serde_json::Value`] and [`RawPage`]).
pub trait Page: FromBody {
    /// The `next` link, verbatim.
    fn next_link(&self) -> Option<&str>;
    /// How many entries the page holds.
    fn entry_count(&self) -> usize;
}

/// A typed resource: decoded as any resource, then checked to be the one expected.
macro_rules! typed_resource {
    ($($ty:ident => $variant:ident, $name:literal;)*) => {$(
        impl Sealed for $ty {}
        impl FromBody for $ty {
            const R4_ONLY: bool = true;
            fn from_body(
                operation: Operation,
                url: &Url,
                status: StatusCode,
                body: Bytes,
            ) -> Result<Self, Error> {
                match decode::resource(operation, url, &body)? {
                    Resource::$variant(resource) => Ok(*resource),
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
    Patient => Patient, "Patient";
    Coverage => Coverage, "Coverage";
    ExplanationOfBenefit => ExplanationOfBenefit, "ExplanationOfBenefit";
    CapabilityStatement => CapabilityStatement, "CapabilityStatement";
    Bundle => Bundle, "Bundle";
}

impl Sealed for Resource {}
impl FromBody for Resource {
    const R4_ONLY: bool = true;
    fn from_body(
        operation: Operation,
        url: &Url,
        _: StatusCode,
        body: Bytes,
    ) -> Result<Self, Error> {
        decode::resource(operation, url, &body)
    }
}

/// Plain JSON documents, for any API version, with the JSON path of a decoding error.
macro_rules! json_format {
    ($($ty:ty),*) => {$(
        impl Sealed for $ty {}
        impl FromBody for $ty {
            const R4_ONLY: bool = false;
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
    const R4_ONLY: bool = false;
    fn from_body(_: Operation, _: &Url, _: StatusCode, body: Bytes) -> Result<Self, Error> {
        Ok(body)
    }
}

impl Sealed for RawPage {}
impl FromBody for RawPage {
    const R4_ONLY: bool = false;
    fn from_body(
        operation: Operation,
        url: &Url,
        _: StatusCode,
        body: Bytes,
    ) -> Result<Self, Error> {
        RawPage::scan(&body).map_err(|e| e.into_error(operation, url))
    }
}

impl Page for Bundle {
    fn next_link(&self) -> Option<&str> {
        Bundle::next_link(self)
    }

    fn entry_count(&self) -> usize {
        self.entry.len()
    }
}

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
