//! [`FileStore`]: every key's token in one JSON file, replaced atomically on each write.

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex, PoisonError, Weak};

use futures_util::future::BoxFuture;
use serde_json::value::RawValue;

use super::faults::WriteFaults;
use super::file_recovery::{self, Records};
use super::seal::{Stored, TokenKey, open_record, write_record};
use super::{TokenStore, TokenUpdate, UpdateFn};
use crate::error::{AuthError, SealProblem};
use crate::locks::KeyedLocks;
use crate::token::{AuthorizationToken, redacted_json_message};

/// The file's records by key, each kept as its exact JSON text: a token object, or a sealed
/// string. A write re-encodes only the record it changes.
type TokenMap = Records;

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
/// **A write that fails after a rotation** (a full disk at `fsync`): the refresh token the file
/// still holds is already dead at the server, so the new token must not be lost. The write is
/// retried once; if it fails again the new token is kept in memory for the rest of the process
/// (every store on the file in this process returns it), its temp file is kept beside the
/// token file, a warning says where it is, and the next write retries it. At the next start
/// (the first operation on the file in a process), a temp file holding a newer token than
/// the file is recovered into it, and stale temp files are removed.
///
/// Without a key the file holds the tokens in clear text, like the official SDKs' saved
/// dicts (keep it in an app-private directory). With [`FileStore::with_key`] each token is
/// sealed (`{"<key>": "bbtk1.…"}`, see [`TokenKey`]): the file alone reveals none, and a
/// record that was altered, moved to another key or left in clear text is refused.
///
/// ```
/// use bluebutton_auth::{AuthorizationToken, FileStore, TokenKey, TokenStore};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// // The key is kept apart from the token file (here a key file beside it, mode 0600).
/// let key = TokenKey::load_or_create(dir.path().join("tokens.key"))?;
/// let store = FileStore::new(dir.path().join("tokens.json")).with_key(key);
/// let token: AuthorizationToken = serde_json::from_str(r#"{"access_token": "AT", "expires_in": 3600,
///     "expires_at": "2030-01-01T00:00:00+00:00", "patient": "-20140000008325", "refresh_token": "RT",
///     "scope": "patient/Patient.rs openid", "token_type": "Bearer"}"#)?;
/// store.save("-20140000008325", &token).await?;
///
/// // The file holds the token sealed, never in clear text.
/// let text = std::fs::read_to_string(store.path())?;
/// assert!(text.contains("bbtk1.") && !text.contains("\"RT\""));
/// let loaded = store.load("-20140000008325").await?.expect("saved above");
/// assert_eq!(loaded.refresh_token().map(|t| t.secret().as_str()), Some("RT"));
/// # Ok(()) }
/// ```
pub struct FileStore {
    path: Arc<PathBuf>,
    shared: Arc<PathLocks>,
    key: Option<Arc<TokenKey>>,
    faults: Option<WriteFaults>,
}

