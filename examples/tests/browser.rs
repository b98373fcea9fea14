//! The axum app in a real browser: headless Chromium, driven over WebDriver (chromedriver),
//! clicks through connect → the sandbox's consent page → data → disconnect.
//!
//! Needs `chromedriver` and `chromium` (Debian's `chromium-driver` and `chromium` packages;
//! `cargo xtask ci` installs them when it runs as root). Without them the test says so and
//! passes, except under `CI=true`, where it fails.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use bluebutton::{BlueButton, Config, MemoryStore, TokenStore};
use bluebutton_examples::axum_app::{CALLBACK_PATH, serve};
use bluebutton_sandbox::{ConsentMode, Sandbox};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// How long one page may take to show the element the test waits for (generous: CI shares
/// its cores; the wait ends as soon as the element is there).
const PAGE_WAIT: Duration = Duration::from_secs(120);

/// The chromedriver and browser binaries (`CHROMEDRIVER` / `CHROMIUM` override the paths).
fn binaries() -> Option<(PathBuf, PathBuf)> {
    let driver = std::env::var_os("CHROMEDRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromedriver"));
    let browser = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    (driver.exists() && browser.exists()).then_some((driver, browser))
}

/// A chromedriver process on a free port, ended when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    /// Starts chromedriver and waits for the line saying it listens.
    fn start(path: &Path) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut child = Command::new(path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("chromedriver starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let ready = lines
            .by_ref()
            .map_while(Result::ok)
            .any(|line| line.contains("started successfully"));
        assert!(ready, "chromedriver exited before it was ready");
        // Keep draining its output so it never blocks on a full pipe.
        std::thread::spawn(move || lines.map_while(Result::ok).for_each(drop));
        Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn browser(driver: &Driver, chromium: &Path) -> Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".to_owned(),
        json!({
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a WebDriver session")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_connects_consents_sees_the_data_and_disconnects() {
    let Some((driver_path, chromium)) = binaries() else {
        let message = "browser test needs /usr/bin/chromedriver and /usr/bin/chromium \
                       (apt-get install chromium chromium-driver; cargo xtask ci installs them as root)";
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{message}");
        }
        eprintln!("skipped: {message}");
        return;
    };

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let sandbox = Sandbox::builder()
        .beneficiaries(2)
        .claims_per_beneficiary(9)
        .consent(ConsentMode::ConsentPage)
        .redirect_uri(format!("{base}{CALLBACK_PATH}"))
        .start()
        .await
        .unwrap();
    let config = Config::builder()
        .client_id(sandbox.client_id())
        .client_secret(sandbox.client_secret())
        .callback_url(format!("{base}{CALLBACK_PATH}"))
        .base_url(sandbox.base_url().as_str())
        .build()
        .unwrap();
    let store = Arc::new(MemoryStore::new());
    let bb = BlueButton::builder(config)
        .token_store(store.clone())
        .build()
        .unwrap();
    tokio::spawn(serve(listener, bb));

    let driver = Driver::start(&driver_path);
    let client = browser(&driver, &chromium).await;
    let patient = sandbox.beneficiaries()[1].patient_id.clone();

    // Connect, from the HTML view.
    client.goto(&format!("{base}/app")).await.unwrap();
    client
        .wait()
        .at_most(PAGE_WAIT)
        .for_element(Locator::Id("connect"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    // The sandbox's consent page: log in as the second beneficiary and allow.
    let select = client
        .wait()
        .at_most(PAGE_WAIT)
        .for_element(Locator::Id("patient"))
        .await
        .unwrap();
    assert!(
        client
            .current_url()
            .await
            .unwrap()
            .as_str()
            .starts_with(sandbox.base_url().as_str())
    );
    select.select_by_value(&patient).await.unwrap();
    client
        .find(Locator::Css("button[name=allow]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    // Back in the app: that beneficiary's data.
    let disconnect = client
        .wait()
        .at_most(PAGE_WAIT)
        .for_element(Locator::Id("disconnect"))
        .await
        .unwrap();
    let page = client
        .find(Locator::Css("pre"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("Beneficiary {patient}")), "{page}");
    assert!(page.contains("Claims: 9"), "{page}");
    assert_eq!(store.keys().await.unwrap().len(), 1);

    // Disconnect: the token is revoked and forgotten.
    disconnect.click().await.unwrap();
    // The data page has no Connect link: its appearance means the answer has loaded.
    client
        .wait()
        .at_most(PAGE_WAIT)
        .for_element(Locator::Id("connect"))
        .await
        .unwrap();
    let heading = client
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(heading, "Disconnected");
    assert!(store.keys().await.unwrap().is_empty());

    // The view offers Connect again.
    client.goto(&format!("{base}/app")).await.unwrap();
    client
        .wait()
        .at_most(PAGE_WAIT)
        .for_element(Locator::Id("connect"))
        .await
        .unwrap();
    client.close().await.unwrap();
}
