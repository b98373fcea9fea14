//! Token stores: the Python SDK's format both ways, crash-safe file writes with mode 0600, and
//! two OS processes refreshing through one SQLite database or one token file.
//!
//! The multi-process tests re-run this test binary with `--exact <child test>` and an
//! environment variable that gives the child its role; without the variable the child tests
//! return at once.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use bluebutton_auth::{AuthorizationToken, FileStore, SqliteStore, TokenManager, TokenStore};
use common::*;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// What the official Python SDK's `AuthorizationToken.get_dict()` writes.
const PYTHON_DICT: &str = r#"{"access_token": "RM9xGoyxjKNnlKWIhNKuggpQmVPHhJ", "expires_in": 3600, "expires_at": "2026-11-29T00:36:35+00:00", "patient": "-20140000008325", "refresh_token": "t7iFIYALaqMTGe189djFwK5JnsOv8d", "scope": "patient/Coverage.rs patient/ExplanationOfBenefit.rs profile patient/Patient.rs openid", "token_type": "Bearer"}"#;

#[test]
fn loads_a_token_saved_by_the_python_sdk() {
    let token: AuthorizationToken = serde_json::from_str(PYTHON_DICT).unwrap();
    assert_eq!(
        token.access_token().secret(),
        "RM9xGoyxjKNnlKWIhNKuggpQmVPHhJ"
    );
    assert_eq!(
        token.refresh_token().unwrap().secret(),
        "t7iFIYALaqMTGe189djFwK5JnsOv8d"
    );
    assert_eq!(token.expires_at().unix_timestamp(), 1_795_912_595);
    assert_eq!(token.expires_in().as_secs(), 3600);
    assert_eq!(token.patient(), Some("-20140000008325"));
    assert_eq!(token.scopes().len(), 5);
    // Python's isoformat() with microseconds, and a list scope, load too.
    let micro = PYTHON_DICT.replace("00:36:35+00:00", "00:36:35.123456+00:00");
    let t2: AuthorizationToken = serde_json::from_str(&micro).unwrap();
    assert_eq!(t2.expires_at().unix_timestamp(), 1_795_912_595);
    let list = PYTHON_DICT.replace(
        r#""scope": "patient/Coverage.rs patient/ExplanationOfBenefit.rs profile patient/Patient.rs openid""#,
        r#""scope": ["profile", "openid"]"#,
    );
    let t3: AuthorizationToken = serde_json::from_str(&list).unwrap();
    assert!(t3.has_scope(&bluebutton_auth::Scope::Profile) && t3.scopes().len() == 2);
    // Without expires_at, it is now + expires_in (as Python's set_dict).
    let mut no_at: serde_json::Value = serde_json::from_str(PYTHON_DICT).unwrap();
    no_at.as_object_mut().unwrap().remove("expires_at");
    let t4: AuthorizationToken = serde_json::from_value(no_at).unwrap();
    assert!(!t4.expires_within(std::time::Duration::from_secs(3500)));
}

#[test]
fn saves_in_the_python_sdk_format() {
    let token: AuthorizationToken = serde_json::from_str(PYTHON_DICT).unwrap();
    let saved: serde_json::Value = serde_json::to_value(&token).unwrap();
    let expected: serde_json::Value = serde_json::from_str(PYTHON_DICT).unwrap();
    // Every field as the Python SDK wrote it, `scope` in the server's order.
    assert_eq!(saved, expected);
    // The exact text the Python SDK's set_dict() reads (fromisoformat of expires_at).
    insta::assert_snapshot!("python_dict", serde_json::to_string_pretty(&saved).unwrap());
}

#[test]
fn grant_expiration_round_trips_and_empty_is_none() {
    let with = PYTHON_DICT.replace(
        r#""token_type": "Bearer""#,
        r#""token_type": "Bearer", "access_grant_expiration": "2025-09-05 19:17:53Z""#,
    );
    let token: AuthorizationToken = serde_json::from_str(&with).unwrap();
    let saved = serde_json::to_value(&token).unwrap();
    assert_eq!(saved["access_grant_expiration"], "2025-09-05T19:17:53Z");
    let empty = with.replace("2025-09-05 19:17:53Z", "");
    let token: AuthorizationToken = serde_json::from_str(&empty).unwrap();
    assert!(token.access_grant_expiration().is_none());
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn file_store_round_trip_mode_0600_and_ignores_stale_temp_files() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tokens.json");
    // A temp file left by an earlier crashed write, with garbage in it.
    let stale = dir.path().join(".tokens.json.crashed.tmp");
    std::fs::write(&stale, b"{\"k\": {\"access_token\": \"GARBAGE").unwrap();
    let store = FileStore::new(&file);
    assert!(store.load("k").await.unwrap().is_none());
    store
        .save("k", &token_expiring("AT1", "RT1", 3000))
        .await
        .unwrap();
    store
        .save("other", &token_expiring("AT2", "RT2", 3000))
        .await
        .unwrap();
    #[cfg(unix)]
    assert_eq!(mode(&file), 0o600);
    let loaded = FileStore::new(&file).load("k").await.unwrap().unwrap();
    assert_eq!(loaded.access_token().secret(), "AT1");
    // The stale temp file was never renamed over the real file nor taken as a token (it
    // holds no whole one): the first operation of the process removed it.
    assert!(!stale.exists());
    // Only the real file and the lock file (0600 too): no temp file is left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    #[cfg(unix)]
    assert_eq!(mode(&dir.path().join("tokens.json.lock")), 0o600);
    store.remove("k").await.unwrap();
    assert!(store.load("k").await.unwrap().is_none());
    assert!(store.load("other").await.unwrap().is_some());
    // A corrupt real file is an error, not an empty store.
    std::fs::write(&file, b"{not json").unwrap();
    assert!(matches!(
        store.load("other").await,
        Err(bluebutton_auth::AuthError::StoreCorrupt { .. })
    ));
}