/// The in-process locks of one token file, shared by every [`FileStore`] on it.
#[derive(Default)]
struct PathLocks {
    /// Held for each read-modify-write of the whole file.
    file_lock: tokio::sync::Mutex<()>,
    /// Held for each key's save, remove or update.
    keys: KeyedLocks,
    /// Records whose write failed after a rotation, newest first in line for the next write.
    pending: Mutex<TokenMap>,
    /// Temp files kept by failed writes of this process (removed once a write succeeds).
    kept: Mutex<Vec<PathBuf>>,
    /// Set once this process recovered the file's leftover temp files.
    recovered: tokio::sync::OnceCell<()>,
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
            faults: None,
        }
    }

    /// Injects failures into this store's writes (tests only; see [`WriteFaults`]).
    pub fn with_write_faults(mut self, faults: WriteFaults) -> Self {
        self.faults = Some(faults);
        self
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
        open_raw(self.key.as_deref(), key, &self.location(), raw)
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
        let mut map = tokio::task::spawn_blocking(move || read_map(&path))
            .await
            .map_err(|source| AuthError::StoreTask { source })??;
        // Tokens whose write failed are the newest this process has.
        for (key, record) in lock(&self.shared.pending).iter() {
            map.insert(key.clone(), record.clone());
        }
        Ok(map)
    }

    /// Once per process and file: recovers newer tokens from leftover temp files and removes
    /// them, under the OS lock (so no live writer's temp file is touched).
    async fn recover(&self) -> Result<(), AuthError> {
        self.shared
            .recovered
            .get_or_try_init(|| async {
                // No folder yet (it is needed by the first write): no temp file either.
                let dir = self.path.parent().filter(|d| !d.as_os_str().is_empty());
                if dir.is_some_and(|dir| !dir.is_dir()) {
                    return Ok(());
                }
                let _os = self.os_lock().await?;
                let _file = self.shared.file_lock.lock().await;
                let path = Arc::clone(&self.path);
                let key = self.key.clone();
                let faults = self.faults.clone();
                tokio::task::spawn_blocking(move || recover_temps(&path, key.as_deref(), faults))
                    .await
                    .map_err(|source| AuthError::StoreTask { source })?
            })
            .await
            .map(|_| ())
    }

    /// Read-modify-write of the whole file under the file lock, records pending from failed
    /// writes included. On success nothing is pending any more.
    async fn modify(
        &self,
        change: impl FnOnce(&mut TokenMap) + Send + 'static,
    ) -> Result<(), WriteFailure> {
        let _file = self.shared.file_lock.lock().await;
        let path = Arc::clone(&self.path);
        let pending = lock(&self.shared.pending).clone();
        let faults = self.faults.clone();
        let written = tokio::task::spawn_blocking(move || {
            let mut map = read_map(&path).map_err(WriteFailure::from)?;
            map.extend(pending);
            change(&mut map);
            write_map(&path, &map, faults.as_ref())
        })
        .await
        .map_err(|source| WriteFailure::from(AuthError::StoreTask { source }))?;
        match &written {
            Ok(()) => {
                lock(&self.shared.pending).clear();
                for stale in lock(&self.shared.kept).drain(..) {
                    let _ = std::fs::remove_file(stale);
                }
            }
            Err(failure) => lock(&self.shared.kept).extend(failure.kept.clone()),
        }
        written
    }

    /// Writes a rotated token. A failure is retried once; if that fails too, the token is kept
    /// in memory (and its temp file on disk) so it is not lost, and a warning says where.
    async fn write_rotated(&self, key: String, record: Box<RawValue>) -> Result<(), AuthError> {
        let attempt = |key: String, record: Box<RawValue>| {
            self.modify(move |map| {
                map.insert(key, record);
            })
        };
        let first = match attempt(key.clone(), record.clone()).await {
            Ok(()) => return Ok(()),
            Err(failure) => failure,
        };
        tracing::debug!(error = %first.error, "writing the new token failed; retrying once");
        let failure = match attempt(key.clone(), record.clone()).await {
            Ok(()) => return Ok(()),
            Err(failure) => failure,
        };
        let temp = failure
            .kept
            .as_ref()
            .map_or_else(|| "no temp file".to_owned(), |p| p.display().to_string());
        tracing::warn!(
            key = %key,
            path = %self.path.display(),
            error = %failure.error,
            temp_file = %temp,
            "the new token could not be written to the token file; it is kept in memory for the rest of this process and in the temp file, the next write retries it, and the next start recovers it"
        );
        lock(&self.shared.pending).insert(key, record);
        Ok(())
    }
}

/// A failed write of the token file, and the temp file kept with the whole new content, if any.
struct WriteFailure {
    error: Box<AuthError>,
    kept: Option<PathBuf>,
}

