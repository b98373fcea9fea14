//! Resolving a custom path or URL (the official `get_custom_data`): a path goes under
//! `{base}/v{n}/`, an absolute URL must be on the configured origin.

use bluebutton_config::Endpoints;
use url::Url;

use crate::error::{Error, redacted};

/// Resolves `target`: an absolute `http(s)` URL is used as is when it is on the configured
/// origin; anything else is a path under `{base}/v{n}/` (a leading `/` is ignored) that must
/// stay under it.
pub(crate) fn resolve(endpoints: &Endpoints, target: &str) -> Result<Url, Error> {
    let root = &endpoints.version_root;
    if let Ok(url) = Url::parse(target) {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Error::InvalidTarget {
                target: redacted(&url).to_string(),
                reason: "only http and https URLs can be requested",
            });
        }
        if url.origin() != root.origin() {
            return Err(Error::InvalidTarget {
                target: redacted(&url).to_string(),
                reason: "an absolute URL must be on the configured base URL's origin",
            });
        }
        return Ok(url);
    }
    let path = target.trim_start_matches('/');
    let url = root.join(path).map_err(|_| Error::InvalidTarget {
        target: path_only(path),
        reason: "not a valid relative path",
    })?;
    if url.origin() != root.origin() || !url.path().starts_with(root.path()) {
        return Err(Error::InvalidTarget {
            target: path_only(path),
            reason: "the path leaves the API version's root",
        });
    }
    Ok(url)
}

fn path_only(path: &str) -> String {
    path.split(['?', '#']).next().unwrap_or("").to_owned()
}

#[cfg(test)]
mod tests {
    use bluebutton_config::ApiVersion;

    use super::*;

    fn endpoints(base: &str) -> Endpoints {
        Endpoints::new(&Url::parse(base).unwrap(), ApiVersion::V2)
    }

    #[test]
    fn paths_resolve_under_the_version_root() {
        let e = endpoints("https://sandbox.bluebutton.cms.gov");
        let cases = [
            (
                "fhir/Coverage/part-a--20140000010000/",
                "https://sandbox.bluebutton.cms.gov/v2/fhir/Coverage/part-a--20140000010000/",
            ),
            (
                "/fhir/Patient/?_count=5",
                "https://sandbox.bluebutton.cms.gov/v2/fhir/Patient/?_count=5",
            ),
            (
                "connect/userinfo",
                "https://sandbox.bluebutton.cms.gov/v2/connect/userinfo",
            ),
            // A scheme-relative URL is only a path here: it cannot switch hosts.
            (
                "//evil.example/x",
                "https://sandbox.bluebutton.cms.gov/v2/evil.example/x",
            ),
            (
                "https://sandbox.bluebutton.cms.gov/v2/fhir/ExplanationOfBenefit?startIndex=10",
                "https://sandbox.bluebutton.cms.gov/v2/fhir/ExplanationOfBenefit?startIndex=10",
            ),
        ];
        for (target, expected) in cases {
            assert_eq!(resolve(&e, target).unwrap().as_str(), expected, "{target}");
        }
    }

    #[test]
    fn a_base_with_a_path_prefix_keeps_it() {
        let e = endpoints("https://proxy.example/bb");
        assert_eq!(e.version_root.as_str(), "https://proxy.example/bb/v2/");
        assert_eq!(
            resolve(&e, "fhir/Patient/").unwrap().as_str(),
            "https://proxy.example/bb/v2/fhir/Patient/"
        );
    }

    #[test]
    fn refuses_other_origins_and_escapes() {
        let e = endpoints("https://sandbox.bluebutton.cms.gov");
        for target in [
            "https://evil.example/v2/fhir/Patient/?secret=1",
            "http://sandbox.bluebutton.cms.gov/v2/fhir/Patient/",
            "../v1/fhir/Patient/",
            "fhir/../../admin",
            "ftp://sandbox.bluebutton.cms.gov/x",
        ] {
            let error = resolve(&e, target).map(|u| u.to_string()).unwrap_err();
            assert!(matches!(error, Error::InvalidTarget { .. }), "{target}");
            assert!(!error.to_string().contains("secret=1"));
        }
    }
}
