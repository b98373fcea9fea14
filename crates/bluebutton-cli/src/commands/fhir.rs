//! `fhir check`: parses FHIR JSON files with the typed R4 models and checks the lossless round
//! trip (same JSON, same number literals).

use std::io::Write;
use std::path::{Path, PathBuf};

use bluebutton_fhir::{Resource, Validate, from_json_str, to_json_string};
use serde_json::Value;

use crate::error::CliError;
use crate::exit::Exit;

/// The outcome of one file.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Parsed as this typed resource and round-tripped.
    Ok {
        /// The resource type.
        kind: String,
        /// Spec issues (unknown members kept verbatim, missing required elements, bad
        /// formats); the first few are shown.
        issues: Vec<String>,
    },
    /// Failed, with the reason.
    Failed(String),
}

/// How many issues a line shows.
const SHOWN_ISSUES: usize = 3;

/// Checks one file's text.
pub(crate) fn check_text(text: &str) -> Outcome {
    let resource: Resource = match from_json_str(text) {
        Ok(resource) => resource,
        Err(e) => return Outcome::Failed(format!("does not parse: {e}")),
    };
    let kind = resource.resource_type().to_owned();
    if matches!(resource, Resource::Other(_)) {
        return Outcome::Failed(format!("{kind} has no typed model"));
    }
    let output = match to_json_string(&resource) {
        Ok(output) => output,
        Err(e) => return Outcome::Failed(format!("{kind} does not serialize: {e}")),
    };
    let (input_value, output_value) = match (
        serde_json::from_str::<Value>(text),
        serde_json::from_str::<Value>(&output),
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return Outcome::Failed(format!("{kind}: {e}")),
    };
    if let Some(difference) = first_difference(&input_value, &output_value, "$") {
        return Outcome::Failed(format!("{kind} does not round-trip: {difference}"));
    }
    if number_literals(text) != number_literals(&output) {
        return Outcome::Failed(format!(
            "{kind} does not round-trip: number literals are re-formatted"
        ));
    }
    let issues = resource
        .validate()
        .iter()
        .map(ToString::to_string)
        .collect();
    Outcome::Ok { kind, issues }
}

fn check_file(path: &Path) -> Outcome {
    match std::fs::read_to_string(path) {
        Ok(text) => check_text(&text),
        Err(e) => Outcome::Failed(format!("cannot read: {e}")),
    }
}

/// The report line of one file.
pub(crate) fn render(path: &Path, outcome: &Outcome, strict: bool) -> (bool, String) {
    match outcome {
        Outcome::Ok { kind, issues } if issues.is_empty() => {
            (true, format!("ok      {} ({kind})", path.display()))
        }
        Outcome::Ok { kind, issues } => {
            let mut shown = issues[..issues.len().min(SHOWN_ISSUES)].join("; ");
            if issues.len() > SHOWN_ISSUES {
                shown.push_str("; ...");
            }
            let status = if strict { "FAILED " } else { "ok     " };
            let line = format!(
                "{status} {} ({kind}; round-trips; {} spec issue{}: {shown})",
                path.display(),
                issues.len(),
                if issues.len() == 1 { "" } else { "s" },
            );
            (!strict, line)
        }
        Outcome::Failed(reason) => (false, format!("FAILED  {}: {reason}", path.display())),
    }
}

/// Checks every file, prints one line per file, and fails if any file failed (with `strict`,
/// also if any has spec issues).
pub(crate) fn check(files: &[PathBuf], strict: bool) -> Result<Exit, CliError> {
    let mut out = std::io::stdout().lock();
    let mut failed = 0;
    for path in files {
        let (passed, line) = render(path, &check_file(path), strict);
        if !passed {
            failed += 1;
        }
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    if failed > 0 {
        return Err(CliError::ChecksFailed {
            failed,
            total: files.len(),
        });
    }
    Ok(Exit::Success)
}

/// Every number literal of a JSON text, exactly as written, sorted.
fn number_literals(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                while i < bytes.len()
                    && matches!(bytes[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                {
                    i += 1;
                }
                out.push(&text[start..i]);
            }
            _ => i += 1,
        }
    }
    out.sort_unstable();
    out
}

/// The JSON path of the first difference between two values, if any.
fn first_difference(expected: &Value, actual: &Value, path: &str) -> Option<String> {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (key, ev) in e {
                let child = format!("{path}.{key}");
                match a.get(key) {
                    Some(av) => {
                        if let Some(diff) = first_difference(ev, av, &child) {
                            return Some(diff);
                        }
                    }
                    None => return Some(format!("{child} is lost")),
                }
            }
            a.keys()
                .find(|k| !e.contains_key(*k))
                .map(|k| format!("{path}.{k} is added"))
        }
        (Value::Array(e), Value::Array(a)) if e.len() != a.len() => Some(format!(
            "{path} has {} items in the file, {} after the round trip",
            e.len(),
            a.len()
        )),
        (Value::Array(e), Value::Array(a)) => e
            .iter()
            .zip(a)
            .enumerate()
            .find_map(|(i, (ev, av))| first_difference(ev, av, &format!("{path}[{i}]"))),
        _ if expected == actual => None,
        _ => Some(format!(
            "{path} is {expected} in the file, {actual} after the round trip"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_resource_round_trips() {
        assert_eq!(
            check_text(
                r#"{"resourceType":"Patient","id":"1","birthDate":"1950","gender":"other"}"#
            ),
            Outcome::Ok {
                kind: "Patient".to_owned(),
                issues: Vec::new()
            }
        );
    }

    #[test]
    fn spec_issues_are_reported_and_fail_only_when_strict() {
        let outcome = check_text(
            r#"{"resourceType":"Patient","id":"1","birthDate":"1950","extra":{"a":0.10}}"#,
        );
        let path = Path::new("p.json");
        let (passed, line) = render(path, &outcome, false);
        assert!(passed);
        let (strict_passed, strict_line) = render(path, &outcome, true);
        assert!(!strict_passed);
        insta::assert_snapshot!(format!("{line}\n{strict_line}"));
    }

    #[test]
    fn failures_say_why() {
        let cases = [
            (r#"{"resourceType":"Patient","id":"#, "does not parse"),
            (
                r#"{"resourceType":"Basic","id":"1"}"#,
                "Basic has no typed model",
            ),
            (r#"{"id":"1"}"#, "does not parse"),
        ];
        for (text, expected) in cases {
            match check_text(text) {
                Outcome::Failed(reason) => assert!(reason.contains(expected), "{reason}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn differences_name_the_json_path() {
        let a: Value = serde_json::json!({"a": [1, {"b": 2}]});
        let b: Value = serde_json::json!({"a": [1, {"b": 3}]});
        assert_eq!(
            first_difference(&a, &b, "$").as_deref(),
            Some("$.a[1].b is 2 in the file, 3 after the round trip")
        );
        assert_eq!(
            number_literals(r#"{"a":"1.0","b":[25.0,-0.10]}"#),
            ["-0.10", "25.0"]
        );
    }
}
