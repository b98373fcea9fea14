//! Hostile input against the real `bluebutton` binary, as separate processes: stray requests
//! to the login listener, concurrent creation of the token key, unsafe key files, and a token
//! file that cannot be written after a rotation.

mod common;

use common::Env;

/// Requests any web page open in the user's browser can send to the listener meanwhile.
fn strays() -> Vec<String> {
    [
        "/callback",
        "/callback?error=access_denied",
        "/callback?error=access_denied&error_description=%1b%5b2Jgone",
        "/callback?code=forged&state=not-this-login",
        "/callback?code=a&code=b",
        "/favicon.ico",
    ]
    .map(str::to_owned)
    .to_vec()
}

#[test]
fn stray_requests_mid_login_are_ignored_and_the_real_redirect_completes_it() {
    let env = Env::start();
    let (outcome, status, page, _, stray_pages) =
        env.login_after_strays(&["--no-browser", "-v"], &[], &strays());
    let outcome = outcome.expect_code(0);
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Signed in"), "{page}");
    assert_eq!(stray_pages.len(), strays().len());
    for ((status, page), stray) in stray_pages.iter().zip(strays()) {
        assert!((400..500).contains(status), "{stray}: {status}");
        if stray.starts_with("/callback") {
            assert!(page.contains("still waiting"), "{stray}: {page}");
        }
    }
    // One code exchange, for the real redirect only; each stray logged at debug.
    assert_eq!(env.sandbox.counters().token_posts, 1);
    let ignored = outcome
        .stderr
        .lines()
        .filter(|l| l.contains("ignored a request to the login listener"))
        .count();
    assert_eq!(ignored, strays().len(), "{}", outcome.stderr);
    assert!(
        !outcome.stderr.contains("forged"),
        "no query value is logged"
    );
    assert!(!outcome.stderr.contains("gone"), "no stray text is logged");
    assert!(env.store.exists());
}

#[test]
fn an_error_callback_without_this_logins_state_is_not_a_denial() {
    let env = Env::start();
    let (outcome, status, _, _, stray_pages) = env.login_after_strays(
        &["--no-browser"],
        &[],
        &["/callback?error=access_denied&error_description=You+said+no".to_owned()],
    );
    outcome.expect_code(0);
    assert_eq!(status, 200);
    assert_eq!(stray_pages[0].0, 400);
    assert!(
        !stray_pages[0].1.contains("denied access"),
        "{}",
        stray_pages[0].1
    );
}

/// The key file `login` and every command use for the env's token file.
fn key_path(env: &Env) -> std::path::PathBuf {
    env.store.with_file_name("tokens.key")
}

