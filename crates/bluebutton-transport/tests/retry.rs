//! Retry behaviour on tokio's paused clock: attempts, exact waits, Retry-After, what is never
//! retried, connection errors and timeouts.

mod common;

use std::time::{Duration, SystemTime};

use bluebutton_transport::{Request, TransportError};
use common::{paused_builder, paused_transport, retry, url};
use http::StatusCode;
use tokio::time::Instant;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn server_always(status: u16) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(status).set_body_string(r#"{"detail":"busy"}"#))
        .mount(&server)
        .await;
    server
}

async fn received(server: &MockServer) -> usize {
    server.received_requests().await.expect("recording").len()
}

#[tokio::test(start_paused = true)]
async fn factor_five_waits_two_and_a_half_five_ten_seconds() {
    let server = server_always(503).await;
    let transport = paused_transport(&server.uri(), retry(3, 5000));
    let start = Instant::now();
    let error = transport
        .send(Request::get(url(&server.uri(), "/v2/fhir/Patient/")))
        .await
        .unwrap_err();
    assert_eq!(start.elapsed(), Duration::from_millis(2500 + 5000 + 10_000));
    let TransportError::Status {
        status,
        attempts,
        body,
        ..
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!(*status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(*attempts, 4);
    assert_eq!(body.to_string(), "busy");
    assert_eq!(received(&server).await, 4);
}

#[tokio::test(start_paused = true)]
async fn fractional_factor_and_success_after_failures() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&server)
        .await;
    let transport = paused_transport(&server.uri(), retry(3, 500));
    let start = Instant::now();
    let response = transport
        .send(Request::get(url(&server.uri(), "/v2/fhir/Coverage/")))
        .await
        .unwrap();
    // 0.25 s then 0.5 s; the third attempt succeeds.
    assert_eq!(start.elapsed(), Duration::from_millis(750));
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.attempts(), 3);
    assert_eq!(received(&server).await, 3);
}

#[tokio::test(start_paused = true)]
async fn fractional_factor_full_schedule() {
    let server = server_always(500).await;
    let transport = paused_transport(&server.uri(), retry(3, 500));
    let start = Instant::now();
    let error = transport
        .send(Request::get(url(&server.uri(), "/x")))
        .await
        .unwrap_err();
    assert_eq!(start.elapsed(), Duration::from_millis(250 + 500 + 1000));
    assert_eq!(error.attempts(), Some(4));
}

#[tokio::test(start_paused = true)]
async fn total_zero_disables_retry() {
    let server = server_always(503).await;
    let transport = paused_transport(&server.uri(), retry(0, 5000));
    let start = Instant::now();
    let error = transport
        .send(Request::get(url(&server.uri(), "/x")))
        .await
        .unwrap_err();
    assert_eq!(start.elapsed(), Duration::ZERO);
    assert_eq!(error.attempts(), Some(1));
    assert_eq!(received(&server).await, 1);
}

#[tokio::test(start_paused = true)]
async fn retry_after_seconds_on_503_replaces_backoff_and_is_capped() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "7"))
        .mount(&server)
        .await;
    let transport = paused_transport(&server.uri(), retry(2, 5000));
    let start = Instant::now();
    let error = transport
        .send(Request::get(url(&server.uri(), "/x")))
        .await
        .unwrap_err();
    assert_eq!(start.elapsed(), Duration::from_secs(14));
    assert_eq!(error.attempts(), Some(3));

    let mut capped = retry(2, 5000);
    capped.max_retry_after = Duration::from_secs(4);
    let transport = paused_transport(&server.uri(), capped);
    let start = Instant::now();
    transport
        .send(Request::get(url(&server.uri(), "/x")))
        .await
        .unwrap_err();
    assert_eq!(start.elapsed(), Duration::from_secs(8));
}

