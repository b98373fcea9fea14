//! `cargo xtask deps`: the dependency policy, checked over `cargo metadata` (no extra tool).
//!
//! The policy: one `reqwest` and one `sha2` major version in the normal (non-dev)
//! dependency graph of the workspace's crates, and none of the banned crates (`backoff`,
//! `instant`, `serde_yml`, `serde_yaml` proper; `yaml_serde` is the allowed YAML crate) anywhere
//! in the resolved graph, dev-dependencies included. The RustSec advisory database is not
//! checked: it has to be downloaded, and CI runs offline.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::process::Stdio;

use serde_json::Value;

use crate::cmd::{StepFailed, cargo};

/// Crates that must not appear anywhere in the resolved graph, with the reason.
pub(crate) const BANNED: &[(&str, &str)] = &[
    ("backoff", "unmaintained; the transport uses backon"),
    ("instant", "unmaintained; use std::time or web-time"),
    (
        "serde_yml",
        "unmaintained fork of serde_yaml; use yaml_serde",
    ),
    (
        "serde_yaml",
        "deprecated and unmaintained; use yaml_serde (aliased as serde_yaml)",
    ),
];

/// Crates allowed at most one major version in the normal dependency graph: `reqwest`, and
/// `sha2`, which the sandbox and tools keep on the major `oauth2` requires.
pub(crate) const SINGLE_MAJOR: &[&str] = &["reqwest", "sha2"];

const STEP: &str = "dependency policy (cargo metadata)";

/// Runs `cargo metadata`, checks the policy and prints what it found.
pub(crate) fn run() -> Result<(), StepFailed> {
    println!("==> {STEP}");
    let output = cargo()
        .args(["metadata", "--format-version", "1"])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|err| failed(format!("could not start cargo metadata: {err}")))?;
    if !output.status.success() {
        return Err(failed(format!(
            "cargo metadata exited with {}",
            output.status
        )));
    }
    let metadata: Value = serde_json::from_slice(&output.stdout)
        .map_err(|err| failed(format!("cargo metadata printed invalid JSON: {err}")))?;
    let report = check(&metadata).map_err(failed)?;
    report.print();
    let problems = report.problems();
    if problems.is_empty() {
        println!("<== {STEP}: passed");
        Ok(())
    } else {
        for problem in &problems {
            eprintln!("    policy violation: {problem}");
        }
        Err(failed(format!("{} policy violation(s)", problems.len())))
    }
}

fn failed(detail: impl Into<String>) -> StepFailed {
    StepFailed {
        step: STEP.to_owned(),
        detail: detail.into(),
    }
}

/// One resolved package: name and version.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Package {
    pub(crate) name: String,
    pub(crate) version: String,
}

impl Package {
    /// The semver-compatibility "major": `0.13` for `0.13.5`, `1` for `1.2.3`.
    pub(crate) fn major(&self) -> String {
        let mut parts = self.version.split(['.', '-', '+']);
        let first = parts.next().unwrap_or("");
        if first == "0" {
            format!("0.{}", parts.next().unwrap_or("0"))
        } else {
            first.to_owned()
        }
    }
}

/// What the check found.
#[derive(Debug, Default)]
pub(crate) struct Report {
    /// Workspace members the graphs start from.
    pub(crate) roots: usize,
    /// Packages in the whole resolved graph (dev-dependencies included).
    pub(crate) all_packages: usize,
    /// Packages reachable through normal and build dependencies only.
    pub(crate) normal_packages: usize,
    /// For each [`SINGLE_MAJOR`] crate, the majors found in the normal graph.
    pub(crate) majors: BTreeMap<String, BTreeSet<String>>,
    /// Banned crates found, with the chain of dependents that pulls each in.
    pub(crate) banned: Vec<(Package, Vec<String>)>,
}

