//! [`FileStore`]: every key's token in one JSON file, replaced atomically on each write.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex, PoisonError, Weak};

use futures_util::future::BoxFuture;
use serde_json::value::RawValue;

use super::seal::{Stored, TokenKey, open_record, write_record};
use super::{TokenStore, TokenUpdate, UpdateFn};
use crate::error::{AuthError, SealProblem};
use crate::locks::KeyedLocks;
use crate::token::{AuthorizationToken, redacted_json_message};

/// The file's records by key, each kept as its exact JSON text: a token object, or a sealed
/// string. A write re-encodes only the record it changes.
type TokenMap = BTreeMap<String, Box<RawValue>>;

/// All tokens in one JSON file: `{"<key>": <token in the Python SDK's get_dict() format>, ..}`.
///
/// Each write goes to a new temporary file in the same directory (`.<name>.<random>.tmp`,
/// mode 0600 on Unix), is flushed with `fsync`, then renamed over the real file, and the
/// directory is synced: a crash leaves either the old or the new file, never a partial one,
/// and a leftover temporary file is never read or renamed. The file is created with mode
/// 0600 on Unix.
///
/// Locking covers every `FileStore` on the same file, in this process and in others: within
/// a process, all stores on one file (by canonical path) share one set of per-key locks and
/// one file lock; across processes, every write and every [`TokenStore::update`]
/// (read-refresh-write) holds an exclusive advisory OS lock ([`File::lock`]) on a sibling
/// `<name>.lock` file (created 0600 on Unix and never deleted). So two processes sharing the
/// file refresh a token once. The OS lock is advisory: only programs that take it (this
/// store) are held back. [`super::SqliteStore`] remains the better choice for many processes.
///
/// Without a key the file holds the tokens in clear text, like the official SDKs' saved
/// dicts (keep it in an app-private directory). With [`FileStore::with_key`] each token is
/// sealed (`{"<key>": "bbtk1.…"}`, see [`TokenKey`]): the file alone reveals none, and a
/// record that was altered, moved to another key or left in clear text is refused.
pub struct FileStore {
    path: Arc<PathBuf>,
    shared: Arc<PathLocks>,
    key: Option<Arc<TokenKey>>,
}

/// The in-process locks of one token file, shared by every [`FileStore`] on it.
#[derive(Default)]
struct PathLocks {
    /// Held for each read-modify-write of the whole file.
    file_lock: tokio::sync::Mutex<()>,
    /// Held for each key's save, remove or update.
    keys: KeyedLocks,
}

/// Process-wide: canonical token file path to its locks, kept while any store uses them.
static PATH_LOCKS: LazyLock<Mutex<HashMap<PathBuf, Weak<PathLocks>>>> =
    LazyLock::new(Mutex::default);

/// The locks of `path` (canonical), shared with every other live store on it.
fn path_locks(path: &Path) -> Arc<PathLocks> {
    let mut map = PATH_LOCKS.lock().unwrap_or_else(PoisonError::into_inner);
    map.retain(|_, locks| locks.strong_count() > 0);
    if let Some(locks) = map.get(path).and_then(Weak::upgrade) {
        return locks;
    }
    let locks = Arc::new(PathLocks::default());
    map.insert(path.to_owned(), Arc::downgrade(&locks));
    locks
}

/// `path` made canonical even before the file exists: the canonical directory plus the file
/// name; if the directory does not exist (yet), the absolute path.
fn canonical(path: &Path) -> PathBuf {
    if let Ok(full) = path.canonicalize() {
        return full;
    }
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    match (absolute.parent(), absolute.file_name()) {
        (Some(dir), Some(name)) => dir
            .canonicalize()
            .map(|dir| dir.join(name))
            .unwrap_or(absolute.clone()),
        _ => absolute,
    }
}

/// Holds the exclusive OS lock on the sibling `.lock` file until dropped (closing the file
/// releases it).
struct OsLock(File);

impl Drop for OsLock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

