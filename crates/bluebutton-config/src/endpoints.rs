//! The absolute URLs of every Blue Button 2.0 endpoint for one base URL and API version.

use url::Url;

use crate::error::ConfigError;
use crate::version::ApiVersion;

/// Every endpoint of one API version, built from a base URL as `{base}/v{n}/…`.
///
/// The paths are exactly those of the server; OAuth paths keep the trailing
/// slash the server needs (it answers `/v2/o/authorize` with a 301).
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    /// `{base}/v{n}/`: the root every path of the version is under.
    pub version_root: Url,
    /// `{base}/v{n}/o/authorize/`
    pub authorize: Url,
    /// `{base}/v{n}/o/token/`
    pub token: Url,
    /// `{base}/v{n}/o/revoke_token/` (RFC 7009)
    pub revoke_token: Url,
    /// `{base}/v{n}/o/revoke/` (also deletes the data-access grant)
    pub revoke: Url,
    /// `{base}/v{n}/o/introspect/` (RFC 7662)
    pub introspect: Url,
    /// `{base}/v{n}/connect/userinfo`
    pub userinfo: Url,
    /// `{base}/v{n}/fhir/` (with the trailing slash, so `join("Patient")` works)
    pub fhir_base: Url,
    /// `{base}/v{n}/fhir/metadata`
    pub metadata: Url,
    /// `{base}/v{n}/connect/.well-known/openid-configuration`
    pub openid_configuration: Url,
    /// `{base}/v{n}/fhir/.well-known/smart-configuration`
    pub smart_configuration: Url,
}

impl Endpoints {
    /// The endpoints of `version` under `base`. A path in `base` is kept (`https://h/prefix` gives
    /// `https://h/prefix/v2/o/token/`); its query and fragment are dropped.
    pub fn new(base: &Url, version: ApiVersion) -> Endpoints {
        let prefix = format!(
            "{}/{}/",
            base.path().trim_end_matches('/'),
            version.path_segment()
        );
        let at = |path: &str| {
            let mut url = base.clone();
            url.set_query(None);
            url.set_fragment(None);
            url.set_path(&format!("{prefix}{path}"));
            url
        };
        Endpoints {
            version_root: at(""),
            authorize: at("o/authorize/"),
            token: at("o/token/"),
            revoke_token: at("o/revoke_token/"),
            revoke: at("o/revoke/"),
            introspect: at("o/introspect/"),
            userinfo: at("connect/userinfo"),
            fhir_base: at("fhir/"),
            metadata: at("fhir/metadata"),
            openid_configuration: at("connect/.well-known/openid-configuration"),
            smart_configuration: at("fhir/.well-known/smart-configuration"),
        }
    }

    /// The search URL of a FHIR resource type: `fhir_resource("Patient")` is `{base}/v{n}/fhir/Patient`.
    ///
    /// The type must be a FHIR type name (an ASCII letter, then ASCII letters or digits), so that
    /// no `..`, `/` or `?` can change the path.
    pub fn fhir_resource(&self, resource_type: &str) -> Result<Url, ConfigError> {
        check_resource_type(resource_type)?;
        Ok(self.fhir_join(resource_type))
    }

    /// The read URL of one resource: `fhir_instance("Patient", "-19990000000001")` is
    /// `{base}/v{n}/fhir/Patient/-19990000000001`.
    ///
    /// The id must be a FHIR id: 1 to 64 of `A-Z a-z 0-9 - .`.
    pub fn fhir_instance(&self, resource_type: &str, id: &str) -> Result<Url, ConfigError> {
        check_resource_type(resource_type)?;
        let valid_id = (1..=64).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
            && id != "."
            && id != "..";
        if !valid_id {
            return Err(ConfigError::InvalidResourceId { id: id.to_owned() });
        }
        Ok(self.fhir_join(&format!("{resource_type}/{id}")))
    }

    fn fhir_join(&self, tail: &str) -> Url {
        let mut url = self.fhir_base.clone();
        url.set_path(&format!("{}{tail}", self.fhir_base.path()));
        url
    }
}

