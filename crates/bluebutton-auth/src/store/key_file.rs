//! The token key file: created atomically (a 0600 temp file in the same folder, fsynced, then
//! linked into place without replacing an existing key), so no reader ever sees a partial key
//! and two processes creating it at once end up with one key; refused when others can read it
//! or another user owns it; recovered when an interrupted creation left it empty or partial.

use std::fs::File;
use std::io::{ErrorKind, Read as _, Write as _};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::seal::{SEALED_PREFIX, TokenKey};
use crate::error::{AuthError, KeyFileProblem};

/// The length of a key's text (URL-safe base64 of 32 bytes, unpadded).
const KEY_TEXT_LEN: usize = 43;

/// How many times a vanished or replaced key file is read again before giving up.
const ATTEMPTS: usize = 4;

/// The key in `path`, created when missing. `store`, when given, is the token file the key
/// protects: an empty or partial key file (an interrupted creation) is replaced only when that
/// file holds no sealed token (they would have been sealed with another key).
pub(crate) fn load_or_create(path: &Path, store: Option<&Path>) -> Result<TokenKey, AuthError> {
    let io = |source| AuthError::StoreIo {
        path: path.to_owned(),
        source,
    };
    for _ in 0..ATTEMPTS {
        match read(path)? {
            Ok(Contents::Key(key)) => return Ok(key),
            Ok(Contents::Interrupted(len)) => {
                if let Some(store) = store.filter(|store| holds_sealed_tokens(store)) {
                    return Err(AuthError::KeyFile {
                        path: path.to_owned(),
                        problem: KeyFileProblem::IncompleteWithTokens {
                            len,
                            store: store.to_owned(),
                        },
                    });
                }
                tracing::warn!(
                    path = %path.display(),
                    len,
                    "the token key file is empty or partial (an interrupted creation); replacing it"
                );
                replace_interrupted(path)?;
            }
            Err(Missing) => {
                let key = TokenKey::generate()?;
                match create(path, &key) {
                    Ok(()) => return Ok(key),
                    // Another process created it first: use theirs.
                    Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
                    Err(e) => return Err(io(e)),
                }
            }
        }
    }
    Err(io(std::io::Error::other(
        "the key file kept changing while it was read",
    )))
}

/// The key file does not exist.
struct Missing;

/// What a key file holds.
enum Contents {
    Key(TokenKey),
    /// Nothing, or a prefix of a key's text: `len` bytes.
    Interrupted(usize),
}

/// Reads the key file, refusing an unsafe one; `Err(Missing)` when there is none.
fn read(path: &Path) -> Result<Result<Contents, Missing>, AuthError> {
    let io = |source| AuthError::StoreIo {
        path: path.to_owned(),
        source,
    };
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Err(Missing)),
        Err(e) => return Err(io(e)),
    };
    check_private(path, &file)?;
    let mut text = Zeroizing::new(String::new());
    // A key is 43 characters; anything much longer is not a key file.
    (&mut file)
        .take(4096)
        .read_to_string(&mut text)
        .map_err(io)?;
    let trimmed = text.trim();
    if trimmed.len() < KEY_TEXT_LEN
        && trimmed
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Ok(Ok(Contents::Interrupted(text.len())));
    }
    TokenKey::from_base64(trimmed).map(|key| Ok(Contents::Key(key)))
}

/// Refuses a key file that others can read or another user owns (Unix).
#[cfg(unix)]
fn check_private(path: &Path, file: &File) -> Result<(), AuthError> {
    use std::os::unix::fs::MetadataExt as _;
    let metadata = file.metadata().map_err(|source| AuthError::StoreIo {
        path: path.to_owned(),
        source,
    })?;
    let refuse = |problem| AuthError::KeyFile {
        path: path.to_owned(),
        problem,
    };
    let me = rustix::process::geteuid().as_raw();
    if metadata.uid() != me {
        return Err(refuse(KeyFileProblem::ForeignOwner {
            owner: metadata.uid(),
            user: me,
        }));
    }
    let mode = metadata.mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(refuse(KeyFileProblem::ReadableByOthers { mode }));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path, _file: &File) -> Result<(), AuthError> {
    Ok(())
}

/// Writes `key` to a new 0600 temp file beside `path`, syncs it, and links it into place
/// unless `path` exists (`AlreadyExists` then).
fn create(path: &Path, key: &TokenKey) -> std::io::Result<()> {
    let (dir, name) = dir_and_name(path);
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(&dir)?;
    tmp.write_all(key.to_base64().as_bytes())?;
    tmp.as_file().sync_all()?;
    // A hard link (or renameat2 with RENAME_NOREPLACE): never replaces an existing key.
    tmp.persist_noclobber(path).map_err(|e| e.error)?;
    sync_dir(&dir)
}

