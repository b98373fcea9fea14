//! The axum app driven by a plain HTTP client against the sandbox: `/` → Medicare (auto
//! approve) → callback → `/data`.

use bluebutton::{BlueButton, Config};
use bluebutton_examples::axum_app::{CALLBACK_PATH, serve};
use bluebutton_sandbox::{Approval, Sandbox, SandboxHandle};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

struct App {
    base: String,
    sandbox: SandboxHandle,
    http: reqwest::Client,
}

async fn start_app() -> App {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let sandbox = Sandbox::builder()
        .claims_per_beneficiary(17)
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
    tokio::spawn(serve(listener, BlueButton::new(config).unwrap()));
    // A plain client that does not follow redirects, so each hop is checked.
    let http = bluebutton_transport::client_builder()
        .unwrap()
        .build()
        .unwrap();
    App {
        base,
        sandbox,
        http,
    }
}

/// `/` then Medicare: returns the session cookie and the callback URL the browser lands on.
async fn login(app: &App) -> (String, String) {
    let home = app.http.get(format!("{}/", app.base)).send().await.unwrap();
    assert_eq!(home.status(), 303);
    let cookie = home.headers()[SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert!(
        home.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("HttpOnly")
    );
    let authorize = home.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(
        authorize.starts_with(app.sandbox.base_url().as_str()),
        "{authorize}"
    );
    let medicare = app.http.get(&authorize).send().await.unwrap();
    assert_eq!(medicare.status(), 302);
    let callback = medicare.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(
        callback.starts_with(&format!("{}{CALLBACK_PATH}", app.base)),
        "{callback}"
    );
    (cookie, callback)
}

#[tokio::test]
async fn login_callback_and_data_page() {
    let app = start_app().await;
    let (cookie, callback) = login(&app).await;
    let back = app
        .http
        .get(&callback)
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(back.status(), 303);
    assert_eq!(back.headers()[LOCATION], "/data");

    let data = app
        .http
        .get(format!("{}/data", app.base))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(data.status(), 200);
    let html = data.text().await.unwrap();
    let patient = &app.sandbox.beneficiaries()[0].patient_id;
    assert!(html.contains(&format!("Beneficiary {patient}")), "{html}");
    assert!(html.contains("Claims: 17"), "{html}");

    // The callback cannot be replayed, and another browser has no data.
    let replay = app
        .http
        .get(&callback)
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 400);
    let stranger = app
        .http
        .get(format!("{}/data", app.base))
        .header(COOKIE, "bb_session=other")
        .send()
        .await
        .unwrap();
    assert_eq!(stranger.status(), 303);
    assert_eq!(stranger.headers()[LOCATION], "/");
}

#[tokio::test]
async fn a_callback_from_another_session_is_refused() {
    let app = start_app().await;
    let (_, callback) = login(&app).await;
    let hijack = app
        .http
        .get(&callback)
        .header(COOKIE, "bb_session=attacker")
        .send()
        .await
        .unwrap();
    assert_eq!(hijack.status(), 400);
    assert_eq!(app.sandbox.counters().token_posts, 0);
}

#[tokio::test]
async fn a_denial_shows_a_page() {
    let app = start_app().await;
    app.sandbox.queue_approval(Approval::Deny);
    let (cookie, callback) = login(&app).await;
    let back = app
        .http
        .get(&callback)
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(back.status(), 403);
    assert!(back.text().await.unwrap().contains("Access denied"));
}