#[tokio::test(start_paused = true)]
async fn retry_after_http_date() {
    let server = MockServer::start().await;
    // Far in the future: capped by max_retry_after (120 s by default), an exact wait.
    let far = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(86_400));
    Mock::given(method("GET"))
        .and(path("/far"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", far.as_str()))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    // 30 s from now, at one-second resolution: a wait within (29 s, 30 s].
    let near = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
    Mock::given(method("GET"))
        .and(path("/near"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", near.as_str()))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let transport = paused_transport(&server.uri(), retry(3, 5000));

    let start = Instant::now();
    let response = transport
        .send(Request::get(url(&server.uri(), "/far")))
        .await
        .unwrap();
    assert_eq!(start.elapsed(), Duration::from_secs(120));
    assert_eq!(response.attempts(), 2);

    let start = Instant::now();
    let response = transport
        .send(Request::get(url(&server.uri(), "/near")))
        .await
        .unwrap();
    // The date has whole seconds and the wall clock moves on while the test runs, so the wait
    // is somewhat under 30 s: a range (not a timing measurement: the paused clock moves only by
    // the computed wait), far from both the 2.5 s backoff and the 120 s cap.
    let waited = start.elapsed();
    assert!(
        waited > Duration::from_secs(20) && waited <= Duration::from_secs(30),
        "{waited:?}"
    );
    assert_eq!(response.attempts(), 2);
}

#[tokio::test(start_paused = true)]
async fn too_many_requests_is_retried_with_retry_after_when_not_in_forcelist() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "60")
                .set_body_string(
                    r#"{"detail":"Request was throttled. Expected available in 60 seconds."}"#,
                ),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&server)
        .await;
    let settings = retry(3, 5000);
    assert!(!settings.status_forcelist.contains(&429));
    let transport = paused_transport(&server.uri(), settings);
    let start = Instant::now();
    let response = transport
        .send(Request::get(url(
            &server.uri(),
            "/v2/fhir/ExplanationOfBenefit/",
        )))
        .await
        .unwrap();
    assert_eq!(start.elapsed(), Duration::from_secs(60));
    assert_eq!(response.attempts(), 2);
}

#[tokio::test(start_paused = true)]
async fn too_many_requests_without_header_uses_backoff_within_total() {
    let server = server_always(429).await;
    let transport = paused_transport(&server.uri(), retry(2, 5000));
    let start = Instant::now();
    let error = transport
        .send(Request::get(url(&server.uri(), "/x")))
        .await
        .unwrap_err();
    assert_eq!(start.elapsed(), Duration::from_millis(2500 + 5000));
    assert_eq!(error.status(), Some(StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(error.attempts(), Some(3));
}

#[tokio::test(start_paused = true)]
async fn client_errors_are_not_retried() {
    for status in [400, 401, 403, 404, 406] {
        let server = server_always(status).await;
        let transport = paused_transport(&server.uri(), retry(3, 5000));
        let start = Instant::now();
        let error = transport
            .send(Request::get(url(&server.uri(), "/x")))
            .await
            .unwrap_err();
        assert_eq!(start.elapsed(), Duration::ZERO);
        assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(error.attempts(), Some(1));
        assert_eq!(received(&server).await, 1);
    }
}

#[tokio::test(start_paused = true)]
async fn post_is_not_retried_unless_allowed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let transport = paused_transport(&server.uri(), retry(3, 5000));
    let token = url(&server.uri(), "/v2/o/token/");
    let form = vec![("grant_type".to_owned(), "refresh_token".to_owned())];

    let start = Instant::now();
    let error = transport
        .send(Request::post_form(token.clone(), form.clone()))
        .await
        .unwrap_err();
    assert_eq!(start.elapsed(), Duration::ZERO);
    assert_eq!(error.attempts(), Some(1));
    assert_eq!(received(&server).await, 1);

    // send_raw returns the status instead of an error, still without retrying.
    let response = transport
        .send_raw(Request::post_form(token.clone(), form.clone()))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.attempts(), 1);
    assert_eq!(received(&server).await, 2);

    let start = Instant::now();
    let error = transport
        .send(Request::post_form(token, form).retry(true))
        .await
        .unwrap_err();
    assert_eq!(start.elapsed(), Duration::from_millis(17_500));
    assert_eq!(error.attempts(), Some(4));
    assert_eq!(received(&server).await, 6);
}

