//! Recovery of a [`super::FileStore`]'s temp files at start: a write that failed after its temp
//! file was written (a full disk at `fsync`, a crash before the rename) leaves
//! `.<name>.<random>.tmp` beside the token file. A token in one that is newer than the token
//! file's (a rotation whose write failed: the old refresh token is already dead) is taken
//! back; every temp file is then removed. Runs under the store's OS lock, so no live writer's
//! temp file is touched.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::value::RawValue;

use crate::token::AuthorizationToken;

/// A token file's records by key, each its exact JSON text.
pub(crate) type Records = BTreeMap<String, Box<RawValue>>;

/// The `(prefix, suffix)` of the temp files of the token file `path`.
pub(crate) fn temp_affixes(path: &Path) -> (String, &'static str) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "tokens".to_owned());
    (format!(".{name}."), ".tmp")
}

/// The temp files of the token file `path` now present in its folder.
pub(crate) fn temp_files(path: &Path) -> Vec<PathBuf> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let (prefix, suffix) = temp_affixes(path);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|entry| {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            name.starts_with(&prefix) && name.ends_with(suffix) && name.len() > prefix.len()
        })
        .map(|entry| entry.path())
        .collect()
}

/// A token taken back from a temp file.
#[derive(Debug)]
pub(crate) struct Taken {
    /// The store key.
    pub(crate) key: String,
    /// The temp file it came from.
    pub(crate) from: PathBuf,
}

/// Puts into `records` every token of the `temps` files that is newer than the one `records`
/// holds for its key (a later expiry; for the same expiry, which is stored to the second, a
/// different token in a temp file written after the token file), or whose key `records`
/// lacks. `written` is the token file's modification time. `open` reads a record (`None` when
/// it cannot: another key, altered, truncated). Unreadable temp files count for nothing.
pub(crate) fn take_newer(
    records: &mut Records,
    temps: &[PathBuf],
    written: Option<SystemTime>,
    open: impl Fn(&str, &RawValue) -> Option<AuthorizationToken>,
) -> Vec<Taken> {
    let mut taken = Vec::new();
    for temp in temps {
        let temp_written = std::fs::metadata(temp).and_then(|m| m.modified()).ok();
        let later_file = match (temp_written, written) {
            (Some(temp), Some(file)) => temp > file,
            (_, None) => true,
            (None, Some(_)) => false,
        };
        let Ok(bytes) = std::fs::read(temp) else {
            continue;
        };
        let Ok(found) = serde_json::from_slice::<Records>(&bytes) else {
            continue;
        };
        for (key, raw) in found {
            let Some(candidate) = open(&key, &raw) else {
                continue;
            };
            let current = records.get(&key).and_then(|raw| open(&key, raw));
            let newer = current.is_none_or(|current| {
                candidate.expires_at() > current.expires_at()
                    || (candidate.expires_at() == current.expires_at()
                        && later_file
                        && candidate.access_token().secret() != current.access_token().secret())
            });
            if newer {
                records.insert(key.clone(), raw);
                taken.push(Taken {
                    key,
                    from: temp.clone(),
                });
            }
        }
    }
    taken
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(access: &str, expires_in_s: i64) -> Box<RawValue> {
        let expires = time::OffsetDateTime::now_utc() + time::Duration::seconds(expires_in_s);
        let json = serde_json::json!({
            "access_token": access,
            "refresh_token": format!("r-{access}"),
            "expires_in": expires_in_s,
            "expires_at": expires.format(&time::format_description::well_known::Rfc3339).unwrap(),
            "token_type": "Bearer",
            "scope": ["patient/Patient.read"],
            "patient": "p",
        });
        RawValue::from_string(json.to_string()).unwrap()
    }

    fn open(_key: &str, raw: &RawValue) -> Option<AuthorizationToken> {
        serde_json::from_str(raw.get()).ok()
    }

    #[test]
    fn only_newer_tokens_are_taken_and_junk_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        let write = |name: &str, text: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap();
            p
        };
        let mut records = BTreeMap::new();
        records.insert("a".to_owned(), token("old-a", 60));
        records.insert("b".to_owned(), token("new-b", 3600));
        let newer = serde_json::json!({"a": serde_json::from_str::<serde_json::Value>(token("new-a", 3600).get()).unwrap(),
            "b": serde_json::from_str::<serde_json::Value>(token("old-b", 60).get()).unwrap()});
        let temps = [
            write(".tokens.json.x1.tmp", &newer.to_string()),
            write(".tokens.json.x2.tmp", "{\"a\": {\"access_tok"),
            write(".tokens.json.x3.tmp", "not json"),
        ];
        write("other.tmp", "{}");
        write(".tokens.key.x4.tmp", "{}");
        let mut found = temp_files(&path);
        found.sort();
        assert_eq!(found, temps);
        let taken = take_newer(&mut records, &temps, None, open);
        assert_eq!(taken.len(), 1);
        assert_eq!(taken[0].key, "a");
        assert_eq!(taken[0].from, temps[0]);
        let a: AuthorizationToken = serde_json::from_str(records["a"].get()).unwrap();
        assert_eq!(a.access_token().secret(), "new-a");
        let b: AuthorizationToken = serde_json::from_str(records["b"].get()).unwrap();
        assert_eq!(
            b.access_token().secret(),
            "new-b",
            "an older token is not taken"
        );
    }
}
