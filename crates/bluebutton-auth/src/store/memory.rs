//! [`MemoryStore`]: tokens in a process-local map (tests, short-lived tools).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, PoisonError};

use futures_util::future::BoxFuture;

use super::{TokenStore, TokenUpdate, UpdateFn};
use crate::error::AuthError;
use crate::locks::KeyedLocks;
use crate::token::AuthorizationToken;

/// Tokens kept in memory; lost when the process exits.
///
/// ```
/// use bluebutton_auth::{AuthorizationToken, MemoryStore, TokenStore};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = MemoryStore::new();
/// let token: AuthorizationToken = serde_json::from_str(r#"{"access_token": "AT", "expires_in": 3600,
///     "expires_at": "2030-01-01T00:00:00+00:00", "patient": "-20140000008325", "refresh_token": "RT",
///     "scope": "patient/Patient.rs openid", "token_type": "Bearer"}"#)?;
/// store.save("-20140000008325", &token).await?;
/// let loaded = store.load("-20140000008325").await?.expect("saved above");
/// assert_eq!(loaded.access_token().secret(), "AT");
/// assert_eq!(store.keys().await?, ["-20140000008325"]);
/// store.remove("-20140000008325").await?;
/// assert!(store.load("-20140000008325").await?.is_none());
/// # Ok(()) }
/// ```
#[derive(Default)]
pub struct MemoryStore {
    tokens: Mutex<HashMap<String, AuthorizationToken>>,
    locks: KeyedLocks,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, AuthorizationToken>> {
        self.tokens.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("keys", &self.map().len())
            .finish()
    }
}

impl TokenStore for MemoryStore {
    fn load<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<AuthorizationToken>, AuthError>> {
        Box::pin(async move { Ok(self.map().get(key).cloned()) })
    }

    fn save<'a>(
        &'a self,
        key: &'a str,
        token: &'a AuthorizationToken,
    ) -> BoxFuture<'a, Result<(), AuthError>> {
        Box::pin(async move {
            let _guard = self.locks.lock(key).await;
            self.map().insert(key.to_owned(), token.clone());
            Ok(())
        })
    }

    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), AuthError>> {
        Box::pin(async move {
            let _guard = self.locks.lock(key).await;
            self.map().remove(key);
            Ok(())
        })
    }

    fn keys(&self) -> BoxFuture<'_, Result<Vec<String>, AuthError>> {
        Box::pin(async move {
            let mut keys: Vec<String> = self.map().keys().cloned().collect();
            keys.sort();
            Ok(keys)
        })
    }

    fn update<'a>(
        &'a self,
        key: &'a str,
        update: UpdateFn<'a>,
    ) -> BoxFuture<'a, Result<(), AuthError>> {
        Box::pin(async move {
            let _guard = self.locks.lock(key).await;
            let current = self.map().get(key).cloned();
            match update(current).await {
                TokenUpdate::Keep => {}
                TokenUpdate::Replace(token) => {
                    self.map().insert(key.to_owned(), token);
                }
                TokenUpdate::Remove => {
                    self.map().remove(key);
                }
            }
            Ok(())
        })
    }
}
