//! Shared test support: locating the shared fixtures and replacing their `IGNORED_FIELD` placeholders.

#![allow(dead_code)] // each test crate uses a different subset

use std::path::{Path, PathBuf};

use serde_json::Value;

pub(crate) fn fixtures() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures");
    dir.is_dir().then_some(dir)
}

pub(crate) fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

/// Replaces each `"IGNORED_FIELD"` string with a valid value for its key, and the placeholder port.
pub(crate) fn substitute_placeholders(text: &str) -> String {
    let text = text.replace("localhost:IGNORED_FIELD", "localhost:6500");
    let needle = "\"IGNORED_FIELD\"";
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(index) = rest.find(needle) {
        let before = &rest[..index];
        out.push_str(before);
        let key = before
            .trim_end()
            .strip_suffix(':')
            .map(str::trim_end)
            .and_then(|s| s.strip_suffix('"'))
            .and_then(|s| s.rsplit('"').next())
            .unwrap_or_default();
        let replacement = match key {
            "lastUpdated" | "created" | "date" => "\"2024-01-02T03:04:05.678-05:00\"",
            "version" => "\"1.0.0\"",
            _ => "\"ignored-field\"",
        };
        out.push_str(replacement);
        rest = &rest[index + needle.len()..];
    }
    out.push_str(rest);
    out
}

/// Every R4 fixture file: `bfd/v2`, `sandbox` and `carin-bb` (not the STU3 `bfd/v1`).
pub(crate) fn r4_fixture_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for sub in ["bfd/v2", "sandbox", "carin-bb"] {
        json_files(&root.join(sub), &mut files);
    }
    files
}

/// Every STU3 fixture file: `bfd/v1` (Blue Button API v1).
pub(crate) fn stu3_fixture_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    json_files(&root.join("bfd/v1"), &mut files);
    files
}

/// The JSON path of the first difference between two values, if any.
pub(crate) fn first_difference(expected: &Value, actual: &Value, path: &str) -> Option<String> {
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
                    None => return Some(format!("{child}: missing in output")),
                }
            }
            a.keys()
                .find(|k| !e.contains_key(*k))
                .map(|k| format!("{path}.{k}: not in input"))
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                return Some(format!(
                    "{path}: {} items in input, {} in output",
                    e.len(),
                    a.len()
                ));
            }
            e.iter()
                .zip(a)
                .enumerate()
                .find_map(|(i, (ev, av))| first_difference(ev, av, &format!("{path}[{i}]")))
        }
        _ if expected == actual => None,
        _ => Some(format!("{path}: input {expected}, output {actual}")),
    }
}
