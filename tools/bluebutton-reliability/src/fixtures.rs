//! Where the shared synthetic FHIR fixtures are (`<workspace>/../shared/fixtures`), if present.

use std::path::{Path, PathBuf};

/// The fixture folder beside the workspace, or `None` (then tests print that they skipped it).
pub fn dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("..")
        .join("..")
        .join("shared")
        .join("fixtures");
    dir.is_dir().then_some(dir)
}

/// Every `.json` file under the fixture folder (recursively), sorted; empty without it.
pub fn json_files() -> Vec<PathBuf> {
    let Some(root) = dir() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}
