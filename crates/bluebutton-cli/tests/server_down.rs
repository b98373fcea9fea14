//! A server that is down: each retry whose wait exceeds a second is said on stderr, and the
//! final error names `base_url`, where it came from, and how to start a local server.

mod common;

use common::Env;

#[test]
fn connection_refused_says_each_retry_and_names_base_url() {
    let env = Env::start().logged_in();
    let base_url = env.sandbox.base_url().to_string();
    // The server that issued the login stops; its port now refuses connections.
    let Env {
        runtime,
        sandbox,
        dir,
        config,
        store,
        callback_url,
    } = env;
    runtime.block_on(sandbox.shutdown());
    let env = Env {
        runtime,
        sandbox: Env::start().sandbox,
        dir,
        config,
        store,
        callback_url,
    };
    // One retry after 1.1 s (backoff_factor 2.2 s: the first wait is half of it).
    let text = std::fs::read_to_string(&env.config).unwrap();
    let mut document: serde_json::Value = serde_json::from_str(&text).unwrap();
    document["retry_settings"] = serde_json::json!({"total": 1, "backoff_factor": 2.2});
    std::fs::write(&env.config, document.to_string()).unwrap();

    let outcome = env.run(&["patient"]).expect_code(5);
    let lines: Vec<&str> = outcome.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", outcome.stderr);
    assert_eq!(
        lines[0],
        "bluebutton: retrying in 1.1 s (1/1): connection refused"
    );
    let last = lines[1];
    for part in [
        "could not connect",
        &format!("`base_url` is {base_url}"),
        &format!("(from config file {})", env.config.display()),
        "`bluebutton sandbox serve`",
    ] {
        assert!(last.contains(part), "{part:?} in {last}");
    }
    assert!(outcome.stdout.is_empty());
}
