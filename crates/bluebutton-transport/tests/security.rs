//! Origin pinning, tokens in queries, per-request headers (no cross-request leaks), redirects,
//! gzip and the response size limit.

mod common;

use std::io::Write as _;

use bluebutton_transport::{Request, SDK_VERSION, TransportError};
use common::{paused_builder, paused_transport, retry, url};
use http::header::{ACCEPT, AUTHORIZATION};
use http::{HeaderValue, StatusCode};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn ok_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&server)
        .await;
    server
}

async fn received(server: &MockServer) -> Vec<wiremock::Request> {
    server.received_requests().await.expect("recording")
}

#[tokio::test]
async fn credentials_only_go_to_the_configured_origin() {
    let home = ok_server().await;
    let other = ok_server().await;
    let transport = paused_transport(&home.uri(), retry(3, 0));
    let elsewhere = url(&other.uri(), "/v2/fhir/Patient/");

    let bearer = transport
        .send(Request::get(elsewhere.clone()).bearer("token-a"))
        .await
        .unwrap_err();
    let TransportError::OriginNotAllowed {
        allowed,
        url: refused,
        ..
    } = &bearer
    else {
        panic!("{bearer:?}");
    };
    assert_eq!(allowed, &home.uri());
    assert_eq!(refused.as_str(), elsewhere.as_str());
    let basic = transport
        .send(Request::post_form(elsewhere.clone(), vec![]).basic_auth("id", "secret"))
        .await
        .unwrap_err();
    assert!(matches!(basic, TransportError::OriginNotAllowed { .. }));
    // Same host, other scheme: another origin too.
    let https = home.uri().replace("http://", "https://");
    let scheme = transport
        .send(Request::get(url(&https, "/x")).bearer("token-a"))
        .await
        .unwrap_err();
    assert!(matches!(scheme, TransportError::OriginNotAllowed { .. }));
    assert!(received(&other).await.is_empty());
    assert!(received(&home).await.is_empty());

    // Without credentials another origin is fine, and the home origin takes credentials.
    transport.send(Request::get(elsewhere)).await.unwrap();
    transport
        .send(Request::get(url(&home.uri(), "/v2/fhir/Patient/")).bearer("token-a"))
        .await
        .unwrap();
    assert_eq!(received(&other).await.len(), 1);
    assert!(
        !received(&other).await[0]
            .headers
            .contains_key(AUTHORIZATION)
    );
    assert_eq!(received(&home).await.len(), 1);
}

