//! The axum app driven by a plain HTTP client (no redirects followed, so each hop is checked)
//! against the in-process sandbox: the sample's `/` → Medicare → JSON callback, and the HTML
//! view's connect → consent page → data → disconnect.

use std::sync::Arc;

use bluebutton::{BlueButton, Config, MemoryStore, TokenStore};
use bluebutton_examples::axum_app::{CALLBACK_PATH, COOKIE as SESSION, find_config, serve};
use bluebutton_sandbox::{Approval, ConsentMode, Sandbox, SandboxBuilder, SandboxHandle};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use serde_json::Value;

struct App {
    base: String,
    sandbox: SandboxHandle,
    store: Arc<MemoryStore>,
    http: reqwest::Client,
}

async fn start_app(sandbox: SandboxBuilder) -> App {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let sandbox = sandbox
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
    let http = bluebutton_transport::client_builder()
        .unwrap()
        .build()
        .unwrap();
    App {
        base,
        sandbox,
        store,
        http,
    }
}

/// The `name=value` part of the session cookie a response sets, and the whole header.
fn session_cookie(response: &reqwest::Response) -> (String, String) {
    let header = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    let pair = header.split(';').next().unwrap().trim().to_owned();
    assert!(pair.starts_with(&format!("{SESSION}=")), "{header}");
    (pair, header)
}

impl App {
    async fn get(&self, url: &str, cookie: &str) -> reqwest::Response {
        self.http
            .get(url)
            .header(COOKIE, cookie)
            .send()
            .await
            .unwrap()
    }

    /// Medicare's authorize URL → the callback URL (auto-approval).
    async fn approve(&self, authorize: &str) -> String {
        assert!(
            authorize.starts_with(self.sandbox.base_url().as_str()),
            "{authorize}"
        );
        let medicare = self.http.get(authorize).send().await.unwrap();
        assert_eq!(medicare.status(), 302);
        let callback = medicare.headers()[LOCATION].to_str().unwrap().to_owned();
        assert!(
            callback.starts_with(&format!("{}{CALLBACK_PATH}", self.base)),
            "{callback}"
        );
        callback
    }

    /// The sample's `/`: returns the session cookie and the callback URL.
    async fn sample_login(&self) -> (String, String) {
        let home = self
            .http
            .get(format!("{}/", self.base))
            .send()
            .await
            .unwrap();
        assert_eq!(home.status(), 200);
        let (cookie, header) = session_cookie(&home);
        assert!(header.contains("HttpOnly"), "{header}");
        assert!(header.contains("SameSite=Lax"), "{header}");
        assert!(!header.contains("Secure"), "http app: {header}");
        let authorize = home.text().await.unwrap();
        let callback = self.approve(&authorize).await;
        (cookie, callback)
    }
}

