//! The quickstart runs end to end: with the embedded sandbox, and "against a configured
//! environment" (a sandbox standing in for it, with a simulated browser hitting the callback
//! listener).

use bluebutton::Config;
use bluebutton_examples::quickstart::{self, Target};
use bluebutton_sandbox::Sandbox;
use bluebutton_transport::{Request, Transport};

#[tokio::test]
async fn quickstart_with_the_embedded_sandbox() {
    let mut out = Vec::new();
    let summary = quickstart::run_sandbox(&mut out).await.unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(summary.total_claims(), 52);
    assert_eq!(summary.pages, 2);
    assert!(summary.demographics);
    assert!(summary.name.is_some());
    assert_eq!(summary.coverage.len(), 4);
    assert!(summary.total_paid_cents() > 0);
    assert!(summary.first_service <= summary.last_service);
    for expected in [
        "1. authorize",
        "2. consent",
        "3. exchange",
        "4. fetch",
        "Claims: 52 in 2 pages",
        "total",
        "Service dates:",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    // The authorize URL's state and challenge are never printed.
    assert!(!text.contains("state="));
    assert!(!text.contains("code_challenge="));
}

#[tokio::test]
async fn quickstart_against_a_configured_environment_receives_the_redirect() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let callback = format!(
        "http://127.0.0.1:{}/callback",
        listener.local_addr().unwrap().port()
    );
    let sandbox = Sandbox::builder()
        .claims_per_beneficiary(12)
        .redirect_uri(callback.clone())
        .start()
        .await
        .unwrap();
    let config = Config::builder()
        .client_id(sandbox.client_id())
        .client_secret(sandbox.client_secret())
        .callback_url(callback)
        .base_url(sandbox.base_url().as_str())
        .build()
        .unwrap();
    let browser = Transport::new(&config).unwrap();
    let mut out = Vec::new();
    let summary = quickstart::run_configured(config, listener, &mut out, |authorize| {
        // The "browser": follow the authorize redirect to the callback listener.
        let authorize = authorize.clone();
        tokio::spawn(async move {
            let response = browser.send_raw(Request::get(authorize)).await.unwrap();
            let location = response.headers()[http::header::LOCATION].to_str().unwrap();
            let landing = browser
                .send_raw(Request::get(url::Url::parse(location).unwrap()))
                .await
                .unwrap();
            assert_eq!(landing.status(), 200);
        });
    })
    .await
    .unwrap();
    assert_eq!(summary.total_claims(), 12);
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("waiting for the redirect"), "{text}");
}

#[test]
fn arguments() {
    assert!(
        quickstart::target_from_args(["--help".to_owned()])
            .unwrap()
            .is_none()
    );
    assert!(quickstart::target_from_args(["--bogus".to_owned()]).is_err());
    assert!(quickstart::target_from_args(["--config".to_owned()]).is_err());
    let error =
        quickstart::target_from_args(["--config".to_owned(), "/nonexistent/bb.json".to_owned()])
            .unwrap_err();
    assert!(error.to_string().contains("bb.json"), "{error}");

    let dir = tempfile_dir();
    let file = dir.join("bb.json");
    std::fs::write(&file, r#"{"client_id": "id", "client_secret": "s", "callback_url": "http://localhost:8080/cb", "environment": "SANDBOX"}"#).unwrap();
    let target =
        quickstart::target_from_args(["--config".to_owned(), file.display().to_string()]).unwrap();
    let Some(Target::Configured(config)) = target else {
        panic!("{target:?}")
    };
    assert_eq!(config.client_id(), "id");
    std::fs::remove_dir_all(dir).unwrap();
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("bb-quickstart-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn the_example_main_succeeds_without_configuration() {
    if std::env::vars_os().any(|(k, _)| k.to_string_lossy().starts_with("BLUEBUTTON_")) {
        println!("skipped: BLUEBUTTON_* variables are set, so the quickstart would use them");
        return;
    }
    let code = quickstart::main(Vec::<String>::new()).await;
    assert_eq!(code, std::process::ExitCode::SUCCESS);
    let code = quickstart::main(["--bogus".to_owned()]).await;
    assert_eq!(code, std::process::ExitCode::FAILURE);
}