fn check_resource_type(resource_type: &str) -> Result<(), ConfigError> {
    let mut bytes = resource_type.bytes();
    let valid = bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric());
    if valid {
        Ok(())
    } else {
        Err(ConfigError::InvalidResourceType {
            resource_type: resource_type.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::environment::Environment;

    fn render(e: &Endpoints) -> String {
        [
            ("authorize", &e.authorize),
            ("token", &e.token),
            ("revoke_token", &e.revoke_token),
            ("revoke", &e.revoke),
            ("introspect", &e.introspect),
            ("userinfo", &e.userinfo),
            ("fhir_base", &e.fhir_base),
            ("metadata", &e.metadata),
            ("openid_configuration", &e.openid_configuration),
            ("smart_configuration", &e.smart_configuration),
        ]
        .iter()
        .map(|(name, url)| format!("{name}: {url}\n"))
        .collect()
    }

    #[test]
    fn sandbox_v2_endpoints() {
        let e = Endpoints::new(&Environment::Sandbox.base_url(), ApiVersion::V2);
        insta::assert_snapshot!(render(&e));
    }

    #[test]
    fn every_version_and_environment() {
        let mut out = String::new();
        for env in Environment::ALL {
            for version in ApiVersion::ALL {
                let e = Endpoints::new(&env.base_url(), version);
                out.push_str(&format!(
                    "{env} {version}: {} {}\n",
                    e.authorize, e.fhir_base
                ));
            }
        }
        insta::assert_snapshot!(out);
    }

    #[test]
    fn keeps_a_base_path_and_drops_query_and_fragment() {
        for base in [
            "http://127.0.0.1:8080/prefix",
            "http://127.0.0.1:8080/prefix/",
            "http://127.0.0.1:8080/prefix/?a=b#frag",
        ] {
            let e = Endpoints::new(&Url::parse(base).unwrap(), ApiVersion::V3);
            assert_eq!(e.token.as_str(), "http://127.0.0.1:8080/prefix/v3/o/token/");
            assert_eq!(
                e.fhir_base.as_str(),
                "http://127.0.0.1:8080/prefix/v3/fhir/"
            );
        }
    }

    #[test]
    fn fhir_base_joins_relative_paths() {
        let e = Endpoints::new(&Environment::Sandbox.base_url(), ApiVersion::V2);
        assert_eq!(
            e.fhir_base.join("Patient/").unwrap().as_str(),
            "https://sandbox.bluebutton.cms.gov/v2/fhir/Patient/"
        );
    }

    #[test]
    fn fhir_resource_and_instance_urls() {
        let e = Endpoints::new(&Environment::Sandbox.base_url(), ApiVersion::V2);
        assert_eq!(
            e.fhir_resource("ExplanationOfBenefit").unwrap().as_str(),
            "https://sandbox.bluebutton.cms.gov/v2/fhir/ExplanationOfBenefit"
        );
        assert_eq!(
            e.fhir_instance("Patient", "-19990000000001")
                .unwrap()
                .as_str(),
            "https://sandbox.bluebutton.cms.gov/v2/fhir/Patient/-19990000000001"
        );
        assert_eq!(
            e.fhir_instance("Coverage", "part-a--20140000010000")
                .unwrap()
                .as_str(),
            "https://sandbox.bluebutton.cms.gov/v2/fhir/Coverage/part-a--20140000010000"
        );
    }

    #[test]
    fn fhir_resource_rejects_path_tricks() {
        let e = Endpoints::new(&Environment::Sandbox.base_url(), ApiVersion::V2);
        for bad in [
            "",
            "../o/token",
            "Patient/1",
            "Patient?x=1",
            "1Patient",
            "Pat ient",
        ] {
            let err = e.fhir_resource(bad).unwrap_err();
            assert!(
                matches!(err, ConfigError::InvalidResourceType { .. }),
                "{bad}"
            );
        }
        for bad in ["", "..", ".", "a/b", "a?b", &"x".repeat(65)] {
            let err = e.fhir_instance("Patient", bad).unwrap_err();
            assert!(
                matches!(err, ConfigError::InvalidResourceId { .. }),
                "{bad}"
            );
        }
        insta::assert_snapshot!(
            e.fhir_resource("../o/token").unwrap_err().to_string(),
            @r#"invalid FHIR resource type "../o/token": expected an ASCII letter followed by ASCII letters or digits, such as "Patient""#
        );
        insta::assert_snapshot!(
            e.fhir_instance("Patient", "a/b").unwrap_err().to_string(),
            @r#"invalid FHIR resource id "a/b": expected 1 to 64 characters from A-Z, a-z, 0-9, '-' and '.'"#
        );
    }
}
