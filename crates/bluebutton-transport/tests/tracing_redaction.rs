//! Captures everything traced (all levels, span opens and closes, and `log` records of the HTTP
//! stack) during requests that carry credentials and answers that echo them, and checks no
//! secret ever shows up.

mod common;

use std::io;
use std::sync::{Arc, Mutex};

use bluebutton_transport::Request;
use common::{paused_transport, retry, url};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::util::SubscriberInitExt as _;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "BEARER-SECRET-7f3a9c";
const REFRESH: &str = "REFRESH-SECRET-51bd02";
const CLIENT_SECRET: &str = "CLIENT-SECRET-e8c4";
const PATIENT: &str = "PATIENT-QUERY-VALUE-2014";

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl io::Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Buffer {
    type Writer = Buffer;
    fn make_writer(&'a self) -> Buffer {
        self.clone()
    }
}

#[tokio::test]
async fn secrets_never_reach_tracing_output_or_errors() {
    let buffer = Buffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(buffer.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::FULL)
        .with_ansi(false)
        .finish();
    // Global, with `log` records (reqwest logs through `log`) forwarded too; this binary has
    // no other test.
    subscriber.try_init().expect("first subscriber");

    let server = MockServer::start().await;
    Mock::given(path("/v2/fhir/Patient/"))
        .respond_with(
            ResponseTemplate::new(401)
                .insert_header(
                    "WWW-Authenticate",
                    r#"Bearer realm="api",error="invalid_token",error_description="The access token is invalid.""#,
                )
                .set_body_string(format!(r#"{{"detail":"Token {TOKEN} is not valid."}}"#)),
        )
        .mount(&server)
        .await;
    Mock::given(path("/v2/o/token/"))
        .respond_with(ResponseTemplate::new(400).set_body_string(format!(
            r#"{{"error":"invalid_grant","error_description":"Refresh token {REFRESH} was already used."}}"#
        )))
        .mount(&server)
        .await;
    Mock::given(path("/v2/fhir/ExplanationOfBenefit/"))
        .respond_with(ResponseTemplate::new(503).set_body_string(format!("down for {TOKEN}")))
        .mount(&server)
        .await;
    let transport = paused_transport(&server.uri(), retry(2, 0));

    let unauthorized = transport
        .send(
            Request::get(url(
                &server.uri(),
                &format!("/v2/fhir/Patient/?_id={PATIENT}"),
            ))
            .bearer(TOKEN),
        )
        .await
        .unwrap_err();
    assert!(unauthorized.is_invalid_token());
    let refresh = transport
        .send(
            Request::post_form(
                url(&server.uri(), "/v2/o/token/"),
                vec![
                    ("grant_type".into(), "refresh_token".into()),
                    ("refresh_token".into(), REFRESH.into()),
                ],
            )
            .basic_auth("client-id", CLIENT_SECRET),
        )
        .await
        .unwrap_err();
    let retried = transport
        .send(
            Request::get(url(
                &server.uri(),
                &format!("/v2/fhir/ExplanationOfBenefit/?patient={PATIENT}"),
            ))
            .bearer(TOKEN),
        )
        .await
        .unwrap_err();
    assert_eq!(retried.attempts(), Some(3));

    let output = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    // Something was traced: spans with method, path, status and attempts, and the retries.
    assert!(output.contains("bluebutton_request"), "{output}");
    assert!(output.contains("path=\"/v2/fhir/Patient/\""), "{output}");
    assert!(output.contains("status=401"), "{output}");
    assert!(output.contains("attempts=3"), "{output}");
    assert!(output.contains("retrying"), "{output}");

    let errors = [&unauthorized, &refresh, &retried]
        .iter()
        .map(|e| format!("{e}\n{e:?}"))
        .collect::<Vec<_>>()
        .join("\n");
    for secret in [TOKEN, REFRESH, CLIENT_SECRET, PATIENT] {
        assert!(
            !output.contains(secret),
            "{secret} in tracing output:\n{output}"
        );
        assert!(!errors.contains(secret), "{secret} in errors:\n{errors}");
    }
    // Echoed credentials are replaced in the parsed body.
    assert!(
        unauthorized
            .to_string()
            .contains("Token [redacted] is not valid.")
    );
    assert!(
        refresh
            .to_string()
            .contains("Refresh token [redacted] was already used.")
    );
}
