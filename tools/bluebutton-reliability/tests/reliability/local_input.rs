//! Hostile local input: stray requests to a login's loopback listener, unsafe configuration
//! files, racing and unsafe token key files, and a token file that cannot be written after a
//! rotation. Each check prints its cases tried and held.

use std::path::Path;

use bluebutton_auth::{
    AuthError, CsrfToken, FileStore, KeyFileProblem, ScreenedRequest, TokenKey, TokenStore,
    TokenUpdate, WriteFaults, screen_callback_request,
};
use bluebutton_config::{ConfigError, ConfigLoader};
use bluebutton_reliability::tokens;
use time::OffsetDateTime;

use crate::common::{ALL_SCOPES, PATIENT};

#[test]
fn stray_requests_never_become_the_login_callback() {
    let state = CsrfToken::new("kRQvUvRYlPdjYTr3LXGu0A".to_owned());
    let s = state.secret();
    let strays = [
        ("GET", "/callback".to_owned()),
        ("GET", "/callback?error=access_denied".to_owned()),
        (
            "GET",
            "/callback?error=access_denied&error_description=no".to_owned(),
        ),
        ("GET", "/callback?error=server_error&state=wrong".to_owned()),
        ("GET", "/callback?code=forged".to_owned()),
        ("GET", "/callback?code=forged&state=".to_owned()),
        ("GET", format!("/callback?code=forged&state={s}x")),
        ("GET", format!("/callback?code=forged&state={}", &s[1..])),
        (
            "GET",
            format!("/callback?code=forged&state={}", s.to_uppercase()),
        ),
        ("GET", format!("/callback?code=a&state={s}&state={s}")),
        ("GET", format!("/callback?code=a&code=b&state={s}")),
        ("POST", format!("/callback?code=a&state={s}")),
        ("HEAD", format!("/callback?code=a&state={s}")),
        ("GET", format!("/callback/?code=a&state={s}")),
        ("GET", format!("/favicon.ico?code=a&state={s}")),
        ("GET", format!("/callback?x={}", "a".repeat(20_000))),
        ("GET", "/callback?%ZZ=%ZZ&state=%".to_owned()),
    ];
    for (method, target) in &strays {
        let screened = screen_callback_request(method, target, "/callback", &state);
        assert!(
            matches!(screened, ScreenedRequest::Stray(_)),
            "{method} {}",
            target.chars().take(80).collect::<String>()
        );
    }
    for real in [
        format!("/callback?code=c&state={s}"),
        format!("/callback?state={s}&code=c&extra=1"),
        format!("/callback?error=access_denied&state={s}"),
    ] {
        assert!(matches!(
            screen_callback_request("GET", &real, "/callback", &state),
            ScreenedRequest::Callback(_)
        ));
    }
    println!(
        "stray loopback requests (no, wrong, partial, re-cased or repeated state; error= without state; other paths, methods, sizes): {} cases tried, {} held; 3 real callbacks accepted",
        strays.len(),
        strays.len()
    );
}