impl Report {
    fn print(&self) {
        println!(
            "    graph: {} workspace crates, {} packages resolved, {} in the normal (non-dev) graph",
            self.roots, self.all_packages, self.normal_packages
        );
        for name in SINGLE_MAJOR {
            let majors = self.majors.get(*name).cloned().unwrap_or_default();
            let list: Vec<&str> = majors.iter().map(String::as_str).collect();
            println!(
                "    {name}: {} major version(s) in the normal graph [{}] (allowed: 1)",
                majors.len(),
                list.join(", ")
            );
        }
        let names: Vec<&str> = BANNED.iter().map(|(name, _)| *name).collect();
        println!(
            "    banned crates ({}): {} found",
            names.join(", "),
            self.banned.len()
        );
        println!(
            "    advisories: NOT checked: the RustSec advisory database must be downloaded \
             (cargo audit / cargo deny check advisories) and this check runs offline"
        );
    }

    /// Human-readable violations; empty when the policy holds.
    pub(crate) fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (name, majors) in &self.majors {
            if majors.len() > 1 {
                let list: Vec<&str> = majors.iter().map(String::as_str).collect();
                out.push(format!(
                    "{name} has {} major versions in the normal graph: {}",
                    majors.len(),
                    list.join(", ")
                ));
            }
        }
        for (package, chain) in &self.banned {
            let reason = BANNED
                .iter()
                .find(|(name, _)| *name == package.name)
                .map_or("banned", |(_, reason)| reason);
            out.push(format!(
                "banned crate {} {} ({reason}), pulled in by {}",
                package.name,
                package.version,
                chain.join(" -> ")
            ));
        }
        out
    }
}

/// Checks the policy over a `cargo metadata --format-version 1` document.
pub(crate) fn check(metadata: &Value) -> Result<Report, String> {
    let packages: HashMap<&str, Package> = metadata["packages"]
        .as_array()
        .ok_or("`packages` is not an array")?
        .iter()
        .filter_map(|p| {
            Some((
                p["id"].as_str()?,
                Package {
                    name: p["name"].as_str()?.to_owned(),
                    version: p["version"].as_str()?.to_owned(),
                },
            ))
        })
        .collect();
    let roots: Vec<&str> = metadata["workspace_members"]
        .as_array()
        .ok_or("`workspace_members` is not an array")?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let nodes = metadata["resolve"]["nodes"]
        .as_array()
        .ok_or("`resolve.nodes` is missing (was --no-deps used?)")?;
    // id -> [(dependency id, reachable through a non-dev edge)]
    let mut edges: HashMap<&str, Vec<(&str, bool)>> = HashMap::new();
    for node in nodes {
        let Some(id) = node["id"].as_str() else {
            continue;
        };
        let deps = node["deps"].as_array().map(Vec::as_slice).unwrap_or(&[]);
        let list = deps
            .iter()
            .filter_map(|dep| {
                let pkg = dep["pkg"].as_str()?;
                let kinds = dep["dep_kinds"].as_array()?;
                let normal = kinds.iter().any(|k| k["kind"].as_str() != Some("dev"));
                Some((pkg, normal))
            })
            .collect();
        edges.insert(id, list);
    }

    let all = reach(&roots, &edges, false);
    let normal = reach(&roots, &edges, true);

    let mut majors: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for id in normal.keys() {
        if let Some(package) = packages.get(id)
            && SINGLE_MAJOR.contains(&package.name.as_str())
        {
            majors
                .entry(package.name.clone())
                .or_default()
                .insert(package.major());
        }
    }

    let mut banned = Vec::new();
    for id in all.keys() {
        if let Some(package) = packages.get(id)
            && BANNED.iter().any(|(name, _)| *name == package.name)
        {
            let chain = chain_to(id, &all)
                .into_iter()
                .filter_map(|step| packages.get(step))
                .map(|p| format!("{} {}", p.name, p.version))
                .collect();
            banned.push((package.clone(), chain));
        }
    }
    banned.sort();

    Ok(Report {
        roots: roots.len(),
        all_packages: all.len(),
        normal_packages: normal.len(),
        majors,
        banned,
    })
}