impl From<AuthError> for WriteFailure {
    fn from(error: AuthError) -> Self {
        WriteFailure {
            error: Box::new(error),
            kept: None,
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Takes newer tokens from the temp files of `path` into it, then removes the temp files.
fn recover_temps(
    path: &Path,
    key: Option<&TokenKey>,
    faults: Option<WriteFaults>,
) -> Result<(), AuthError> {
    let temps = file_recovery::temp_files(path);
    if temps.is_empty() {
        return Ok(());
    }
    let mut map = read_map(path)?;
    let location = path.display().to_string();
    let open = |record_key: &str, raw: &RawValue| open_raw(key, record_key, &location, raw).ok();
    let written = std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let taken = file_recovery::take_newer(&mut map, &temps, written, open);
    tracing::debug!(
        temp_files = temps.len(),
        recovered = taken.len(),
        "looked for tokens left in temp files by failed writes"
    );
    if !taken.is_empty() {
        write_map(path, &map, faults.as_ref()).map_err(|failure| {
            // Nothing is lost: the temp files stay for the next start.
            *failure.error
        })?;
        for taken in &taken {
            tracing::warn!(
                key = %taken.key,
                path = %path.display(),
                temp_file = %taken.from.display(),
                "recovered a newer token from a temp file left by a failed write"
            );
        }
    }
    for temp in temps {
        let _ = std::fs::remove_file(temp);
    }
    Ok(())
}

/// The token of a record, decrypted with `key` when the store has one.
fn open_raw(
    key: Option<&TokenKey>,
    record_key: &str,
    location: &str,
    raw: &RawValue,
) -> Result<AuthorizationToken, AuthError> {
    let text = raw.get();
    if text.starts_with('"') {
        let sealed: String = serde_json::from_str(text).map_err(|e| AuthError::StoreCorrupt {
            key: record_key.to_owned(),
            location: location.to_owned(),
            message: redacted_json_message(&e),
        })?;
        if !sealed.starts_with(super::seal::SEALED_PREFIX) {
            return Err(AuthError::StoreSealed {
                key: record_key.to_owned(),
                location: location.to_owned(),
                problem: SealProblem::Malformed,
            });
        }
        return open_record(key, record_key, location, Stored::Sealed(&sealed));
    }
    open_record(key, record_key, location, Stored::Clear(text))
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

/// Writes `map` to a new temp file, syncs it and renames it over `path`. When the write fails
/// after the temp file holds the whole new content, the temp file is kept (and named in the
/// failure) so nothing it holds is lost; a partly written one is removed.
fn write_map(
    path: &Path,
    map: &TokenMap,
    faults: Option<&WriteFaults>,
) -> Result<(), WriteFailure> {
    let io = |source| AuthError::StoreIo {
        path: path.to_owned(),
        source,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let (prefix, suffix) = file_recovery::temp_affixes(path);
    let json = serde_json::to_vec_pretty(map).map_err(|e| AuthError::StoreCorrupt {
        key: "*".to_owned(),
        location: path.display().to_string(),
        message: redacted_json_message(&e),
    })?;
    // tempfile creates the file with O_EXCL and mode 0600 on Unix.
    let mut tmp = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(suffix)
        .tempfile_in(&dir)
        .map_err(io)?;
    tmp.write_all(&json).map_err(io)?;
    let synced = match faults.and_then(WriteFaults::sync_fault) {
        Some(fault) => Err(fault),
        None => tmp.as_file().sync_all(),
    };
    let keep = |tmp: tempfile::NamedTempFile, error: std::io::Error| {
        let kept = tmp.keep().ok().map(|(_, kept)| kept);
        WriteFailure {
            error: Box::new(io(error)),
            kept,
        }
    };
    if let Err(error) = synced {
        return Err(keep(tmp, error));
    }
    if let Err(e) = tmp.persist(path) {
        return Err(keep(e.file, e.error));
    }
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
        Box::pin(async move {
            self.recover().await?;
            self.take(&mut self.read_all().await?, key)
        })
    }

    fn save<'a>(
        &'a self,
        key: &'a str,
        token: &'a AuthorizationToken,
    ) -> BoxFuture<'a, Result<(), AuthError>> {
        Box::pin(async move {
            self.recover().await?;
            let _guard = self.shared.keys.lock(key).await;
            let _os = self.os_lock().await?;
            let (record, key) = (self.record(key, token)?, key.to_owned());
            self.modify(move |map| {
                map.insert(key, record);
            })
            .await
            .map_err(|failure| *failure.error)
        })
    }

    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), AuthError>> {
        Box::pin(async move {
            self.recover().await?;
            let _guard = self.shared.keys.lock(key).await;
            let _os = self.os_lock().await?;
            lock(&self.shared.pending).remove(key);
            let key = key.to_owned();
            self.modify(move |map| {
                map.remove(&key);
            })
            .await
            .map_err(|failure| *failure.error)
        })
    }

    fn keys(&self) -> BoxFuture<'_, Result<Vec<String>, AuthError>> {
        // A BTreeMap: already sorted.
        Box::pin(async move { Ok(self.read_all().await?.into_keys().collect()) })
    }

    fn update<'a>(
        &'a self,
        key: &'a str,
        update: UpdateFn<'a>,
    ) -> BoxFuture<'a, Result<(), AuthError>> {
        Box::pin(async move {
            self.recover().await?;
            let _guard = self.shared.keys.lock(key).await;
            let _os = self.os_lock().await?;
            let current = self.take(&mut self.read_all().await?, key)?;
            let owned = key.to_owned();
            match update(current).await {
                TokenUpdate::Keep => Ok(()),
                // A rotated token: its predecessor is dead, so it must survive a failed write.
                TokenUpdate::Replace(token) => {
                    let record = self.record(key, &token)?;
                    self.write_rotated(owned, record).await
                }
                TokenUpdate::Remove => {
                    lock(&self.shared.pending).remove(key);
                    self.modify(move |map| {
                        map.remove(&owned);
                    })
                    .await
                    .map_err(|failure| *failure.error)
                }
            }
        })
    }
}
