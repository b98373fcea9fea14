//! [`SqliteStore`]: tokens in an embedded SQLite database that several processes can share.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use rusqlite::{Connection, OptionalExtension, params};

use super::seal::{Stored, TokenKey, open_record, write_record};
use super::{TokenStore, TokenUpdate, UpdateFn};
use crate::error::AuthError;
use crate::locks::KeyedLocks;
use crate::token::AuthorizationToken;

/// How long to wait for another process's write lock by default: longer than a token
/// request's default timeout (60 s), so a waiting process outlasts a slow refresh.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(90);

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS bluebutton_tokens (
    key TEXT PRIMARY KEY NOT NULL,
    token TEXT NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
)";

/// Tokens in a SQLite file (table `bluebutton_tokens`, one row per key, the token as JSON in
/// the Python SDK's `get_dict()` format).
///
/// [`TokenStore::update`] runs inside `BEGIN IMMEDIATE ... COMMIT`: the database write lock
/// is held from reading the token, through the refresh request, to writing the rotated one.
/// Another process's `update` waits (up to the busy timeout) and then reads the new token,
/// so two processes never send one refresh token. The lock covers the whole database, so
/// refreshes of different keys by different processes also take turns; readers are not
/// blocked (WAL mode). Dropping the future mid-update rolls back.
///
/// Each operation opens its own connection (SQLite connections are cheap) on a blocking
/// thread. The database file is created with mode 0600 on Unix. Without a key it holds the
/// tokens in clear text; with [`SqliteStore::with_key`] the `token` column holds each token
/// sealed (`bbtk1.…`, see [`TokenKey`]), and clear-text or altered rows are refused.
///
/// ```
/// use std::sync::Arc;
/// use bluebutton_auth::{AuthorizationToken, SqliteStore, TokenKey, TokenStore};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// let key = TokenKey::generate()?; // keep it apart from the database, e.g. in a secret store
/// let path = dir.path().join("tokens.sqlite3");
/// let store: Arc<dyn TokenStore> = Arc::new(SqliteStore::open(&path).await?.with_key(key.clone()));
/// let token: AuthorizationToken = serde_json::from_str(r#"{"access_token": "AT", "expires_in": 3600,
///     "expires_at": "2030-01-01T00:00:00+00:00", "patient": "-20140000008325", "refresh_token": "RT",
///     "scope": "patient/Patient.rs openid", "token_type": "Bearer"}"#)?;
/// store.save("-20140000008325", &token).await?;
///
/// // Another process (here: another store on the same file) reads it with the same key.
/// let other = SqliteStore::open(&path).await?.with_key(key);
/// let loaded = other.load("-20140000008325").await?.expect("saved by the first store");
/// assert_eq!(loaded.access_token().secret(), "AT");
/// # Ok(()) }
/// ```
pub struct SqliteStore {
    path: Arc<PathBuf>,
    busy_timeout: Duration,
    locks: KeyedLocks,
    key: Option<Arc<TokenKey>>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and its table.
    pub async fn open(path: impl Into<PathBuf>) -> Result<Self, AuthError> {
        let store = Self {
            path: Arc::new(path.into()),
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
            locks: KeyedLocks::default(),
            key: None,
        };
        store
            .blocking(|conn| {
                conn.pragma_update(None, "journal_mode", "WAL")?;
                conn.execute_batch(SCHEMA)
            })
            .await?;
        restrict_permissions(&store.path)?;
        Ok(store)
    }

    /// Sets how long to wait for another process's lock (default [`DEFAULT_BUSY_TIMEOUT`]).
    pub fn with_busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// Encrypts every token this store writes with `key`, and reads only tokens sealed with
    /// it (clear-text rows are refused with [`AuthError::StoreSealed`]).
    pub fn with_key(mut self, key: TokenKey) -> Self {
        self.key = Some(Arc::new(key));
        self
    }

    /// Whether tokens are encrypted at rest ([`SqliteStore::with_key`]).
    pub fn is_encrypted(&self) -> bool {
        self.key.is_some()
    }

