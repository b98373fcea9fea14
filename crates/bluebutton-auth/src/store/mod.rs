//! Token persistence: the [`TokenStore`] trait and its memory, file and SQLite stores.
//!
//! # Design
//! A store maps a key (a patient id, or any app key) to one [`AuthorizationToken`]. Besides
//! `load`/`save`/`remove` it offers [`TokenStore::update`]: run a closure on the current token
//! **while holding the store's exclusive lock on that key**, then apply what the closure
//! decided ([`TokenUpdate`]). The [`crate::TokenManager`] refreshes inside `update` and
//! re-checks the token there first, so:
//! - in one process, a per-key async mutex makes concurrent callers wait, and the re-check
//!   makes all but the first find the fresh token (one refresh POST);
//! - across processes, [`SqliteStore`] holds a database write lock (`BEGIN IMMEDIATE`) from
//!   the read through the refresh to the write, so two processes never send the same refresh
//!   token; the second one reads the rotated token after the first commits. [`FileStore`]
//!   does the same with an advisory OS lock on a sibling `<file>.lock` held from the read
//!   to the write; within a process, every `FileStore` on one file shares one set of locks.
//!
//! # At rest
//! [`FileStore`] and [`SqliteStore`] encrypt each token when given a [`TokenKey`]
//! (`with_key`): ChaCha20-Poly1305 with the record's key as associated data, so the file or
//! database alone reveals no token, and a record that was altered, moved to another key or
//! written in clear text is refused with [`AuthError::StoreSealed`]. Without a key they keep
//! the official SDKs' clear-text JSON (mode 0600). [`MemoryStore`] never writes to disk.
//!
//! [`MemoryStore`] is private to one process; share tokens between processes through
//! [`SqliteStore`] or [`FileStore`].

mod faults;
mod file;
mod file_recovery;
mod key_file;
mod memory;
mod seal;
#[cfg(feature = "sqlite")]
mod sqlite;

use futures_util::future::BoxFuture;

pub use faults::WriteFaults;
pub use file::FileStore;
pub use memory::MemoryStore;
pub use seal::TokenKey;
#[cfg(feature = "sqlite")]
pub use sqlite::{DEFAULT_BUSY_TIMEOUT, SqliteStore};

use crate::error::AuthError;
use crate::token::AuthorizationToken;

/// What an [`TokenStore::update`] closure decided.
#[derive(Debug)]
pub enum TokenUpdate {
    /// Leave the stored token as it is.
    Keep,
    /// Store this token instead (e.g. after a refresh).
    Replace(AuthorizationToken),
    /// Delete the stored token (e.g. re-authorization is required).
    Remove,
}

/// The closure given to [`TokenStore::update`]: receives the current token (read under the
/// lock) and decides.
pub type UpdateFn<'a> =
    Box<dyn FnOnce(Option<AuthorizationToken>) -> BoxFuture<'a, TokenUpdate> + Send + 'a>;

/// Where tokens live between requests. Object-safe: use it as `Arc<dyn TokenStore>`.
///
/// Futures are boxed (rather than `async fn` in the trait) so the trait stays usable as a
/// trait object.
pub trait TokenStore: Send + Sync {
    /// The token stored under `key`, if any.
    fn load<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<AuthorizationToken>, AuthError>>;

    /// Stores `token` under `key`, replacing any previous one.
    fn save<'a>(
        &'a self,
        key: &'a str,
        token: &'a AuthorizationToken,
    ) -> BoxFuture<'a, Result<(), AuthError>>;

    /// Deletes the token under `key` (no error if there is none).
    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), AuthError>>;

    /// Every key that has a token, sorted (e.g. to list the logins a store holds).
    fn keys(&self) -> BoxFuture<'_, Result<Vec<String>, AuthError>>;

    /// Reads the token under `key`, runs `update` on it and applies its decision, all while
    /// holding this store's exclusive lock for `key` (for [`SqliteStore`], a database write
    /// lock shared with other processes). Other `update`, `save` and `remove` calls on the
    /// key wait meanwhile. If the returned future is dropped before completion, nothing is
    /// written.
    fn update<'a>(
        &'a self,
        key: &'a str,
        update: UpdateFn<'a>,
    ) -> BoxFuture<'a, Result<(), AuthError>>;
}