/// Child role: write tokens to the file store in a loop until killed.
#[tokio::test]
async fn child_file_writer() {
    let Ok(file) = std::env::var("BB_AUTH_TEST_FILE_WRITER") else {
        return;
    };
    let store = FileStore::new(file);
    for i in 0u64.. {
        // Many keys, so each write is a sizeable file.
        let key = format!("key-{}", i % 100);
        store
            .save(
                &key,
                &token_expiring(&format!("AT-{i}"), &format!("RT-{i}"), 3000),
            )
            .await
            .unwrap();
        if i == 150 {
            println!("WROTE-150");
        }
    }
}

#[test]
fn killed_writer_never_leaves_a_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tokens.json");
    for _round in 0..2 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "child_file_writer",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("BB_AUTH_TEST_FILE_WRITER", &file)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait until it has written a few hundred times, then SIGKILL it mid-stream.
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        loop {
            line.clear();
            let n = std::io::BufRead::read_line(&mut out, &mut line).unwrap();
            assert!(n > 0, "child exited early");
            if line.contains("WROTE-150") {
                break;
            }
        }
        child.kill().unwrap();
        child.wait().unwrap();
        // Whatever the moment of death, the real file parses completely.
        let text = std::fs::read_to_string(&file).unwrap();
        let map: std::collections::BTreeMap<String, AuthorizationToken> =
            serde_json::from_str(&text).unwrap();
        assert_eq!(map.len(), 100);
        #[cfg(unix)]
        assert_eq!(mode(&file), 0o600);
    }
}

/// Child role: refresh the shared token through the SQLite store and print the result.
#[tokio::test]
async fn child_sqlite_refresher() {
    let (Ok(db), Ok(base)) = (
        std::env::var("BB_AUTH_TEST_SQLITE_DB"),
        std::env::var("BB_AUTH_TEST_BASE_URL"),
    ) else {
        return;
    };
    let store: Arc<dyn TokenStore> = Arc::new(SqliteStore::open(db).await.unwrap());
    let manager = TokenManager::new(client(&base), store);
    let access = manager.access_token("shared").await.unwrap();
    println!("ACCESS={}", access.secret());
}

/// Child role: refresh the shared token through the file store and print the result.
#[tokio::test]
async fn child_file_refresher() {
    let (Ok(file), Ok(base)) = (
        std::env::var("BB_AUTH_TEST_TOKEN_FILE"),
        std::env::var("BB_AUTH_TEST_BASE_URL"),
    ) else {
        return;
    };
    let store: Arc<dyn TokenStore> = Arc::new(FileStore::new(file));
    let manager = TokenManager::new(client(&base), store);
    let access = manager.access_token("shared").await.unwrap();
    println!("ACCESS={}", access.secret());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_one_sqlite_store_and_refresh_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tokens.sqlite3");
    let store = SqliteStore::open(&db).await.unwrap();
    two_processes_refresh_once(
        &store,
        &db,
        "child_sqlite_refresher",
        "BB_AUTH_TEST_SQLITE_DB",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_one_file_store_and_refresh_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tokens.json");
    let store = FileStore::new(&file);
    two_processes_refresh_once(
        &store,
        &file,
        "child_file_refresher",
        "BB_AUTH_TEST_TOKEN_FILE",
    )
    .await;
}

/// Stores an expired token in `store` (backed by `file`), runs two `child` processes on the
/// same file at once (told its path by `env`), and checks that only one refreshed.
async fn two_processes_refresh_once(store: &dyn TokenStore, file: &Path, child: &str, env: &str) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/o/token/"))
        .and(body_string_contains("refresh_token=RT-old"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(token_body("AT-new", "RT-new"))
                // Hold the first refresh open so the other process is waiting on the lock.
                .set_delay(std::time::Duration::from_millis(500)),
        )
        .mount(&server)
        .await;
    // A reused refresh token is refused, as by the real server.
    Mock::given(method("POST"))
        .and(path("/v2/o/token/"))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(serde_json::json!({"error": "invalid_grant"})),
        )
        .mount(&server)
        .await;
    store
        .save("shared", &token_expiring("AT-old", "RT-old", -30))
        .await
        .unwrap();
    #[cfg(unix)]
    assert_eq!(mode(file), 0o600);
    let spawn = || {
        Command::new(std::env::current_exe().unwrap())
            .args(["--exact", child, "--nocapture", "--test-threads=1"])
            .env(env, file)
            .env("BB_AUTH_TEST_BASE_URL", server.uri())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let outputs = tokio::task::spawn_blocking(move || {
        [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()]
    })
    .await
    .unwrap();
    for out in &outputs {
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "child failed: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("ACCESS=AT-new"), "{stdout}");
    }
    let posts = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/v2/o/token/")
        .count();
    assert_eq!(posts, 1, "exactly one refresh POST across both processes");
    let stored = store.load("shared").await.unwrap().unwrap();
    assert_eq!(stored.refresh_token().unwrap().secret(), "RT-new");
}