    /// The database path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn sqlite_err(&self, source: rusqlite::Error) -> AuthError {
        AuthError::Sqlite {
            path: self.path.as_ref().clone(),
            source: Box::new(source),
        }
    }

    /// Runs `f` on a fresh connection on a blocking thread.
    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, AuthError> {
        let (path, timeout) = (Arc::clone(&self.path), self.busy_timeout);
        tokio::task::spawn_blocking(move || {
            let conn = connect(&path, timeout)?;
            f(&conn)
        })
        .await
        .map_err(|source| AuthError::StoreTask { source })?
        .map_err(|e| self.sqlite_err(e))
    }

    fn decode(
        &self,
        key: &str,
        text: Option<String>,
    ) -> Result<Option<AuthorizationToken>, AuthError> {
        let location = self.path.display().to_string();
        text.map(|text| {
            open_record(
                self.key.as_deref(),
                key,
                &location,
                Stored::from_text(&text),
            )
        })
        .transpose()
    }

    fn encode(&self, key: &str, token: &AuthorizationToken) -> Result<String, AuthError> {
        write_record(
            self.key.as_deref(),
            key,
            &self.path.display().to_string(),
            token,
        )
    }
}

fn connect(path: &Path, busy_timeout: Duration) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(busy_timeout)?;
    Ok(conn)
}

fn select(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT token FROM bluebutton_tokens WHERE key = ?1",
        params![key],
        |row| row.get(0),
    )
    .optional()
}

fn upsert(conn: &Connection, key: &str, json: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO bluebutton_tokens (key, token) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET token = excluded.token,
         updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
        params![key, json],
    )
    .map(drop)
}

fn delete(conn: &Connection, key: &str) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM bluebutton_tokens WHERE key = ?1", params![key])
        .map(drop)
}

#[cfg(unix)]
fn restrict_permissions(path: &Path) -> Result<(), AuthError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(|source| {
        AuthError::StoreIo {
            path: path.to_owned(),
            source,
        }
    })
}

#[cfg(not(unix))]
fn restrict_permissions(_path: &Path) -> Result<(), AuthError> {
    Ok(())
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .field("busy_timeout", &self.busy_timeout)
            .field("encrypted", &self.key.is_some())
            .finish()
    }
}

impl TokenStore for SqliteStore {
    fn load<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<AuthorizationToken>, AuthError>> {
        Box::pin(async move {
            let owned = key.to_owned();
            let json = self.blocking(move |conn| select(conn, &owned)).await?;
            self.decode(key, json)
        })
    }

    fn save<'a>(
        &'a self,
        key: &'a str,
        token: &'a AuthorizationToken,
    ) -> BoxFuture<'a, Result<(), AuthError>> {
        Box::pin(async move {
            let _guard = self.locks.lock(key).await;
            let json = self.encode(key, token)?;
            let owned = key.to_owned();
            self.blocking(move |conn| upsert(conn, &owned, &json)).await
        })
    }

    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), AuthError>> {
        Box::pin(async move {
            let _guard = self.locks.lock(key).await;
            let owned = key.to_owned();
            self.blocking(move |conn| delete(conn, &owned)).await
        })
    }

    fn keys(&self) -> BoxFuture<'_, Result<Vec<String>, AuthError>> {
        Box::pin(async move {
            self.blocking(|conn| {
                let mut statement =
                    conn.prepare("SELECT key FROM bluebutton_tokens ORDER BY key")?;
                let keys = statement
                    .query_map([], |row| row.get(0))?
                    .collect::<rusqlite::Result<Vec<String>>>()?;
                Ok(keys)
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
            // In-process waiters queue here instead of each holding a blocked thread.
            let _guard = self.locks.lock(key).await;
            let (path, timeout, owned) =
                (Arc::clone(&self.path), self.busy_timeout, key.to_owned());
            let (conn, json) = tokio::task::spawn_blocking(move || {
                let conn = connect(&path, timeout)?;
                // Takes the database write lock now (waiting for other processes), so the
                // read below already sees any token another process just committed.
                conn.execute_batch("BEGIN IMMEDIATE")?;
                let json = select(&conn, &owned)?;
                Ok::<_, rusqlite::Error>((conn, json))
            })
            .await
            .map_err(|source| AuthError::StoreTask { source })?
            .map_err(|e| self.sqlite_err(e))?;
            // On any early return `conn` is dropped with the transaction open: SQLite rolls
            // it back when the connection closes.
            let current = self.decode(key, json)?;
            let decision = update(current).await;
            let write = match decision {
                TokenUpdate::Keep => None,
                TokenUpdate::Replace(token) => Some(Some(self.encode(key, &token)?)),
                TokenUpdate::Remove => Some(None),
            };
            let owned = key.to_owned();
            tokio::task::spawn_blocking(move || {
                match write {
                    None => {}
                    Some(Some(json)) => upsert(&conn, &owned, &json)?,
                    Some(None) => delete(&conn, &owned)?,
                }
                conn.execute_batch("COMMIT")
            })
            .await
            .map_err(|source| AuthError::StoreTask { source })?
            .map_err(|e| self.sqlite_err(e))
        })
    }
}