#[tokio::test(start_paused = true)]
async fn get_can_opt_out_of_retry() {
    let server = server_always(503).await;
    let transport = paused_transport(&server.uri(), retry(3, 5000));
    let error = transport
        .send(Request::get(url(&server.uri(), "/x")).retry(false))
        .await
        .unwrap_err();
    assert_eq!(error.attempts(), Some(1));
}

#[tokio::test(start_paused = true)]
async fn connection_refused_is_retried() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let transport = paused_transport(&base, retry(3, 5000));
    let start = Instant::now();
    let error = transport
        .send(Request::get(url(&base, "/v2/fhir/Patient/")))
        .await
        .unwrap_err();
    assert_eq!(start.elapsed(), Duration::from_millis(17_500));
    let TransportError::Connect { attempts, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(*attempts, 4);
}

/// On the paused clock the 1 s request timeout fires as soon as the runtime waits for the
/// server (whose 30 s delay runs on wiremock's own thread in real time), so each attempt takes
/// exactly 1 s of paused time and no real time.
///
/// The server is a dedicated one, not one from wiremock's pool: the timed-out requests may
/// reach it only after this test has ended, and a pooled server would by then be serving
/// (and consuming the one-shot mocks of) another test.
#[tokio::test(start_paused = true)]
async fn timeouts_are_retried() {
    let server = MockServer::builder().start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    let transport = paused_builder(&server.uri(), retry(3, 5000))
        .request_timeout(Some(Duration::from_secs(1)))
        .build()
        .unwrap();
    let start = Instant::now();
    let error = transport
        .send(Request::get(url(&server.uri(), "/v2/fhir/Patient/")))
        .await
        .unwrap_err();
    assert_eq!(start.elapsed(), Duration::from_millis(4 * 1000 + 17_500));
    let TransportError::Timeout {
        attempts, timeout, ..
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!(*attempts, 4);
    assert_eq!(*timeout, Some(Duration::from_secs(1)));
    assert!(error.is_timeout());

    // A per-request timeout overrides the transport's.
    let start = Instant::now();
    let error = transport
        .send(
            Request::get(url(&server.uri(), "/x"))
                .timeout(Duration::from_secs(3))
                .retry(false),
        )
        .await
        .unwrap_err();
    assert_eq!(start.elapsed(), Duration::from_secs(3));
    assert_eq!(error.attempts(), Some(1));
}

#[tokio::test(start_paused = true)]
async fn jitter_keeps_waits_within_bounds() {
    let server = server_always(503).await;
    let mut settings = retry(3, 5000);
    settings.jitter = true;
    let transport = paused_transport(&server.uri(), settings);
    let start = Instant::now();
    transport
        .send(Request::get(url(&server.uri(), "/x")))
        .await
        .unwrap_err();
    let waited = start.elapsed();
    // Each wait is in [0.5, 1.5) times 2.5 s, 5 s, 10 s.
    assert!(waited >= Duration::from_millis(8750), "{waited:?}");
    assert!(waited < Duration::from_millis(26_250), "{waited:?}");
}

#[tokio::test(start_paused = true)]
async fn the_retry_observer_hears_each_wait_and_its_reason() {
    use std::sync::{Arc, Mutex};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let heard = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&heard);
    let transport = paused_builder(&base, retry(3, 2_000))
        .on_retry(move |notice| sink.lock().unwrap().push(notice.to_string()))
        .build()
        .unwrap();
    let error = transport
        .send(Request::get(url(&base, "/v2/fhir/Patient/?_id=secret-id")))
        .await
        .unwrap_err();
    assert!(
        matches!(error, TransportError::Connect { attempts: 4, .. }),
        "{error}"
    );
    assert_eq!(
        *heard.lock().unwrap(),
        [
            "retrying in 1 s (1/3): connection refused",
            "retrying in 2 s (2/3): connection refused",
            "retrying in 4 s (3/3): connection refused",
        ]
    );
}
