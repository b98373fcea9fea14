//! Per-key async mutexes: the in-process half of single-flight refresh.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::OwnedMutexGuard;

/// A map from key to an async mutex, created on demand and dropped when unused.
#[derive(Default)]
pub(crate) struct KeyedLocks {
    map: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl KeyedLocks {
    /// Waits for and takes the lock of `key`.
    pub(crate) async fn lock(&self, key: &str) -> OwnedMutexGuard<()> {
        let mutex = {
            let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
            // Forget locks nobody holds or waits for, so the map stays as small as the set
            // of keys in use.
            map.retain(|_, m| Arc::strong_count(m) > 1);
            Arc::clone(map.entry(key.to_owned()).or_default())
        };
        mutex.lock_owned().await
    }
}
