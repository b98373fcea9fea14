//! Scope slugs: what the application may get, what demographics mean, what each route needs.

use crate::router::Version;

/// Every scope of the sandbox application on v3, in the order of the real token response example.
const APP_SCOPES: [&str; 5] = [
    "patient/Coverage.rs",
    "patient/ExplanationOfBenefit.rs",
    "profile",
    "patient/Patient.rs",
    "openid",
];

/// Every scope of the sandbox application on v1 and v2: the legacy `.read` scopes beside `.rs`.
const APP_SCOPES_LEGACY: [&str; 8] = [
    "patient/Coverage.read",
    "patient/Coverage.rs",
    "patient/ExplanationOfBenefit.read",
    "patient/ExplanationOfBenefit.rs",
    "profile",
    "patient/Patient.read",
    "patient/Patient.rs",
    "openid",
];

/// All the application's scopes for an authorization on `version`.
fn app_scopes(version: Version) -> Vec<String> {
    let all: &[&str] = match version {
        Version::V3 => &APP_SCOPES,
        Version::V1 | Version::V2 => &APP_SCOPES_LEGACY,
    };
    all.iter().map(|s| (*s).to_owned()).collect()
}

/// `BENE_PERSONAL_INFO_SCOPES`: stripped when the beneficiary does not share demographics.
const DEMOGRAPHIC: [&str; 5] = [
    "patient/Patient.read",
    "patient/Patient.s",
    "patient/Patient.r",
    "patient/Patient.rs",
    "profile",
];

fn supported(scope: &str) -> bool {
    if matches!(scope, "openid" | "profile" | "launch/patient") {
        return true;
    }
    let Some(rest) = scope.strip_prefix("patient/") else {
        return false;
    };
    let Some((resource, access)) = rest.split_once('.') else {
        return false;
    };
    matches!(resource, "Patient" | "Coverage" | "ExplanationOfBenefit")
        && matches!(access, "read" | "r" | "s" | "rs")
}

/// The scopes granted on `version` for a request's `scope` parameter (`None`: all of the
/// application's).
pub(crate) fn grant(
    version: Version,
    requested: Option<&str>,
    share_demographics: bool,
) -> Vec<String> {
    let mut scopes: Vec<String> = match requested {
        Some(text) => {
            let asked: Vec<&str> = text.split_whitespace().filter(|s| supported(s)).collect();
            let mut out: Vec<String> = Vec::new();
            for scope in &asked {
                // `.r` + `.s` condense to `.rs`.
                let condensed = if let Some(base) = scope.strip_suffix(".r") {
                    if asked.contains(&format!("{base}.s").as_str()) {
                        format!("{base}.rs")
                    } else {
                        (*scope).to_owned()
                    }
                } else if let Some(base) = scope.strip_suffix(".s") {
                    if asked.contains(&format!("{base}.r").as_str()) {
                        format!("{base}.rs")
                    } else {
                        (*scope).to_owned()
                    }
                } else {
                    (*scope).to_owned()
                };
                if !out.contains(&condensed) {
                    out.push(condensed);
                }
            }
            if out.is_empty() {
                app_scopes(version)
            } else {
                out
            }
        }
        None => app_scopes(version),
    };
    if !share_demographics {
        scopes.retain(|s| !DEMOGRAPHIC.contains(&s.as_str()));
    }
    scopes
}

/// Whether `scopes` allow a read (`search == false`) or search of `resource`.
pub(crate) fn allows(scopes: &[String], resource: &str, search: bool) -> bool {
    scopes.iter().any(|scope| {
        let Some(rest) = scope
            .strip_prefix("patient/")
            .and_then(|r| r.strip_prefix(resource))
            .and_then(|r| r.strip_prefix('.'))
        else {
            return false;
        };
        match rest {
            "read" | "rs" => true,
            // `.r` is backward compatible: it allows search too.
            "r" => true,
            "s" => search,
            _ => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demographics_are_stripped_and_scopes_condensed() {
        assert_eq!(
            grant(Version::V3, None, false),
            vec![
                "patient/Coverage.rs",
                "patient/ExplanationOfBenefit.rs",
                "openid"
            ]
        );
        assert_eq!(
            grant(Version::V2, None, false),
            vec![
                "patient/Coverage.read",
                "patient/Coverage.rs",
                "patient/ExplanationOfBenefit.read",
                "patient/ExplanationOfBenefit.rs",
                "openid"
            ]
        );
        assert_eq!(
            grant(
                Version::V2,
                Some("patient/Patient.r patient/Patient.s openid bogus"),
                true
            ),
            vec!["patient/Patient.rs", "openid"]
        );
        let s = grant(Version::V3, Some("patient/Coverage.s"), true);
        assert!(allows(&s, "Coverage", true));
        assert!(!allows(&s, "Coverage", false));
        assert!(!allows(&s, "Patient", true));
    }
}