/// Breadth-first reach from `roots`; each reached id maps to the id it was reached from.
fn reach<'a>(
    roots: &[&'a str],
    edges: &HashMap<&'a str, Vec<(&'a str, bool)>>,
    normal_only: bool,
) -> HashMap<&'a str, Option<&'a str>> {
    let mut seen: HashMap<&str, Option<&str>> = roots.iter().map(|r| (*r, None)).collect();
    let mut queue: VecDeque<&str> = roots.iter().copied().collect();
    while let Some(id) = queue.pop_front() {
        for (dep, normal) in edges.get(id).map(Vec::as_slice).unwrap_or(&[]) {
            if (*normal || !normal_only) && !seen.contains_key(dep) {
                seen.insert(dep, Some(id));
                queue.push_back(dep);
            }
        }
    }
    seen
}

/// The path from a workspace crate to `id`, from the `reach` parents.
fn chain_to<'a>(id: &'a str, parents: &HashMap<&'a str, Option<&'a str>>) -> Vec<&'a str> {
    let mut chain = vec![id];
    let mut current = id;
    while let Some(Some(parent)) = parents.get(current) {
        if chain.contains(parent) {
            break;
        }
        chain.push(parent);
        current = parent;
    }
    chain.reverse();
    chain
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn dep(pkg: &str, kind: Option<&str>) -> Value {
        json!({"name": pkg, "pkg": pkg, "dep_kinds": [{"kind": kind, "target": null}]})
    }

    fn metadata(extra_dev: &str, extra_normal: &str) -> Value {
        json!({
            "packages": [
                {"id": "app", "name": "app", "version": "0.1.0"},
                {"id": "lib", "name": "lib", "version": "0.1.0"},
                {"id": "reqwest13", "name": "reqwest", "version": "0.13.5"},
                {"id": "reqwest12", "name": "reqwest", "version": "0.12.9"},
                {"id": "yaml", "name": "yaml_serde", "version": "0.10.1"},
                {"id": "backoff", "name": "backoff", "version": "0.4.0"},
                {"id": "instant", "name": "instant", "version": "0.1.13"},
            ],
            "workspace_members": ["app", "lib"],
            "resolve": {"nodes": [
                {"id": "app", "deps": [dep("lib", None), dep("reqwest13", None), dep(extra_dev, Some("dev"))]},
                {"id": "lib", "deps": [dep("yaml", None), dep(extra_normal, None)]},
                {"id": "reqwest13", "deps": []},
                {"id": "reqwest12", "deps": []},
                {"id": "yaml", "deps": []},
                {"id": "backoff", "deps": [dep("instant", None)]},
                {"id": "instant", "deps": []},
            ]}
        })
    }

    #[test]
    fn a_second_reqwest_major_only_counts_outside_dev_dependencies() {
        let dev_only = check(&metadata("reqwest12", "yaml")).unwrap();
        assert_eq!(dev_only.majors["reqwest"].len(), 1);
        assert!(dev_only.problems().is_empty(), "{:?}", dev_only.problems());

        let normal = check(&metadata("yaml", "reqwest12")).unwrap();
        assert_eq!(
            normal.majors["reqwest"],
            BTreeSet::from(["0.12".to_owned(), "0.13".to_owned()])
        );
        assert_eq!(normal.problems().len(), 1);
    }

    #[test]
    fn banned_crates_are_found_with_their_chain_even_as_dev_dependencies() {
        let report = check(&metadata("backoff", "yaml")).unwrap();
        let names: Vec<&str> = report.banned.iter().map(|(p, _)| p.name.as_str()).collect();
        assert_eq!(names, ["backoff", "instant"]);
        assert_eq!(
            report.banned[1].1,
            ["app 0.1.0", "backoff 0.4.0", "instant 0.1.13"]
        );
        assert_eq!(report.problems().len(), 2);
        assert_eq!(report.normal_packages, 4);
        assert_eq!(report.all_packages, 6);
    }

    #[test]
    fn majors() {
        let p = |v: &str| Package {
            name: "x".into(),
            version: v.into(),
        };
        assert_eq!(p("0.13.5").major(), "0.13");
        assert_eq!(p("1.2.3").major(), "1");
        assert_eq!(p("0.0.1-alpha").major(), "0.0");
    }
}
