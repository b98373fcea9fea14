//! Secrets are redacted everywhere. A whole flow against the
//! sandbox (authorize, exchange, searches, userinfo, refresh after a 401, introspect, revoke,
//! errors) runs under a global subscriber that captures every event and span of every level
//! (and the HTTP stack's `log` records); then every secret seen in the flow is searched for in
//! that output and in the `Debug` / `Display` of every public type that holds one.
//!
//! Its own test binary: the subscriber is process-wide.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bluebutton::{BlueButton, MemoryStore, TokenStore};
use bluebutton_auth::{AuthClient, AuthRequest, CallbackQuery, TokenManager, TokenRef};
use bluebutton_reliability::capture::Captured;
use bluebutton_reliability::sandbox as sb;
use bluebutton_sandbox::Sandbox;
use bluebutton_transport::{Request, Transport};
use futures_util::TryStreamExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const CLIENT_SECRET: &str = "CLIENT-SECRET-redaction-4f2a9e";

/// Every `(what, rendering)` pair must be free of every secret.
fn assert_clean(renderings: &[(String, String)], secrets: &BTreeSet<String>) -> usize {
    let mut checked = 0;
    for (what, text) in renderings {
        for secret in secrets {
            assert!(
                !text.contains(secret.as_str()),
                "{what} shows a secret ({}...): {text}",
                &secret[..6.min(secret.len())]
            );
            checked += 1;
        }
    }
    checked
}

