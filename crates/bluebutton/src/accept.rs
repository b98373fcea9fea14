//! The `Accept` header each call sends: FHIR JSON to the FHIR read and search endpoints, plain
//! JSON to the endpoints that serve only that (userinfo, metadata, the well-known documents),
//! which answer `406 Not Acceptable` to a FHIR media type.

use bluebutton_transport::{DEFAULT_ACCEPT, JSON_ACCEPT, Request};
use http::HeaderValue;
use http::header::ACCEPT;
use url::Url;

use crate::error::Operation;

/// A GET of `url` for `operation`, asking for the media type that endpoint serves.
pub(crate) fn get(operation: Operation, url: Url) -> Request {
    let accept = HeaderValue::from_static(accept_for(operation, &url));
    Request::get(url).header(ACCEPT, accept)
}

/// The media type to ask `url` for, on behalf of `operation`.
pub(crate) fn accept_for(operation: Operation, url: &Url) -> &'static str {
    match operation {
        Operation::UserInfo | Operation::Metadata => JSON_ACCEPT,
        Operation::Custom if serves_only_json(url.path()) => JSON_ACCEPT,
        _ => DEFAULT_ACCEPT,
    }
}

/// True for the paths outside the FHIR resource endpoints: `connect/…` (userinfo and
/// openid-configuration), `o/…` (OAuth), `fhir/metadata` and any `.well-known` document.
fn serves_only_json(path: &str) -> bool {
    // The path after the version segment (`/v1/`..`/v3/`), or the whole path without one.
    let after_version = path
        .match_indices("/v")
        .find_map(|(at, _)| {
            let rest = &path[at + 2..];
            (rest.starts_with(['1', '2', '3']) && rest[1..].starts_with('/')).then(|| &rest[1..])
        })
        .unwrap_or(path);
    let mut segments = after_version.split('/').filter(|s| !s.is_empty());
    match (segments.next(), segments.next()) {
        (Some("connect" | "o"), _) | (Some("fhir"), Some("metadata")) => true,
        _ => after_version.contains("/.well-known"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(operation: Operation, url: &str) -> &'static str {
        accept_for(operation, &Url::parse(url).expect("a URL"))
    }

    #[test]
    fn fhir_resources_ask_for_fhir_json() {
        let base = "https://sandbox.bluebutton.cms.gov/v2/fhir";
        assert_eq!(
            accept(
                Operation::Search("ExplanationOfBenefit"),
                &format!("{base}/ExplanationOfBenefit/")
            ),
            DEFAULT_ACCEPT
        );
        assert_eq!(
            accept(Operation::Read("Patient"), &format!("{base}/Patient/-1")),
            DEFAULT_ACCEPT
        );
        assert_eq!(
            accept(Operation::NextPage, &format!("{base}/Coverage/?_offset=10")),
            DEFAULT_ACCEPT
        );
        assert_eq!(
            accept(
                Operation::InsuranceCard,
                "https://h/v3/fhir/Patient/$generate-insurance-card"
            ),
            DEFAULT_ACCEPT
        );
        assert_eq!(
            accept(Operation::Custom, &format!("{base}/Patient/-1")),
            DEFAULT_ACCEPT
        );
    }

    #[test]
    fn json_only_endpoints_ask_for_json() {
        assert_eq!(
            accept(Operation::UserInfo, "https://h/v2/connect/userinfo"),
            JSON_ACCEPT
        );
        assert_eq!(
            accept(Operation::Metadata, "https://h/v1/fhir/metadata"),
            JSON_ACCEPT
        );
        for path in [
            "https://h/v2/connect/userinfo",
            "https://h/prefix/v3/connect/.well-known/openid-configuration",
            "https://h/v2/fhir/.well-known/smart-configuration",
            "https://h/v2/fhir/metadata",
            "https://h/v2/o/introspect/",
            "https://h/various/v2/connect/userinfo",
        ] {
            assert_eq!(accept(Operation::Custom, path), JSON_ACCEPT, "{path}");
        }
    }
}
