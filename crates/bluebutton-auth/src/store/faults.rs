//! [`WriteFaults`]: failures injected into a [`super::FileStore`]'s writes, so tests can show
//! what a full disk does to a token rotation (the new token must survive), without filling a
//! disk. Never set outside tests.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// Failures to inject into the writes of a [`super::FileStore`] (see
/// [`super::FileStore::with_write_faults`]). For tests only: a store without it never fails on
/// purpose.
///
/// The fault is "no space left on device" (`ENOSPC`) from the `fsync` of the new temp file,
/// after its bytes were written: the way a full disk most often shows itself. Clones share
/// their count.
#[derive(Clone, Debug, Default)]
pub struct WriteFaults {
    /// How many more syncs fail (`u32::MAX`: all of them).
    failing_syncs: Arc<AtomicU32>,
}

impl WriteFaults {
    /// Every sync of a temp file fails with `ENOSPC`.
    pub fn every_sync_fails() -> Self {
        Self::next_syncs_fail(u32::MAX)
    }

    /// The next `count` syncs of a temp file fail with `ENOSPC`, later ones succeed.
    pub fn next_syncs_fail(count: u32) -> Self {
        WriteFaults {
            failing_syncs: Arc::new(AtomicU32::new(count)),
        }
    }

    /// The fault for this sync, if one is due.
    pub(crate) fn sync_fault(&self) -> Option<std::io::Error> {
        let due = self
            .failing_syncs
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| match left {
                0 => None,
                u32::MAX => Some(u32::MAX),
                n => Some(n - 1),
            })
            .is_ok();
        due.then(|| std::io::Error::from(std::io::ErrorKind::StorageFull))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_down_and_clones_share_the_count() {
        let faults = WriteFaults::next_syncs_fail(2);
        let clone = faults.clone();
        assert!(faults.sync_fault().is_some());
        assert_eq!(
            clone.sync_fault().map(|e| e.kind()),
            Some(std::io::ErrorKind::StorageFull)
        );
        assert!(faults.sync_fault().is_none());
        assert!(WriteFaults::default().sync_fault().is_none());
        let always = WriteFaults::every_sync_fails();
        assert!((0..5).all(|_| always.sync_fault().is_some()));
    }
}
