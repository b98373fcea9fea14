//! Tokens encrypted at rest: with a `TokenKey`, the file and SQLite stores write no token in
//! clear text, read back what they wrote, and refuse records under another key, altered,
//! moved to another store key, or left in clear text, with typed errors that show no secret.

mod common;

use std::path::Path;

use bluebutton_auth::{
    AuthError, FileStore, SealProblem, SqliteStore, TokenKey, TokenStore, TokenUpdate,
};
use common::*;

const SECRETS: [&str; 4] = ["ACCESS-one", "REFRESH-one", "ACCESS-two", "REFRESH-two"];

/// Every byte of every file in `dir` (the store file, SQLite's WAL and shared memory, locks).
fn all_bytes(dir: &Path) -> Vec<u8> {
    std::fs::read_dir(dir)
        .unwrap()
        .flat_map(|e| std::fs::read(e.unwrap().path()).unwrap_or_default())
        .collect()
}

fn assert_no_secret(bytes: &[u8], what: &str) {
    for secret in SECRETS {
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "{secret} in clear text in {what}"
        );
    }
}

fn sealed(result: Result<impl std::fmt::Debug, AuthError>) -> SealProblem {
    match result {
        Err(AuthError::StoreSealed { problem, .. }) => problem,
        other => panic!("expected StoreSealed, got {other:?}"),
    }
}

/// Saves, replaces through `update`, reads back; nothing in clear text on disk.
async fn round_trip(store: &dyn TokenStore, dir: &Path) {
    store
        .save("patient-1", &token_expiring(SECRETS[0], SECRETS[1], 3000))
        .await
        .unwrap();
    store
        .update(
            "patient-1",
            Box::new(|current| {
                Box::pin(async move {
                    assert_eq!(current.unwrap().access_token().secret(), SECRETS[0]);
                    TokenUpdate::Replace(token_expiring(SECRETS[2], SECRETS[3], 3000))
                })
            }),
        )
        .await
        .unwrap();
    let loaded = store.load("patient-1").await.unwrap().unwrap();
    assert_eq!(loaded.access_token().secret(), SECRETS[2]);
    assert_eq!(loaded.refresh_token().unwrap().secret(), SECRETS[3]);
    assert_no_secret(&all_bytes(dir), "the store's files");
}

#[tokio::test]
async fn file_store_with_a_key_writes_no_token_in_clear_text() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tokens.json");
    let key = TokenKey::generate().unwrap();
    let store = FileStore::new(&file).with_key(key.clone());
    assert!(store.is_encrypted());
    round_trip(&store, dir.path()).await;
    let document: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert!(
        document["patient-1"]
            .as_str()
            .unwrap()
            .starts_with("bbtk1."),
        "{document}"
    );

    // The same key in another store object reads it; another key or no key cannot.
    let again = FileStore::new(&file).with_key(key.clone());
    assert!(again.load("patient-1").await.unwrap().is_some());
    let other = FileStore::new(&file).with_key(TokenKey::generate().unwrap());
    assert_eq!(
        sealed(other.load("patient-1").await),
        SealProblem::WrongKeyOrAltered
    );
    assert_eq!(
        sealed(FileStore::new(&file).load("patient-1").await),
        SealProblem::NoKey
    );
    let message = other.load("patient-1").await.unwrap_err().to_string();
    assert!(
        message.contains("patient-1") && message.contains("tokens.json"),
        "{message}"
    );
    assert_no_secret(message.as_bytes(), "the error");
    assert_no_secret(format!("{other:?} {key:?}").as_bytes(), "Debug");
    assert!(!format!("{key:?}").contains(key.to_base64().as_str()));
}

