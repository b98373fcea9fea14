//! Round trip of every fixture: R4 ones parse as `Resource`, STU3 (API v1) ones as `stu3::Resource`;
//! each is serialized and compared with the input.
//!
//! Walks `<workspace>/../shared/fixtures/{bfd/v2,sandbox,carin-bb}` for R4 and `bfd/v1` for STU3
//! (skipped with a message when absent),
//! replaces the documented `IGNORED_FIELD` placeholders with valid values on the text level, and checks:
//! the output equals the input as JSON (reporting the JSON path of the first difference), and every
//! number literal of the input appears with the same text in the output (decimals are not re-formatted).

use std::collections::BTreeMap;
use std::path::Path;

mod common;

use common::{
    first_difference, fixtures, r4_fixture_files, stu3_fixture_files, substitute_placeholders,
};

use bluebutton_fhir::{IssueKind, Resource, Validate, from_json_str, stu3, to_json_string};
use serde_json::Value;

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

/// A release's `Resource` enum, as the round trip needs it.
trait AnyResource: Validate + serde::Serialize + for<'de> serde::Deserialize<'de> {
    fn type_name(&self) -> &str;
    fn is_untyped(&self) -> bool;
}

impl AnyResource for Resource {
    fn type_name(&self) -> &str {
        self.resource_type()
    }
    fn is_untyped(&self) -> bool {
        matches!(self, Resource::Other(_))
    }
}

impl AnyResource for stu3::Resource {
    fn type_name(&self) -> &str {
        self.resource_type()
    }
    fn is_untyped(&self) -> bool {
        matches!(self, stu3::Resource::Other(_))
    }
}

/// Counts of `validate()` issues by kind (the spec violations of real data, reported instead of rejected).
fn issue_counts<R: Validate>(resource: &R) -> String {
    let issues = resource.validate();
    let required = issues
        .iter()
        .filter(|i| i.kind == IssueKind::Required)
        .count();
    let format = issues
        .iter()
        .filter(|i| matches!(i.kind, IssueKind::Format { .. }))
        .count();
    format!("{required} required missing, {format} format")
}

fn round_trip<R: AnyResource>(
    path: &Path,
    issues: &mut BTreeMap<String, String>,
    root: &Path,
) -> Result<(), String> {
    let raw = std::fs::read_to_string(path).map_err(|e| format!("read: {e}"))?;
    let input = substitute_placeholders(&raw);
    let resource: R = from_json_str(&input).map_err(|e| format!("parse: {e}"))?;
    if resource.is_untyped() {
        return Err(format!(
            "{} parsed as an untyped resource",
            resource.type_name()
        ));
    }
    // Every member of these files is of the release: nothing may land in the unknown-member store.
    let unknown: Vec<String> = resource
        .validate()
        .into_iter()
        .filter(|issue| issue.kind == IssueKind::UnknownElement)
        .map(|issue| issue.path)
        .collect();
    if !unknown.is_empty() {
        return Err(format!("members not typed: {}", unknown.join(", ")));
    }
    let name = path
        .strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string();
    issues.insert(name, issue_counts(&resource));
    let output = to_json_string(&resource).map_err(|e| format!("serialize: {e}"))?;
    let expected: Value = serde_json::from_str(&input).map_err(|e| format!("input: {e}"))?;
    let actual: Value = serde_json::from_str(&output).map_err(|e| format!("output: {e}"))?;
    if let Some(diff) = first_difference(&expected, &actual, "$") {
        return Err(diff);
    }
    if number_literals(&input) != number_literals(&output) {
        return Err("number literals were re-formatted".to_owned());
    }
    Ok(())
}

#[test]
fn every_r4_fixture_round_trips() {
    let Some(root) = fixtures() else {
        println!("skipped: ../shared/fixtures not found");
        return;
    };
    let files = r4_fixture_files(&root);
    assert!(
        files.len() >= 30,
        "expected the R4 fixtures, found {}",
        files.len()
    );
    let mut failures = Vec::new();
    let mut issues = BTreeMap::new();
    for path in &files {
        if let Err(problem) = round_trip::<Resource>(path, &mut issues, &root) {
            failures.push(format!("{}: {problem}", path.display()));
        }
    }
    println!(
        "corpus: {} files, {} passed, {} failed",
        files.len(),
        files.len() - failures.len(),
        failures.len()
    );
    insta::assert_debug_snapshot!("validation_issue_counts", issues);
    assert!(
        failures.is_empty(),
        "failing fixtures:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_stu3_fixture_round_trips() {
    let Some(root) = fixtures() else {
        println!("skipped: ../shared/fixtures not found");
        return;
    };
    let files = stu3_fixture_files(&root);
    assert!(
        files.len() >= 20,
        "expected the STU3 fixtures, found {}",
        files.len()
    );
    let mut failures = Vec::new();
    let mut issues = BTreeMap::new();
    for path in &files {
        if let Err(problem) = round_trip::<stu3::Resource>(path, &mut issues, &root) {
            failures.push(format!("{}: {problem}", path.display()));
        }
    }
    println!(
        "stu3 corpus: {} files, {} passed, {} failed",
        files.len(),
        files.len() - failures.len(),
        failures.len()
    );
    insta::assert_debug_snapshot!("stu3_validation_issue_counts", issues);
    assert!(
        failures.is_empty(),
        "failing fixtures:\n{}",
        failures.join("\n")
    );
}

#[test]
fn placeholders_are_replaced_by_key() {
    let text = r#"{"meta" : {"lastUpdated" : "IGNORED_FIELD"}, "id":"IGNORED_FIELD", "url":"https://localhost:IGNORED_FIELD/v2"}"#;
    assert_eq!(
        substitute_placeholders(text),
        r#"{"meta" : {"lastUpdated" : "2024-01-02T03:04:05.678-05:00"}, "id":"ignored-field", "url":"https://localhost:6500/v2"}"#
    );
}

#[test]
fn number_literals_skip_strings() {
    assert_eq!(
        number_literals(r#"{"a":"1.0","b":[25.0,-0.10,3e2]}"#),
        vec!["-0.10", "25.0", "3e2"]
    );
}