#[cfg(unix)]
fn set_mode(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(unix)]
fn mode_of(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn read_only_commands_at_once_create_no_key_and_login_creates_one() {
    let env = Env::start();
    std::fs::create_dir_all(env.store.parent().unwrap()).unwrap();
    // Started together, before any login: each says there is none, and none creates a key
    // (atomic creation of the key by racing processes is the auth crate's to test).
    let children: Vec<_> = (0..8)
        .map(|_| {
            env.command(&["token", "show"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().expect("wait");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(3), "{stderr}");
        assert!(
            stderr.contains(
                "no login for profile `default`: run `bluebutton --profile default login`"
            ),
            "{stderr}"
        );
    }
    assert!(
        !key_path(&env).exists(),
        "a read-only command creates no key"
    );
    assert!(!env.store.exists(), "nor a token file");
    let entries: Vec<String> = std::fs::read_dir(env.store.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(entries.is_empty(), "nothing is left: {entries:?}");
    // Login creates the key, and the next commands keep it.
    let (outcome, status, _) = env.login(&[]);
    outcome.expect_code(0);
    assert_eq!(status, 200);
    let key = std::fs::read_to_string(key_path(&env)).unwrap();
    assert_eq!(key.trim().len(), 43, "one whole key: {key:?}");
    env.run(&["token", "show"]).expect_code(0);
    assert_eq!(std::fs::read_to_string(key_path(&env)).unwrap(), key);
}

#[cfg(unix)]
#[test]
fn an_empty_key_file_from_an_interrupted_creation_is_replaced_only_when_no_token_needs_it() {
    let env = Env::start();
    std::fs::create_dir_all(env.store.parent().unwrap()).unwrap();
    let key = key_path(&env);
    // A `kill -9` between creating and writing the key left it empty: no token depends on it.
    std::fs::write(&key, "").unwrap();
    set_mode(&key, 0o600);
    let (outcome, status, _) = env.login(&[]);
    outcome.expect_code(0);
    assert_eq!(status, 200);
    assert_eq!(std::fs::read_to_string(&key).unwrap().len(), 43);
    env.run(&["token", "show"]).expect_code(0);
    // Empty again while the token file holds tokens sealed with the lost key: refused, both
    // files left as they are, and the message says what to do.
    std::fs::write(&key, "").unwrap();
    let before = std::fs::read(&env.store).unwrap();
    let outcome = env.run(&["token", "show"]).expect_code(2);
    assert!(outcome.stderr.contains("incomplete"), "{}", outcome.stderr);
    assert!(
        outcome.stderr.contains("log in again"),
        "{}",
        outcome.stderr
    );
    assert_eq!(std::fs::read(&key).unwrap(), b"");
    assert_eq!(std::fs::read(&env.store).unwrap(), before);
}

#[cfg(unix)]
#[test]
fn a_key_file_others_can_read_is_refused_and_a_wide_token_file_is_tightened() {
    let env = Env::start().logged_in();
    let key = key_path(&env);
    set_mode(&key, 0o644);
    let outcome = env.run(&["token", "show"]).expect_code(2);
    assert!(
        outcome.stderr.contains("chmod 600"),
        "the fix is in the message: {}",
        outcome.stderr
    );
    assert!(outcome.stdout.is_empty());
    set_mode(&key, 0o600);
    set_mode(&env.store, 0o644);
    let outcome = env.run(&["token", "show"]).expect_code(0);
    assert!(
        outcome.stderr.contains("accessible to other users"),
        "{}",
        outcome.stderr
    );
    assert_eq!(mode_of(&env.store), 0o600);
}

#[test]
fn a_rotated_token_survives_a_token_file_that_cannot_be_written() {
    let env = Env::start().logged_in();
    let before = std::fs::read(&env.store).unwrap();
    // The server expires the access token: the next command refreshes (the server rotates
    // the refresh token) and replays, but the token file cannot be written (full disk).
    env.sandbox
        .advance_clock(std::time::Duration::from_secs(2 * 3600));
    let outcome = env
        .command(&["eob", "--all", "--format", "ndjson", "--count", "5"])
        .env("BLUEBUTTON_TEST_TOKEN_WRITE_FAULT", "enospc")
        .output()
        .expect("run");
    let outcome = common::Outcome::from(outcome).expect_code(0);
    // Every page after the refresh used the new token kept in memory: one refresh only.
    assert_eq!(env.sandbox.counters().refreshes, 1);
    let claims = outcome.stdout.lines().count();
    assert_eq!(claims, env.first_claim_count());
    // It says where the token is.
    assert!(
        outcome.stderr.contains("kept in memory") && outcome.stderr.contains(".tmp"),
        "{}",
        outcome.stderr
    );
    assert_eq!(
        std::fs::read(&env.store).unwrap(),
        before,
        "the file was not written"
    );
    // The next start recovers the new token from the temp file: no re-login, no
    // invalid_grant from the retired refresh token.
    let outcome = env.run(&["patient"]).expect_code(0);
    assert!(
        outcome.stderr.contains("recovered a newer token"),
        "{}",
        outcome.stderr
    );
    assert_eq!(env.sandbox.counters().refreshes, 1);
    let leftovers: Vec<String> = std::fs::read_dir(env.store.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert_ne!(std::fs::read(&env.store).unwrap(), before);
    env.run(&["token", "refresh"]).expect_code(0);
}
