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
    assert!(!outcome.stderr.contains("forged"), "no query value is logged");
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