#[test]
fn unsafe_configuration_files_are_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let base = r#""client_id": "id", "client_secret": "TOP-SECRET-42""#;
    let deep = 100_000;
    let cases: Vec<(&str, String)> = vec![
        (
            "http.json",
            format!(r#"{{{base}, "callback_url": "http://app.example/cb"}}"#),
        ),
        (
            "http-ip.json",
            format!(r#"{{{base}, "callback_url": "http://10.1.2.3:8765/cb"}}"#),
        ),
        (
            "prod.json",
            format!(
                r#"{{{base}, "callback_url": "https://a.example/cb", "environment": "PRODUCTION", "base_url": "http://api.example"}}"#
            ),
        ),
        (
            "dup.json",
            format!(r#"{{{base}, "callback_url": "https://a.example/cb", "client_id": "other"}}"#),
        ),
        (
            "dup-nested.json",
            format!(
                r#"{{{base}, "callback_url": "https://a.example/cb", "retry_settings": {{"total": 1, "total": 9}}}}"#
            ),
        ),
        (
            "dup.yaml",
            "client_id: id\nclient_secret: s\ncallback_url: https://a.example/cb\nclient_id: other\n"
                .to_owned(),
        ),
        (
            "dup-nested.yaml",
            "client_id: id\nretry_settings:\n  total: 1\n  total: 9\n".to_owned(),
        ),
        ("flow.yaml", format!("a: {}{}", "[".repeat(deep), "]".repeat(deep))),
        ("compact.yaml", format!("a:\n{}x\n", "- ".repeat(deep))),
        ("deep.json", format!("{}{}", "[".repeat(deep), "]".repeat(deep))),
        (
            "big.json",
            format!(r#"{{{base}, "pad": "{}"}}"#, "x".repeat(1024 * 1024)),
        ),
    ];
    for (name, text) in &cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let error = ConfigLoader::new().file(&path).load().unwrap_err();
        let expected = match *name {
            "http.json" | "http-ip.json" => {
                matches!(error, ConfigError::InsecureCallbackUrl { .. })
            }
            "prod.json" => matches!(error, ConfigError::InsecureBaseUrl { .. }),
            n if n.starts_with("dup") => matches!(error, ConfigError::RepeatedKey { .. }),
            "big.json" => matches!(error, ConfigError::FileTooLarge { .. }),
            _ => matches!(error, ConfigError::TooDeep { .. }),
        };
        assert!(expected, "{name}: {error:?}");
        assert!(!error.to_string().contains("TOP-SECRET-42"));
    }
    // A 200 MB file, sparse so the disk holds nothing: refused from its size alone.
    let huge = dir.path().join("huge.yaml");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(200 * 1024 * 1024)
        .unwrap();
    let error = ConfigLoader::new().file(&huge).load().unwrap_err();
    assert!(
        matches!(error, ConfigError::FileTooLarge { .. }),
        "{error:?}"
    );
    let tried = cases.len() + 1;
    println!(
        "unsafe config files (http callback off loopback, http base URL with PRODUCTION, repeated keys in JSON and YAML, depth 100,000 in flow, compact and JSON form, over 1 MiB, 200 MB): {tried} cases tried, {tried} held"
    );
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn key_files_are_whole_private_and_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.key");
    let store = dir.path().join("tokens.json");
    let mut tried = 0;
    // Sixteen threads create it at once: all get the same whole key.
    let keys: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..16)
            .map(|_| {
                scope.spawn(|| {
                    TokenKey::load_or_create_for_store(&path, &store)
                        .unwrap()
                        .to_base64()
                        .to_string()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(keys.iter().all(|k| *k == keys[0] && k.len() == 43));
    tried += keys.len();
    // Interrupted creations: replaced while no token depends on the lost key.
    for partial in ["", "\n", "AbCdEfGhIjKlMnOpQrStUvWxYz"] {
        std::fs::write(&path, partial).unwrap();
        #[cfg(unix)]
        set_mode(&path, 0o600);
        let key = TokenKey::load_or_create_for_store(&path, &store).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            key.to_base64().as_str()
        );
        tried += 1;
    }
    std::fs::write(&store, r#"{"p": "bbtk1.AAAAAAAA"}"#).unwrap();
    std::fs::write(&path, "").unwrap();
    #[cfg(unix)]
    set_mode(&path, 0o600);
    let error = TokenKey::load_or_create_for_store(&path, &store).unwrap_err();
    assert!(matches!(
        error,
        AuthError::KeyFile {
            problem: KeyFileProblem::IncompleteWithTokens { .. },
            ..
        }
    ));
    tried += 1;
    #[cfg(unix)]
    {
        std::fs::remove_file(&store).unwrap();
        std::fs::remove_file(&path).unwrap();
        TokenKey::load_or_create(&path).unwrap();
        for mode in [0o640, 0o604, 0o644, 0o660, 0o666, 0o620] {
            set_mode(&path, mode);
            let error = TokenKey::load_or_create(&path).unwrap_err();
            assert!(
                matches!(
                    error,
                    AuthError::KeyFile {
                        problem: KeyFileProblem::ReadableByOthers { .. },
                        ..
                    }
                ),
                "{mode:o}: {error:?}"
            );
            tried += 1;
        }
    }
    println!(
        "token key files (16 threads creating at once, 3 interrupted creations, 1 with tokens depending on it, 6 modes open to others): {tried} cases tried, {tried} held"
    );
}

#[tokio::test]
async fn a_rotated_token_survives_every_failing_write_pattern() {
    let key = || TokenKey::from_bytes([3; 32]);
    let token = |access: &str, secs: i64| {
        tokens::stored(
            access,
            &format!("R-{access}"),
            PATIENT,
            ALL_SCOPES,
            OffsetDateTime::now_utc() + time::Duration::seconds(secs),
        )
    };
    let patterns = [
        ("every fsync fails", WriteFaults::every_sync_fails()),
        ("the first fsync fails", WriteFaults::next_syncs_fail(1)),
        ("two fsyncs fail", WriteFaults::next_syncs_fail(2)),
        ("three fsyncs fail", WriteFaults::next_syncs_fail(3)),
    ];
    let mut tried = 0;
    for (name, faults) in patterns {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        {
            let plain = FileStore::new(&path).with_key(key());
            plain.save(PATIENT, &token("old", 60)).await.unwrap();
            let failing = FileStore::new(&path)
                .with_key(key())
                .with_write_faults(faults);
            let new = token("new", 3600);
            failing
                .update(
                    PATIENT,
                    Box::new(move |_| Box::pin(async move { TokenUpdate::Replace(new) })),
                )
                .await
                .unwrap();
            let now = failing.load(PATIENT).await.unwrap().unwrap();
            assert_eq!(now.access_token().secret(), "new", "{name}: in memory");
        }
        let restarted = FileStore::new(&path).with_key(key());
        let after = restarted.load(PATIENT).await.unwrap().unwrap();
        assert_eq!(
            after.access_token().secret(),
            "new",
            "{name}: after a restart"
        );
        let temps = std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".tmp")
            })
            .count();
        assert_eq!(temps, 0, "{name}: stale temp files removed");
        tried += 1;
    }
    println!(
        "token file writes failing after a rotation (ENOSPC at fsync: always, once, twice, three times): {tried} cases tried, {tried} held (the new token is used in the process and recovered at the next start)"
    );
}