#[tokio::test]
async fn root_gives_the_authorize_url_and_the_callback_answers_the_samples_json() {
    let app = start_app(Sandbox::builder().claims_per_beneficiary(60)).await;
    let (cookie, callback) = app.sample_login().await;
    let back = app.get(&callback, &cookie).await;
    assert_eq!(back.status(), 200);
    let data: Value = serde_json::from_str(&back.text().await.unwrap()).unwrap();
    let patient = &app.sandbox.beneficiaries()[0].patient_id;

    assert_eq!(data["eob_data"]["resourceType"], "Bundle");
    assert_eq!(data["eob_data"]["entry"].as_array().unwrap().len(), 50);
    let pages = data["eob_pages"].as_array().unwrap();
    assert_eq!(pages.len(), 2, "60 claims in pages of 50");
    let claims: usize = pages
        .iter()
        .map(|page| page["entry"].as_array().unwrap().len())
        .sum();
    assert_eq!(claims, 60);
    // The first page is the same search as `eob_data` (each answer has its own Bundle id).
    assert!(
        pages[0]["entry"] == data["eob_data"]["entry"],
        "eob_pages[0] and eob_data hold different claims"
    );
    assert_eq!(
        data["patient_data"]["entry"][0]["resource"]["id"],
        patient.as_str()
    );
    assert_eq!(data["coverage_data"]["resourceType"], "Bundle");
    assert!(
        !data["coverage_data"]["entry"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(data["profile_data"]["sub"], patient.as_str());

    // The callback cannot be replayed.
    assert_eq!(app.get(&callback, &cookie).await.status(), 400);
}

#[tokio::test]
async fn html_view_connect_consent_page_data_and_disconnect() {
    let app = start_app(
        Sandbox::builder()
            .beneficiaries(2)
            .claims_per_beneficiary(17)
            .consent(ConsentMode::ConsentPage),
    )
    .await;
    let view = app
        .http
        .get(format!("{}/app", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(view.status(), 200);
    assert!(view.text().await.unwrap().contains("href=\"/app/connect\""));

    // Connect: the app's redirect to Medicare, the consent page, Allow as the second beneficiary.
    let connect = app
        .http
        .get(format!("{}/app/connect", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(connect.status(), 303);
    let (cookie, _) = session_cookie(&connect);
    let authorize = connect.headers()[LOCATION].to_str().unwrap().to_owned();
    let to_consent = app.http.get(&authorize).send().await.unwrap();
    assert_eq!(to_consent.status(), 302);
    let consent_url = app
        .sandbox
        .base_url()
        .join(to_consent.headers()[LOCATION].to_str().unwrap())
        .unwrap();
    let consent = app.http.get(consent_url.as_str()).send().await.unwrap();
    assert_eq!(consent.status(), 200);
    assert!(consent.text().await.unwrap().contains("name=\"allow\""));
    let patient = app.sandbox.beneficiaries()[1].patient_id.clone();
    let decided = app
        .http
        .post(consent_url.as_str())
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(format!(
            "patient={patient}&share_demographic_scopes=True&allow=Allow"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(decided.status(), 302);
    let callback = decided.headers()[LOCATION].to_str().unwrap().to_owned();
    let back = app.get(&callback, &cookie).await;
    assert_eq!(back.status(), 303);
    assert_eq!(back.headers()[LOCATION], "/app");

    // Data: the chosen beneficiary's summary, with a Disconnect button.
    let data = app.get(&format!("{}/app", app.base), &cookie).await;
    assert_eq!(data.status(), 200);
    let html = data.text().await.unwrap();
    assert!(html.contains(&format!("Beneficiary {patient}")), "{html}");
    assert!(html.contains("Claims: 17"), "{html}");
    assert!(html.contains("action=\"/app/disconnect\""), "{html}");
    let session = cookie.split_once('=').unwrap().1;
    let token = app
        .store
        .load(session)
        .await
        .unwrap()
        .expect("stored token");

    // Another browser sees no data.
    let stranger = app
        .get(&format!("{}/app", app.base), &format!("{SESSION}=other"))
        .await;
    assert!(stranger.text().await.unwrap().contains("/app/connect"));

    // Disconnect: the token is revoked at Medicare and forgotten by the app.
    let disconnect = app
        .http
        .post(format!("{}/app/disconnect", app.base))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(disconnect.status(), 200);
    assert!(disconnect.text().await.unwrap().contains("Disconnected"));
    assert!(app.store.load(session).await.unwrap().is_none());
    let with_old_token = app
        .http
        .get(
            app.sandbox
                .base_url()
                .join("v2/fhir/Patient/")
                .unwrap()
                .as_str(),
        )
        .header(
            AUTHORIZATION,
            format!("Bearer {}", token.access_token().secret()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(with_old_token.status(), 401);
    let after = app.get(&format!("{}/app", app.base), &cookie).await;
    assert!(after.text().await.unwrap().contains("/app/connect"));
}

#[tokio::test]
async fn a_callback_from_another_session_is_refused() {
    let app = start_app(Sandbox::builder().claims_per_beneficiary(3)).await;
    let (_, callback) = app.sample_login().await;
    let hijack = app.get(&callback, &format!("{SESSION}=attacker")).await;
    assert_eq!(hijack.status(), 400);
    assert_eq!(app.sandbox.counters().token_posts, 0);
}

#[tokio::test]
async fn a_denial_shows_a_page() {
    let app = start_app(Sandbox::builder().claims_per_beneficiary(3)).await;
    app.sandbox.queue_approval(Approval::Deny);
    let (cookie, callback) = app.sample_login().await;
    let back = app.get(&callback, &cookie).await;
    assert_eq!(back.status(), 403);
    assert!(back.text().await.unwrap().contains("Access denied"));
}

#[tokio::test]
async fn the_session_cookie_is_secure_when_the_app_url_is_https() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let config = Config::builder()
        .client_id("id")
        .client_secret("secret")
        .callback_url(format!("https://app.example{CALLBACK_PATH}"))
        .build()
        .unwrap();
    tokio::spawn(serve(listener, BlueButton::new(config).unwrap()));
    let http = bluebutton_transport::client_builder()
        .unwrap()
        .build()
        .unwrap();
    let home = http.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(home.status(), 200);
    let (_, header) = session_cookie(&home);
    assert!(header.contains("Secure"), "{header}");
}

#[test]
fn an_invalid_config_is_an_error_and_only_no_config_at_all_means_the_sandbox() {
    let dir = tempfile::tempdir().unwrap();
    let none = find_config(dir.path(), Vec::new()).unwrap();
    assert!(none.is_none());
    // Variables other than BLUEBUTTON_* do not count.
    let unrelated = vec![("HOME".to_owned(), "/root".to_owned())];
    assert!(find_config(dir.path(), unrelated).unwrap().is_none());

    // An incomplete configuration in the environment alone is an error, not the sandbox.
    let partial = vec![("BLUEBUTTON_CLIENT_ID".to_owned(), "abc".to_owned())];
    assert!(find_config(dir.path(), partial).is_err());

    let file = dir.path().join(".bluebutton-config.json");
    std::fs::write(&file, r#"{"client_id": "abc", "client_secret": "#).unwrap();
    let err = find_config(dir.path(), Vec::new()).unwrap_err();
    assert!(err.to_string().contains(".bluebutton-config.json"), "{err}");

    std::fs::write(
        &file,
        r#"{"client_id": "abc", "client_secret": "xyz", "callback_url": "http://127.0.0.1:3001/api/bluebutton/callback/"}"#,
    )
    .unwrap();
    let config = find_config(dir.path(), Vec::new()).unwrap().unwrap();
    assert_eq!(config.callback_url().port(), Some(3001));
}
