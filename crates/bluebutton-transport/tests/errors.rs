//! Every error shape the server uses, parsed into `ErrorBody`, and the one-line messages of
//! every error (insta snapshots).

mod common;

use std::fmt::Write as _;

use bluebutton_transport::{ErrorBody, Request, TransportError};
use common::{paused_builder, paused_transport, retry, url};
use http::{HeaderName, HeaderValue, StatusCode};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// One mocked error response per path.
async fn server() -> MockServer {
    let server = MockServer::start().await;
    let json = |status: u16, body: &str| {
        ResponseTemplate::new(status)
            .insert_header("content-type", "application/json")
            .set_body_string(body.to_owned())
    };
    let mocks = [
        (
            "/v2/fhir/Patient/",
            json(401, r#"{"detail":"Authentication credentials were not provided."}"#)
                .insert_header("WWW-Authenticate", r#"Bearer realm="api""#),
        ),
        (
            "/v2/fhir/ExplanationOfBenefit/",
            json(401, r#"{"detail":"Authentication credentials were not provided."}"#).insert_header(
                "WWW-Authenticate",
                r#"Bearer realm="api",error="invalid_token",error_description="The access token has expired.""#,
            ),
        ),
        (
            "/v2/fhir/Coverage/",
            json(403, r#"{"detail":"You do not have permission to perform this action."}"#),
        ),
        (
            "/v2/o/token/",
            json(400, r#"{"error":"invalid_grant","error_description":"Invalid refresh token."}"#),
        ),
        (
            "/v2/o/introspect/",
            json(
                400,
                r#"{"status_code":400,"error":"invalid_request","error_description":"Missing token."}"#,
            ),
        ),
        (
            "/v2/o/authorize/",
            json(403, r#"{"status_code":403,"message":"Access denied by the beneficiary."}"#),
        ),
        (
            "/v3/fhir/Patient/-1",
            ResponseTemplate::new(404)
                .insert_header("content-type", "application/fhir+json")
                .set_body_string(
                    r#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found","diagnostics":"Resource Patient/-1 is not known"}]}"#,
                ),
        ),
        (
            "/html",
            ResponseTemplate::new(404)
                .insert_header("content-type", "text/html; charset=utf-8")
                .set_body_string(format!(
                    "<!DOCTYPE html>\n<html><head><title>Page not found</title></head><body>{}</body></html>",
                    "x".repeat(10_000)
                )),
        ),
        ("/text", ResponseTemplate::new(400).set_body_string("Bad Request\n(invalid host)")),
        ("/empty", ResponseTemplate::new(405)),
        ("/server-error", json(500, r#"{"error": "Server Error (500)"}"#)),
        ("/json", json(418, r#"{"unexpected":["shape"]}"#)),
    ];
    for (p, template) in mocks {
        Mock::given(path(p))
            .respond_with(template)
            .mount(&server)
            .await;
    }
    server
}

async fn status_error(server: &MockServer, p: &str) -> TransportError {
    paused_transport(&server.uri(), retry(1, 0))
        .send(Request::get(url(&server.uri(), p)))
        .await
        .unwrap_err()
}

#[tokio::test]
async fn each_error_shape_is_parsed() {
    let server = server().await;

    let no_token = status_error(&server, "/v2/fhir/Patient/").await;
    assert!(!no_token.is_invalid_token());
    assert_eq!(
        no_token.www_authenticate().unwrap().realm.as_deref(),
        Some("api")
    );

    let expired = status_error(&server, "/v2/fhir/ExplanationOfBenefit/").await;
    assert!(expired.is_invalid_token());
    assert_eq!(
        expired.body(),
        Some(&ErrorBody::Detail {
            detail: "Authentication credentials were not provided.".into()
        })
    );

    let forbidden = status_error(&server, "/v2/fhir/Coverage/").await;
    assert!(!forbidden.is_invalid_token());
    assert_eq!(forbidden.status(), Some(StatusCode::FORBIDDEN));

    let oauth = status_error(&server, "/v2/o/token/").await;
    assert_eq!(oauth.body().unwrap().oauth_error(), Some("invalid_grant"));

    let with_code = status_error(&server, "/v2/o/introspect/").await;
    assert!(matches!(
        with_code.body(),
        Some(ErrorBody::OAuth {
            status_code: Some(400),
            ..
        })
    ));

    let message = status_error(&server, "/v2/o/authorize/").await;
    assert!(matches!(
        message.body(),
        Some(ErrorBody::Message {
            status_code: 403,
            ..
        })
    ));

    let outcome = status_error(&server, "/v3/fhir/Patient/-1").await;
    let issue = outcome.body().unwrap().first_issue().unwrap();
    assert_eq!(issue.code, Some("not-found"));
    assert_eq!(issue.diagnostics, Some("Resource Patient/-1 is not known"));

    let html = status_error(&server, "/html").await;
    let Some(ErrorBody::Html(page)) = html.body() else {
        panic!("{html:?}");
    };
    assert_eq!(page.len(), bluebutton_transport::MAX_TEXT_BYTES);

    assert!(matches!(
        status_error(&server, "/text").await.body(),
        Some(ErrorBody::Text(_))
    ));
    assert_eq!(
        status_error(&server, "/empty").await.body(),
        Some(&ErrorBody::Empty)
    );
    assert!(matches!(
        status_error(&server, "/json").await.body(),
        Some(ErrorBody::Json(_))
    ));
}

#[tokio::test(start_paused = true)]
async fn error_messages() {
    let server = server().await;
    let mut out = String::new();
    for p in [
        "/v2/fhir/Patient/",
        "/v2/fhir/ExplanationOfBenefit/",
        "/v2/fhir/Coverage/",
        "/v2/o/token/",
        "/v2/o/introspect/",
        "/v2/o/authorize/",
        "/v3/fhir/Patient/-1",
        "/html",
        "/text",
        "/empty",
        "/json",
    ] {
        let error = status_error(&server, p).await;
        writeln!(out, "{error}").unwrap();
    }
    // Retried until exhausted: the message says how many attempts.
    let error = status_error(&server, "/server-error?patient=-20140000008325&_count=5").await;
    let TransportError::Status { url: failed, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(failed.query(), Some("patient=&_count="));
    writeln!(out, "{error}").unwrap();

    let transport = paused_transport(&server.uri(), retry(0, 0));
    let other = "https://evil.example:8443/v2/fhir/Patient/?_id=1";
    let refused = transport
        .send(Request::get(other.parse().unwrap()).bearer("secret-token"))
        .await
        .unwrap_err();
    // The allowed origin has the mock server's random port: show a fixed one.
    let refused = refused
        .to_string()
        .replace(&server.uri(), "http://127.0.0.1:PORT");
    writeln!(out, "{refused}").unwrap();
    let in_query = transport
        .send(Request::get(url(
            &server.uri(),
            "/v2/fhir/Patient/?access_token=secret-token",
        )))
        .await
        .unwrap_err();
    writeln!(out, "{in_query}").unwrap();
    let bad_header = transport
        .send(Request::get(url(&server.uri(), "/x")).bearer("secret\r\ntoken"))
        .await
        .unwrap_err();
    writeln!(out, "{bad_header}").unwrap();
    let bad_scheme = transport
        .send(Request::get("ftp://example.org/file".parse().unwrap()))
        .await
        .unwrap_err();
    writeln!(out, "{bad_scheme}").unwrap();

    let too_large = paused_builder(&server.uri(), retry(0, 0))
        .max_response_bytes(100)
        .build()
        .unwrap()
        .send(Request::get(url(&server.uri(), "/html")))
        .await
        .unwrap_err();
    writeln!(out, "{too_large}").unwrap();

    Mock::given(path("/ok"))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"entry":[{"id":"a"}]}"#))
        .mount(&server)
        .await;
    #[derive(Debug, serde::Deserialize)]
    struct Bundle {
        #[allow(dead_code)]
        entry: Vec<Entry>,
    }
    #[derive(Debug, serde::Deserialize)]
    struct Entry {
        #[allow(dead_code)]
        id: u32,
    }
    let decode = transport
        .send(Request::get(url(&server.uri(), "/ok?patient=x")))
        .await
        .unwrap()
        .json::<Bundle>()
        .unwrap_err();
    writeln!(out, "{decode}").unwrap();

    let bad_suffix = paused_builder(&server.uri(), retry(0, 0))
        .user_agent_suffix("bad\nsuffix")
        .build()
        .unwrap_err();
    writeln!(out, "{bad_suffix}").unwrap();
    let content_type = transport
        .send(Request::new(http::Method::PUT, url(&server.uri(), "/x")).body("bad\n", vec![]))
        .await
        .unwrap_err();
    writeln!(out, "{content_type}").unwrap();

    for line in out.lines() {
        assert!(!line.contains("secret"), "{line}");
        assert!(!line.contains("-20140000008325"), "{line}");
    }
    insta::assert_snapshot!(out);
}

#[tokio::test(start_paused = true)]
async fn connect_error_message() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let error = paused_transport(&base, retry(1, 0))
        .send(Request::get(url(&base, "/v2/fhir/Patient/?_id=-1")))
        .await
        .unwrap_err();
    insta::assert_snapshot!(error.to_string().replace(&base, "http://127.0.0.1:PORT"));
    // The source chain is kept.
    assert!(std::error::Error::source(&error).is_some());
}

#[tokio::test]
async fn user_header_does_not_unpin_but_pins() {
    let server = server().await;
    let transport = paused_transport(&server.uri(), retry(0, 0));
    let error = transport
        .send(
            Request::get("http://localhost:1/x".parse().unwrap()).header(
                HeaderName::from_static("authorization"),
                HeaderValue::from_static("Token abc"),
            ),
        )
        .await
        .unwrap_err();
    assert!(matches!(error, TransportError::OriginNotAllowed { .. }));
}