impl FileStore {
    /// A store backed by `path` (created on the first write; its directory must exist).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let shared = path_locks(&canonical(&path));
        Self {
            path: Arc::new(path),
            shared,
            key: None,
        }
    }

    /// Encrypts every token this store writes with `key`, and reads only tokens sealed with
    /// it (clear-text records are refused with [`AuthError::StoreSealed`]).
    pub fn with_key(mut self, key: TokenKey) -> Self {
        self.key = Some(Arc::new(key));
        self
    }

    /// Whether tokens are encrypted at rest ([`FileStore::with_key`]).
    pub fn is_encrypted(&self) -> bool {
        self.key.is_some()
    }

    fn location(&self) -> String {
        self.path.display().to_string()
    }

    /// The token of a record read from the file.
    fn open(&self, key: &str, raw: &RawValue) -> Result<AuthorizationToken, AuthError> {
        let location = self.location();
        let text = raw.get();
        if text.starts_with('"') {
            let sealed: String =
                serde_json::from_str(text).map_err(|e| AuthError::StoreCorrupt {
                    key: key.to_owned(),
                    location: location.clone(),
                    message: redacted_json_message(&e),
                })?;
            if !sealed.starts_with(super::seal::SEALED_PREFIX) {
                return Err(AuthError::StoreSealed {
                    key: key.to_owned(),
                    location,
                    problem: SealProblem::Malformed,
                });
            }
            return open_record(self.key.as_deref(), key, &location, Stored::Sealed(&sealed));
        }
        open_record(self.key.as_deref(), key, &location, Stored::Clear(text))
    }

    /// The record of `token` under `key`, as the file will hold it.
    fn record(&self, key: &str, token: &AuthorizationToken) -> Result<Box<RawValue>, AuthError> {
        let location = self.location();
        let text = write_record(self.key.as_deref(), key, &location, token)?;
        let json = match self.key {
            // Sealed text is URL-safe base64 after an ASCII prefix: quoting needs no escapes.
            Some(_) => format!("\"{text}\""),
            None => text,
        };
        RawValue::from_string(json).map_err(|e| AuthError::StoreCorrupt {
            key: key.to_owned(),
            location,
            message: redacted_json_message(&e),
        })
    }

    /// The token under `key` in `map`, decoded.
    fn take(&self, map: &mut TokenMap, key: &str) -> Result<Option<AuthorizationToken>, AuthError> {
        map.remove(key).map(|raw| self.open(key, &raw)).transpose()
    }

    /// The file path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The sibling lock file: `tokens.json` -> `tokens.json.lock`.
    fn lock_path(&self) -> PathBuf {
        let mut name = self
            .path
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_else(|| "tokens".into());
        name.push(".lock");
        self.path.with_file_name(name)
    }

    /// Waits (on a blocking thread) for the exclusive OS lock on the sibling lock file.
    async fn os_lock(&self) -> Result<OsLock, AuthError> {
        let path = self.lock_path();
        tokio::task::spawn_blocking(move || {
            let io = |source| AuthError::StoreIo {
                path: path.clone(),
                source,
            };
            let mut options = std::fs::OpenOptions::new();
            options.read(true).write(true).create(true).truncate(false);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let file = options.open(&path).map_err(io)?;
            file.lock().map_err(io)?;
            Ok(OsLock(file))
        })
        .await
        .map_err(|source| AuthError::StoreTask { source })?
    }

    async fn read_all(&self) -> Result<TokenMap, AuthError> {
        let path = Arc::clone(&self.path);
        tokio::task::spawn_blocking(move || read_map(&path))
            .await
            .map_err(|source| AuthError::StoreTask { source })?
    }

    /// Read-modify-write of the whole file under the file lock.
    async fn modify(
        &self,
        change: impl FnOnce(&mut TokenMap) + Send + 'static,
    ) -> Result<(), AuthError> {
        let _file = self.shared.file_lock.lock().await;
        let path = Arc::clone(&self.path);
        tokio::task::spawn_blocking(move || {
            let mut map = read_map(&path)?;
            change(&mut map);
            write_map(&path, &map)
        })
        .await
        .map_err(|source| AuthError::StoreTask { source })?
    }
}

