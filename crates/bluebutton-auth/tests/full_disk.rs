//! A token file that cannot be written after a rotation (a full disk at `fsync`): the new token
//! stays usable in memory, the write is retried, and the next start recovers it from the temp
//! file the failed write left.

mod common;

use bluebutton_auth::{FileStore, TokenKey, TokenStore, TokenUpdate, WriteFaults};
use common::token_expiring;

fn key() -> TokenKey {
    TokenKey::from_bytes([7; 32])
}

fn temp_files(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tmp"))
        .collect()
}

/// Rotates the token under `p` to `new` through `update`, as the token manager does.
async fn rotate(store: &FileStore, access: &str, refresh: &str) {
    let new = token_expiring(access, refresh, 3600);
    store
        .update(
            "p",
            Box::new(move |_| Box::pin(async move { TokenUpdate::Replace(new) })),
        )
        .await
        .expect("a rotation whose write fails is not an error: the token is kept");
}

#[tokio::test]
async fn a_rotated_token_survives_a_failed_write_and_is_recovered_at_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.json");
    {
        let store = FileStore::new(&path).with_key(key());
        store
            .save("p", &token_expiring("AT-old", "RT-old", 60))
            .await
            .unwrap();
        let failing = FileStore::new(&path)
            .with_key(key())
            .with_write_faults(WriteFaults::every_sync_fails());
        rotate(&failing, "AT-new", "RT-new").await;
        // Usable for the rest of the process, through every store on the file.
        for s in [&failing, &store] {
            let token = s.load("p").await.unwrap().unwrap();
            assert_eq!(token.refresh_token().unwrap().secret(), "RT-new");
        }
        // The file still holds the old token; the temp files hold the new one.
        assert!(!temp_files(dir.path()).is_empty());
    }
    // Every store of the process is gone: the next start.
    let restarted = FileStore::new(&path).with_key(key());
    let token = restarted.load("p").await.unwrap().unwrap();
    assert_eq!(token.refresh_token().unwrap().secret(), "RT-new");
    assert_eq!(
        temp_files(dir.path()),
        Vec::<String>::new(),
        "stale temp files removed"
    );
    // Written into the file itself.
    drop(restarted);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains("RT-new"), "still sealed");
    let reread = FileStore::new(&path).with_key(key());
    assert_eq!(
        reread
            .load("p")
            .await
            .unwrap()
            .unwrap()
            .access_token()
            .secret(),
        "AT-new"
    );
}

#[tokio::test]
async fn the_next_write_that_succeeds_writes_the_kept_token_too() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.json");
    // The first rotation's write and its retry fail; later writes succeed.
    let store = FileStore::new(&path)
        .with_key(key())
        .with_write_faults(WriteFaults::next_syncs_fail(2));
    rotate(&store, "AT-1", "RT-1").await;
    assert_eq!(
        temp_files(dir.path()).len(),
        2,
        "one kept per failed attempt"
    );
    store
        .save("other", &token_expiring("AT-o", "RT-o", 3600))
        .await
        .unwrap();
    assert_eq!(temp_files(dir.path()), Vec::<String>::new());
    drop(store);
    let reread = FileStore::new(&path).with_key(key());
    assert_eq!(
        reread
            .load("p")
            .await
            .unwrap()
            .unwrap()
            .refresh_token()
            .unwrap()
            .secret(),
        "RT-1"
    );
    assert!(reread.load("other").await.unwrap().is_some());
}

#[tokio::test]
async fn an_older_token_in_a_leftover_temp_file_is_not_taken_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.json");
    {
        let failing = FileStore::new(&path)
            .with_key(key())
            .with_write_faults(WriteFaults::next_syncs_fail(1));
        // A save whose write fails leaves no kept token, but its temp file stays.
        failing
            .save("p", &token_expiring("AT-stale", "RT-stale", 60))
            .await
            .unwrap_err();
        failing
            .save("p", &token_expiring("AT-current", "RT-current", 3600))
            .await
            .unwrap();
    }
    let restarted = FileStore::new(&path).with_key(key());
    let token = restarted.load("p").await.unwrap().unwrap();
    assert_eq!(token.access_token().secret(), "AT-current");
    assert_eq!(temp_files(dir.path()), Vec::<String>::new());
}

#[tokio::test]
async fn a_store_whose_folder_does_not_exist_yet_loads_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::new(dir.path().join("later").join("tokens.json")).with_key(key());
    assert!(store.load("p").await.unwrap().is_none());
}