/// Replaces an empty or partial key file with a new key, under a lock shared with every
/// process doing the same, and only if it is still empty or partial once locked.
fn replace_interrupted(path: &Path) -> Result<(), AuthError> {
    let io = |source| AuthError::StoreIo {
        path: path.to_owned(),
        source,
    };
    let mut lock_name = path.as_os_str().to_owned();
    lock_name.push(".lock");
    let lock_path = PathBuf::from(lock_name);
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let lock = options
        .open(&lock_path)
        .map_err(|source| AuthError::StoreIo {
            path: lock_path.clone(),
            source,
        })?;
    lock.lock().map_err(io)?;
    let still = matches!(read(path)?, Ok(Contents::Interrupted(_)));
    let replaced = if still {
        let key = TokenKey::generate()?;
        let (dir, name) = dir_and_name(path);
        let write = || -> std::io::Result<()> {
            let mut tmp = tempfile::Builder::new()
                .prefix(&format!(".{name}."))
                .suffix(".tmp")
                .tempfile_in(&dir)?;
            tmp.write_all(key.to_base64().as_bytes())?;
            tmp.as_file().sync_all()?;
            tmp.persist(path).map_err(|e| e.error)?;
            sync_dir(&dir)
        };
        write().map_err(io)
    } else {
        Ok(())
    };
    let _ = lock.unlock();
    replaced
}

/// Whether the token file at `store` holds at least one sealed token.
fn holds_sealed_tokens(store: &Path) -> bool {
    let Ok(file) = File::open(store) else {
        return false;
    };
    let mut text = String::new();
    if file
        .take(16 * 1024 * 1024)
        .read_to_string(&mut text)
        .is_err()
    {
        // Unreadable: assume it holds tokens rather than orphan them.
        return true;
    }
    text.contains(SEALED_PREFIX)
}

fn dir_and_name(path: &Path) -> (PathBuf, String) {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "tokens.key".to_owned());
    (dir, name)
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn set_mode(path: &Path, mode: u32) {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn creates_once_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.key");
        let first = load_or_create(&path, None).unwrap();
        let again = load_or_create(&path, None).unwrap();
        assert_eq!(first.to_base64(), again.to_base64());
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["tokens.key"]);
    }

    #[test]
    fn an_interrupted_creation_is_replaced_unless_tokens_depend_on_the_lost_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.key");
        let store = dir.path().join("tokens.json");
        for partial in ["", "abcdefghij", "\n"] {
            std::fs::write(&path, partial).unwrap();
            #[cfg(unix)]
            set_mode(&path, 0o600);
            let key = load_or_create(&path, Some(&store)).unwrap();
            assert_eq!(
                std::fs::read_to_string(&path).unwrap(),
                key.to_base64().as_str()
            );
        }
        std::fs::write(&store, r#"{"p": "bbtk1.AAAA"}"#).unwrap();
        std::fs::write(&path, "").unwrap();
        #[cfg(unix)]
        set_mode(&path, 0o600);
        let error = load_or_create(&path, Some(&store)).unwrap_err();
        assert!(
            matches!(
                error,
                AuthError::KeyFile {
                    problem: KeyFileProblem::IncompleteWithTokens { len: 0, .. },
                    ..
                }
            ),
            "{error:?}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"", "left as it was");
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_can_read_is_refused_with_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.key");
        load_or_create(&path, None).unwrap();
        for mode in [0o640, 0o604, 0o644] {
            set_mode(&path, mode);
            let error = load_or_create(&path, None).unwrap_err();
            assert!(
                matches!(
                    error,
                    AuthError::KeyFile {
                        problem: KeyFileProblem::ReadableByOthers { .. },
                        ..
                    }
                ),
                "{error:?}"
            );
            assert!(error.to_string().contains("chmod 600"), "{error}");
        }
        set_mode(&path, 0o400);
        assert!(load_or_create(&path, None).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_another_user_owns_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut path = dir.path().join("tokens.key");
        load_or_create(&path, None).unwrap();
        if rustix::process::geteuid().is_root() {
            // Root can give the file away.
            std::os::unix::fs::chown(&path, Some(65534), None).unwrap();
        } else {
            // Anyone else: a file root owns stands for another user's key file.
            path = PathBuf::from("/etc/passwd");
        }
        let error = load_or_create(&path, None).unwrap_err();
        assert!(
            matches!(
                error,
                AuthError::KeyFile {
                    problem: KeyFileProblem::ForeignOwner { .. },
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(error.to_string().contains("not by you"), "{error}");
    }
}