impl fmt::Debug for FileStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileStore")
            .field("path", &self.path)
            .field("encrypted", &self.key.is_some())
            .finish()
    }
}

fn read_map(path: &Path) -> Result<TokenMap, AuthError> {
    let io = |source| AuthError::StoreIo {
        path: path.to_owned(),
        source,
    };
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(TokenMap::new()),
        Err(source) => return Err(io(source)),
    };
    tighten(path, &file).map_err(io)?;
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut file, &mut bytes).map_err(io)?;
    serde_json::from_slice(&bytes).map_err(|e| AuthError::StoreCorrupt {
        key: "*".to_owned(),
        location: path.display().to_string(),
        message: redacted_json_message(&e),
    })
}

/// A token file the group or others can read or write is tightened to 0600, with a warning
/// (its tokens may have been read meanwhile; sealed ones reveal nothing without the key).
#[cfg(unix)]
fn tighten(path: &Path, file: &File) -> std::io::Result<()> {
    use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
    let mode = file.metadata()?.mode() & 0o777;
    if mode & 0o077 != 0 {
        tracing::warn!(
            path = %path.display(),
            mode = format_args!("{mode:04o}"),
            "the token file was accessible to other users; its mode is now 0600"
        );
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn tighten(_path: &Path, _file: &File) -> std::io::Result<()> {
    Ok(())
}

fn write_map(path: &Path, map: &TokenMap) -> Result<(), AuthError> {
    let io = |source| AuthError::StoreIo {
        path: path.to_owned(),
        source,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "tokens".to_owned());
    let json = serde_json::to_vec_pretty(map).map_err(|e| AuthError::StoreCorrupt {
        key: "*".to_owned(),
        location: path.display().to_string(),
        message: redacted_json_message(&e),
    })?;
    // tempfile creates the file with O_EXCL and mode 0600 on Unix.
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(io)?;
    tmp.write_all(&json).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    sync_dir(&dir).map_err(io)?;
    Ok(())
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}

impl TokenStore for FileStore {
    fn load<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<AuthorizationToken>, AuthError>> {
        Box::pin(async move { self.take(&mut self.read_all().await?, key) })
    }

    fn save<'a>(
        &'a self,
        key: &'a str,
        token: &'a AuthorizationToken,
    ) -> BoxFuture<'a, Result<(), AuthError>> {
        Box::pin(async move {
            let _guard = self.shared.keys.lock(key).await;
            let _os = self.os_lock().await?;
            let (record, key) = (self.record(key, token)?, key.to_owned());
            self.modify(move |map| {
                map.insert(key, record);
            })
            .await
        })
    }

    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), AuthError>> {
        Box::pin(async move {
            let _guard = self.shared.keys.lock(key).await;
            let _os = self.os_lock().await?;
            let key = key.to_owned();
            self.modify(move |map| {
                map.remove(&key);
            })
            .await
        })
    }

    fn update<'a>(
        &'a self,
        key: &'a str,
        update: UpdateFn<'a>,
    ) -> BoxFuture<'a, Result<(), AuthError>> {
        Box::pin(async move {
            let _guard = self.shared.keys.lock(key).await;
            let _os = self.os_lock().await?;
            let current = self.take(&mut self.read_all().await?, key)?;
            let owned = key.to_owned();
            match update(current).await {
                TokenUpdate::Keep => Ok(()),
                TokenUpdate::Replace(token) => {
                    let record = self.record(key, &token)?;
                    self.modify(move |map| {
                        map.insert(owned, record);
                    })
                    .await
                }
                TokenUpdate::Remove => {
                    self.modify(move |map| {
                        map.remove(&owned);
                    })
                    .await
                }
            }
        })
    }
}