#[tokio::test]
async fn file_store_refuses_moved_altered_and_clear_text_records() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tokens.json");
    let key = TokenKey::from_bytes([7; 32]);
    let store = FileStore::new(&file).with_key(key.clone());
    store
        .save("patient-1", &token_expiring(SECRETS[0], SECRETS[1], 3000))
        .await
        .unwrap();
    let mut document: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let record = document["patient-1"].as_str().unwrap().to_owned();

    // Copied under another beneficiary's key: the associated data no longer matches.
    document["patient-2"] = record.clone().into();
    // Altered: one character of the ciphertext changed.
    let mut altered = record.clone().into_bytes();
    let at = altered.len() / 2;
    altered[at] = if altered[at] == b'A' { b'B' } else { b'A' };
    document["patient-3"] = String::from_utf8(altered).unwrap().into();
    // Planted in clear text (a token of someone else's account, say).
    document["patient-4"] =
        serde_json::to_value(token_expiring("PLANTED", "PLANTED-R", 3000)).unwrap();
    // Not a sealed record at all.
    document["patient-5"] = "hello".into();
    std::fs::write(&file, serde_json::to_vec(&document).unwrap()).unwrap();

    assert!(store.load("patient-1").await.unwrap().is_some());
    for (key, problem) in [
        ("patient-2", SealProblem::WrongKeyOrAltered),
        ("patient-3", SealProblem::WrongKeyOrAltered),
        ("patient-4", SealProblem::ClearText),
        ("patient-5", SealProblem::Malformed),
    ] {
        assert_eq!(sealed(store.load(key).await), problem, "{key}");
    }
    // A refused record is replaced by a new save, and the others are kept as they were.
    store
        .save("patient-4", &token_expiring(SECRETS[2], SECRETS[3], 3000))
        .await
        .unwrap();
    assert_eq!(
        store
            .load("patient-4")
            .await
            .unwrap()
            .unwrap()
            .access_token()
            .secret(),
        SECRETS[2]
    );
    assert_eq!(
        sealed(store.load("patient-3").await),
        SealProblem::WrongKeyOrAltered
    );
}

#[tokio::test]
async fn file_store_without_a_key_keeps_the_python_sdk_format() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tokens.json");
    let store = FileStore::new(&file);
    assert!(!store.is_encrypted());
    store
        .save("patient-1", &token_expiring(SECRETS[0], SECRETS[1], 3000))
        .await
        .unwrap();
    let document: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(document["patient-1"]["access_token"], SECRETS[0]);
}

#[tokio::test]
async fn sqlite_store_with_a_key_writes_no_token_in_clear_text() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tokens.db");
    let key = TokenKey::generate().unwrap();
    let store = SqliteStore::open(&db).await.unwrap().with_key(key.clone());
    assert!(store.is_encrypted());
    round_trip(&store, dir.path()).await;
    let reopened = SqliteStore::open(&db).await.unwrap().with_key(key);
    assert!(reopened.load("patient-1").await.unwrap().is_some());
    let other = SqliteStore::open(&db)
        .await
        .unwrap()
        .with_key(TokenKey::generate().unwrap());
    assert_eq!(
        sealed(other.load("patient-1").await),
        SealProblem::WrongKeyOrAltered
    );
    assert_eq!(
        sealed(
            SqliteStore::open(&db)
                .await
                .unwrap()
                .load("patient-1")
                .await
        ),
        SealProblem::NoKey
    );
}

#[tokio::test]
async fn sqlite_store_with_a_key_refuses_clear_text_rows() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tokens.db");
    SqliteStore::open(&db)
        .await
        .unwrap()
        .save("patient-1", &token_expiring("PLANTED", "PLANTED-R", 3000))
        .await
        .unwrap();
    let keyed = SqliteStore::open(&db)
        .await
        .unwrap()
        .with_key(TokenKey::generate().unwrap());
    assert_eq!(
        sealed(keyed.load("patient-1").await),
        SealProblem::ClearText
    );
}

#[test]
fn token_keys_come_from_the_environment_as_base64() {
    // The variable is set only for a child process: tests never change their own environment.
    let key = TokenKey::generate().unwrap();
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_reads_token_key_from_env", "--nocapture"])
        .env(TokenKey::ENV_VAR, key.to_base64().as_str())
        .env("BLUEBUTTON_TEST_CHILD", "token-key")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("KEY-MATCHES"), "{stdout}");
    let bad = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_reads_token_key_from_env", "--nocapture"])
        .env(TokenKey::ENV_VAR, "too short")
        .env("BLUEBUTTON_TEST_CHILD", "token-key")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&bad.stdout).contains("KEY-INVALID"));
}

/// Child role of `token_keys_come_from_the_environment_as_base64`.
#[test]
fn child_reads_token_key_from_env() {
    if std::env::var("BLUEBUTTON_TEST_CHILD").as_deref() != Ok("token-key") {
        return;
    }
    match TokenKey::from_env() {
        Ok(Some(key)) => {
            let text = std::env::var(TokenKey::ENV_VAR).unwrap();
            if key.to_base64().as_str() == text {
                println!("KEY-MATCHES");
            }
        }
        Ok(None) => println!("KEY-ABSENT"),
        Err(AuthError::InvalidTokenKey { .. }) => println!("KEY-INVALID"),
        Err(other) => println!("OTHER {other}"),
    }
}