#[tokio::test]
async fn access_token_in_query_is_refused() {
    let server = ok_server().await;
    let transport = paused_transport(&server.uri(), retry(0, 0));
    let error = transport
        .send(Request::get(url(
            &server.uri(),
            "/v2/fhir/Patient/?_count=1&access_token=abc",
        )))
        .await
        .unwrap_err();
    let TransportError::TokenInQuery { url: refused, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(refused.query(), Some("_count=&access_token="));
    assert!(received(&server).await.is_empty());
}

#[tokio::test]
async fn sdk_headers_are_sent_and_accept_is_overridable() {
    let server = ok_server().await;
    let transport = paused_transport(&server.uri(), retry(0, 0));
    transport
        .send(Request::get(url(&server.uri(), "/v2/fhir/Patient/")))
        .await
        .unwrap();
    transport
        .send(
            Request::get(url(&server.uri(), "/v2/connect/userinfo"))
                .header(ACCEPT, HeaderValue::from_static("application/json")),
        )
        .await
        .unwrap();
    let requests = received(&server).await;
    let header = |i: usize, name: &str| {
        let values: Vec<&str> = requests[i]
            .headers
            .get_all(name)
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        values.join(" | ")
    };
    assert_eq!(
        header(0, "user-agent"),
        format!("bluebutton-rs/{SDK_VERSION}")
    );
    assert_eq!(header(0, "x-bluebutton-sdk"), "rust");
    assert_eq!(header(0, "x-bluebutton-sdk-version"), SDK_VERSION);
    assert_eq!(header(0, "accept"), "application/fhir+json");
    assert!(header(0, "accept-encoding").contains("gzip"));
    assert_eq!(header(0, "authorization"), "");
    assert_eq!(header(1, "accept"), "application/json");
    assert_eq!(header(1, "x-bluebutton-sdk"), "rust");

    let suffixed = paused_builder(&server.uri(), retry(0, 0))
        .user_agent_suffix("my-app/2.0")
        .build()
        .unwrap();
    suffixed
        .send(Request::get(url(&server.uri(), "/x")))
        .await
        .unwrap();
    let requests = received(&server).await;
    assert_eq!(
        requests[2].headers["user-agent"],
        format!("bluebutton-rs/{SDK_VERSION} my-app/2.0").as_str()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_only_carry_their_own_token() {
    let server = ok_server().await;
    let transport = paused_transport(&server.uri(), retry(0, 0));
    let mut tasks = Vec::new();
    for i in 0..20 {
        let transport = transport.clone();
        let target = url(&server.uri(), &format!("/v2/fhir/Patient/user-{i}"));
        tasks.push(tokio::spawn(async move {
            transport
                .send(Request::get(target).bearer(&format!("token-{i}")))
                .await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    // The Python SDK's global header dict leaked the last bearer token into token POSTs.
    transport
        .send(Request::post_form(
            url(&server.uri(), "/v2/o/token/"),
            vec![("grant_type".into(), "authorization_code".into())],
        ))
        .await
        .unwrap();
    let requests = received(&server).await;
    assert_eq!(requests.len(), 21);
    for request in &requests {
        let auth: Vec<&HeaderValue> = request.headers.get_all(AUTHORIZATION).iter().collect();
        match request.url.path().strip_prefix("/v2/fhir/Patient/user-") {
            Some(i) => assert_eq!(auth, [&format!("Bearer token-{i}")]),
            None => {
                assert_eq!(request.url.path(), "/v2/o/token/");
                assert!(auth.is_empty(), "{auth:?}");
                assert!(
                    request
                        .headers
                        .get("content-type")
                        .unwrap()
                        .to_str()
                        .unwrap()
                        .starts_with("application/x-www-form-urlencoded")
                );
            }
        }
    }
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let target = ok_server().await;
    let server = MockServer::start().await;
    Mock::given(path("/v2/o/authorize"))
        .respond_with(
            ResponseTemplate::new(301)
                .insert_header("Location", url(&target.uri(), "/v2/o/authorize/").as_str()),
        )
        .mount(&server)
        .await;
    let transport = paused_transport(&server.uri(), retry(0, 0));
    let response = transport
        .send_raw(Request::get(url(&server.uri(), "/v2/o/authorize")).bearer("t"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::MOVED_PERMANENTLY);
    assert!(received(&target).await.is_empty());
    let error = transport
        .send(Request::get(url(&server.uri(), "/v2/o/authorize")))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::MOVED_PERMANENTLY));
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

#[tokio::test]
async fn large_bodies_arriving_in_many_chunks_are_read_byte_exact() {
    // 3 MiB of varied text: loopback delivers it in many chunks, plain (sized from
    // Content-Length) and gzip-encoded (no length known after decompression).
    let document: Vec<u8> = (0..3 * 1024 * 1024u32)
        .map(|i| {
            b"abcdefghijklmnopqrstuvwxyz{}[],:0123456789"
                [(i.wrapping_mul(2_654_435_761) >> 26) as usize % 42]
        })
        .collect();
    let server = MockServer::start().await;
    Mock::given(path("/plain"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(document.clone()))
        .mount(&server)
        .await;
    Mock::given(path("/gzip"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-encoding", "gzip")
                .set_body_bytes(gzip(&document)),
        )
        .mount(&server)
        .await;
    let transport = paused_transport(&server.uri(), retry(0, 0));
    for name in ["/plain", "/gzip"] {
        let response = transport
            .send(Request::get(url(&server.uri(), name)))
            .await
            .unwrap();
        assert_eq!(response.body().len(), document.len(), "{name}");
        assert!(response.body().as_ref() == document.as_slice(), "{name}");
    }
}

#[tokio::test]
async fn gzip_bodies_are_decompressed_and_capped_while_reading() {
    let server = MockServer::start().await;
    let document = br#"{"resourceType":"Bundle","total":0}"#;
    Mock::given(path("/small"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-encoding", "gzip")
                .set_body_bytes(gzip(document)),
        )
        .mount(&server)
        .await;
    // 8 MiB of zeros compress to a few KiB: only the incremental read can stop it.
    let bomb = gzip(&vec![b' '; 8 * 1024 * 1024]);
    assert!(bomb.len() < 64 * 1024);
    Mock::given(path("/bomb"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-encoding", "gzip")
                .set_body_bytes(bomb),
        )
        .mount(&server)
        .await;
    Mock::given(path("/plain"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![b'a'; 2048]))
        .mount(&server)
        .await;
    let transport = paused_builder(&server.uri(), retry(3, 0))
        .max_response_bytes(1024 * 1024)
        .build()
        .unwrap();

    let small = transport
        .send(Request::get(url(&server.uri(), "/small")))
        .await
        .unwrap();
    assert_eq!(small.body().as_ref(), document);

    let error = transport
        .send(Request::get(url(&server.uri(), "/bomb")))
        .await
        .unwrap_err();
    assert!(
        matches!(error, TransportError::BodyTooLarge { limit, .. } if limit == 1024 * 1024),
        "{error:?}"
    );

    let exact = paused_builder(&server.uri(), retry(3, 0))
        .max_response_bytes(2048)
        .build()
        .unwrap();
    assert_eq!(
        exact
            .send(Request::get(url(&server.uri(), "/plain")))
            .await
            .unwrap()
            .body()
            .len(),
        2048
    );
    let below = paused_builder(&server.uri(), retry(3, 0))
        .max_response_bytes(2047)
        .build()
        .unwrap();
    let error = below
        .send(Request::get(url(&server.uri(), "/plain")))
        .await
        .unwrap_err();
    assert!(matches!(error, TransportError::BodyTooLarge { .. }));
    // Too large is final: not retried.
    let plain_requests = received(&server)
        .await
        .iter()
        .filter(|r| r.url.path() == "/plain")
        .count();
    assert_eq!(plain_requests, 2);
}

#[tokio::test]
async fn default_transport_from_config_works() {
    let server = ok_server().await;
    let config = common::config(&server.uri(), retry(0, 0));
    let transport = bluebutton_transport::Transport::new(&config).unwrap();
    assert_eq!(transport.base_url().as_str(), format!("{}/", server.uri()));
    let response = transport
        .send(Request::get(url(&server.uri(), "/v2/fhir/metadata")))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.attempts(), 1);
}