#[tokio::test]
async fn secrets_redacted_everywhere() {
    let captured = Captured::default();
    captured
        .subscriber()
        .try_init()
        .expect("the only subscriber of this binary");

    let sandbox = Sandbox::builder()
        .client_secret(CLIENT_SECRET)
        .claims_per_beneficiary(25)
        .start()
        .await
        .expect("sandbox");
    let config = sb::config(&sandbox).build().expect("config");
    let issued: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let store = Arc::new(MemoryStore::new());
    let bb = BlueButton::builder(config.clone())
        .token_store(store.clone() as Arc<dyn TokenStore>)
        .token_manager({
            let issued = issued.clone();
            move |tokens| {
                tokens.on_token_issued(move |_key, token| {
                    issued.lock().unwrap().push((
                        token.access_token().secret().clone(),
                        token
                            .refresh_token()
                            .map(|r| r.secret().clone())
                            .unwrap_or_default(),
                    ));
                })
            }
        })
        .build()
        .expect("client");

    let mut secrets = BTreeSet::from([CLIENT_SECRET.to_owned()]);
    let mut renderings: Vec<(String, String)> = Vec::new();
    let mut render = |what: &str, debug: String| renderings.push((what.to_owned(), debug));

    // Connect.
    let request = bb.new_auth_request();
    secrets.insert(request.state().secret().clone());
    secrets.insert(request.code_verifier().secret().clone());
    render("AuthRequest", format!("{request:?}"));
    render("PkceCodeVerifier", format!("{:?}", request.code_verifier()));
    render("CsrfToken", format!("{:?}", request.state()));
    let query = sb::authorize(bb.transport(), bb.authorize_url(&request)).await;
    let callback = CallbackQuery::parse(&query).expect("callback");
    let code = callback.code().expect("code");
    secrets.insert(code.secret().clone());
    render("CallbackQuery", format!("{callback:?}"));
    render("AuthorizationCode", format!("{code:?}"));
    let replay_session = serde_json::to_string(&request).unwrap();
    let beneficiary = bb.exchange_code(request, &query).await.expect("exchange");
    // A replayed exchange: an error that carries the code's context.
    let replayed: AuthRequest = serde_json::from_str(&replay_session).unwrap();
    let err = bb.exchange_code(replayed, &query).await.expect_err("spent");
    render("Error (replayed code)", format!("{err:?} / {err}"));

    // Use it: searches, a read, userinfo.
    let eobs: Vec<_> = beneficiary
        .explanation_of_benefit()
        .page_size(10)
        .resources::<bluebutton::ExplanationOfBenefit>()
        .try_collect()
        .await
        .expect("EOBs");
    assert_eq!(eobs.len(), 25);
    beneficiary
        .coverage()
        .first::<bluebutton::Bundle>()
        .await
        .expect("coverage");
    beneficiary
        .patient()
        .first::<bluebutton::Bundle>()
        .await
        .expect("patient");
    beneficiary
        .userinfo::<bluebutton::UserInfo>()
        .await
        .expect("userinfo");
    // Server-side expiry: a 401, then refresh and replay.
    sandbox.advance_clock(Duration::from_secs(3601));
    beneficiary
        .coverage()
        .first::<bluebutton::Bundle>()
        .await
        .expect("after refresh");
    beneficiary.refresh().await.expect("forced refresh");
    let token = beneficiary.token().await.expect("token");
    render("AuthorizationToken", format!("{token:?}"));
    render("AccessToken", format!("{:?}", token.access_token()));
    render(
        "RefreshToken",
        format!("{:?}", token.refresh_token().expect("refresh token")),
    );
    render(
        "TokenRef",
        format!("{:?}", TokenRef::Access(token.access_token())),
    );
    beneficiary.introspect().await.expect("introspect");
    // Stale refresh: the first token's refresh token after rotation.
    let first = issued.lock().unwrap()[0].clone();
    let stale = bluebutton_reliability::tokens::stored(
        &first.0,
        &first.1,
        "-19990000000001",
        "openid",
        time::OffsetDateTime::now_utc(),
    );
    let err = bb.refresh(&stale).await.expect_err("rotated away");
    render("Error (stale refresh)", format!("{err:?} / {err}"));
    // Disconnect; then the handle fails without a token.
    beneficiary.revoke().await.expect("revoke");
    let err = beneficiary
        .coverage()
        .first::<bluebutton::Bundle>()
        .await
        .expect_err("revoked");
    render("Error (after revoke)", format!("{err:?} / {err}"));

    // Lower layers and the client types.
    let transport = Transport::new(&config).unwrap();
    let auth = AuthClient::new(&config, transport.clone());
    let manager = TokenManager::new(auth.clone(), store.clone() as Arc<dyn TokenStore>);
    let bearer = Request::get(config.endpoints().fhir_base.clone()).bearer(&first.0);
    render("Request (bearer)", format!("{bearer:?}"));
    let basic = Request::get(config.endpoints().token.clone()).basic_auth("id", CLIENT_SECRET);
    render("Request (basic)", format!("{basic:?}"));
    let form = Request::post_form(
        config.endpoints().token.clone(),
        vec![("refresh_token".into(), first.1.clone())],
    );
    render("Request (form)", format!("{form:?}"));
    let response = transport
        .send(bearer)
        .await
        .expect_err("a revoked token is refused");
    render("TransportError (401)", format!("{response:?} / {response}"));
    render("Config", format!("{config:?}"));
    render(
        "ClientSecret",
        format!("{:?} / {}", config.client_secret(), config.client_secret()),
    );
    render("Transport", format!("{transport:?}"));
    render("AuthClient", format!("{auth:?}"));
    render("TokenManager", format!("{manager:?}"));
    render("BlueButton", format!("{bb:?}"));
    render("Beneficiary", format!("{beneficiary:?}"));
    render("MemoryStore", format!("{store:?}"));

    for (access, refresh) in issued.lock().unwrap().iter() {
        secrets.insert(access.clone());
        secrets.insert(refresh.clone());
    }
    let tokens_seen = issued.lock().unwrap().len();
    assert!(tokens_seen >= 3, "exchange + 2 refreshes");
    let rendered = assert_clean(&renderings, &secrets);
    let text = captured.text();
    let traced = assert_clean(&[("tracing output".to_owned(), text.clone())], &secrets);
    assert!(captured.lines() > 100, "the capture works");
    assert!(
        text.contains("bluebutton_request"),
        "transport spans captured"
    );
    println!(
        "{} secrets (client secret, state, verifier, code, {tokens_seen} token pairs) \
         searched in {} Debug/Display renderings of {} public types and errors ({rendered} \
         comparisons) and in {} lines of TRACE output ({traced} comparisons): none found. \
         Serialize of AuthorizationToken/AuthRequest writes secrets by design (storage/session \
         format)",
        secrets.len(),
        renderings.len(),
        renderings.len(),
        captured.lines()
    );
}

#[tokio::test]
async fn error_bodies_echoing_a_secret_are_scrubbed() {
    // A server (or a proxy) that reflects what it received into its error reply: the SDK's
    // error must not carry the secret on.
    let server = MockServer::start().await;
    let refresh = "REFRESH-echoed-1c9b7e";
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "error": "invalid_request",
            "error_description": format!("refresh_token {refresh} is malformed"),
        })))
        .mount(&server)
        .await;
    let config = bluebutton_config::Config::builder()
        .client_id("id")
        .client_secret(CLIENT_SECRET)
        .callback_url("http://localhost:3000/callback")
        .base_url(server.uri())
        .build()
        .unwrap();
    let auth = AuthClient::new(&config, Transport::new(&config).unwrap());
    let token = bluebutton_reliability::tokens::stored(
        "ACCESS-echo",
        refresh,
        "-1",
        "openid",
        time::OffsetDateTime::now_utc(),
    );
    let err = auth.refresh(&token).await.expect_err("400");
    let shown = format!("{err:?} / {err}");
    assert!(
        !shown.contains(refresh),
        "an error reply echoing the refresh token leaks it into AuthError: {shown}"
    );
}
