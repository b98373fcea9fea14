//! The [`Transport`]: one pooled HTTP client, default SDK headers, origin pinning, timeouts,
//! the retry loop and the mapping of every failure to a [`TransportError`].

use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use backon::Retryable as _;
use bluebutton_config::{Config, RetrySettings, Timeouts};
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT, WWW_AUTHENTICATE};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use tracing::Instrument as _;
use url::Url;
use zeroize::Zeroizing;

use crate::body::{BodyError, DEFAULT_MAX_RESPONSE_BYTES, read_capped};
use crate::client::client_builder;
use crate::credentials::{BearerSource, CredentialError, MAX_REPLAYS};
use crate::error::TransportError;
use crate::error_body::ErrorBody;
use crate::observer::{RetryNotice, RetryObserver};
use crate::redact::{has_token_in_query, log_path, redact_url};
use crate::request::Request;
use crate::response::Response;
use crate::retry;
use crate::secrets::Secrets;
use crate::www_authenticate::WwwAuthenticate;

/// The SDK version sent in `User-Agent` and `X-BLUEBUTTON-SDK-VERSION`.
pub const SDK_VERSION: &str = env!("CARGO_PKG_VERSION");

/// `X-BLUEBUTTON-SDK`, sent with every request (value `rust`).
pub static X_BLUEBUTTON_SDK: HeaderName = HeaderName::from_static("x-bluebutton-sdk");
/// `X-BLUEBUTTON-SDK-VERSION`, sent with every request (value [`SDK_VERSION`]).
pub static X_BLUEBUTTON_SDK_VERSION: HeaderName =
    HeaderName::from_static("x-bluebutton-sdk-version");

/// The default `Accept` header, what the FHIR read and search endpoints serve (overridable
/// per request with [`Request::header`]).
pub const DEFAULT_ACCEPT: &str = "application/fhir+json";

/// The `Accept` header for the endpoints that serve only `application/json` (userinfo, token,
/// revoke, introspect, the well-known documents, metadata): they answer `406 Not Acceptable`
/// to [`DEFAULT_ACCEPT`].
pub const JSON_ACCEPT: &str = "application/json";

/// Sends requests to the Blue Button API: one pooled `reqwest::Client`, retry per
/// [`RetrySettings`], timeouts, a response size limit, and typed errors.
///
/// Cheap to clone (the state is behind an `Arc`); clones share the connection pool.
#[derive(Clone)]
pub struct Transport {
    inner: Arc<Inner>,
}

struct Inner {
    client: reqwest::Client,
    base_url: Url,
    allowed_origin: url::Origin,
    retry: RetrySettings,
    request_timeout: Option<Duration>,
    max_response_bytes: u64,
    default_headers: HeaderMap,
    on_retry: Option<RetryObserver>,
}

/// Builds a [`Transport`]; start with [`Transport::builder`].
#[must_use]
pub struct TransportBuilder {
    base_url: Url,
    retry: RetrySettings,
    timeouts: Timeouts,
    request_timeout: Option<Duration>,
    client: Option<reqwest::Client>,
    max_response_bytes: u64,
    user_agent_suffix: Option<String>,
    on_retry: Option<RetryObserver>,
}

impl TransportBuilder {
    /// Uses this client instead of building one (start from [`client_builder`]). It should not
    /// follow redirects (`reqwest::redirect::Policy::none()`: OAuth responses must not be
    /// followed), should set its own `connect_timeout`, and must not enable
    /// `connection_verbose` (which logs raw bytes, `Authorization` included). The per-request
    /// timeout, headers, retry and size limit still apply.
    pub fn reqwest_client(mut self, client: reqwest::Client) -> Self {
        self.client = Some(client);
        self
    }

    /// The largest response body read, in bytes (decompressed); larger bodies fail with
    /// [`TransportError::BodyTooLarge`]. Default [`DEFAULT_MAX_RESPONSE_BYTES`] (64 MiB).
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Appends ` <suffix>` to the `User-Agent` (e.g. `my-app/1.2`).
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// Calls `observer` before each wait of the retry loop, with what failed and how long the
    /// wait is (e.g. to print "retrying in 5 s (2/3): connection refused"). It runs on the
    /// request's task: keep it short.
    pub fn on_retry(mut self, observer: impl Fn(&RetryNotice) + Send + Sync + 'static) -> Self {
        self.on_retry = Some(Arc::new(observer));
        self
    }

    /// Replaces the retry settings taken from the config.
    pub fn retry_settings(mut self, settings: RetrySettings) -> Self {
        self.retry = settings;
        self
    }

    /// Replaces the timeouts taken from the config (the connect timeout only applies to the
    /// client this builder creates, not to one given with
    /// [`reqwest_client`](Self::reqwest_client)).
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.request_timeout = Some(timeouts.request);
        self.timeouts = timeouts;
        self
    }

    /// Replaces the per-request timeout; `None` sets no limit (e.g. for very long downloads, or
    /// tests on tokio's paused clock, where a pending timer fires while waiting for a socket).
    /// [`Request::timeout`] still overrides it per request.
    pub fn request_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Builds the transport (and its HTTP client, unless one was given).
    pub fn build(self) -> Result<Transport, TransportError> {
        let mut user_agent = format!("bluebutton-rs/{SDK_VERSION}");
        if let Some(suffix) = &self.user_agent_suffix {
            user_agent.push(' ');
            user_agent.push_str(suffix);
        }
        let user_agent = HeaderValue::from_str(&user_agent)
            .map_err(|_| TransportError::InvalidHeader { name: USER_AGENT })?;
        let mut default_headers = HeaderMap::new();
        default_headers.insert(USER_AGENT, user_agent);
        default_headers.insert(X_BLUEBUTTON_SDK.clone(), HeaderValue::from_static("rust"));
        default_headers.insert(
            X_BLUEBUTTON_SDK_VERSION.clone(),
            HeaderValue::from_static(SDK_VERSION),
        );
        default_headers.insert(ACCEPT, HeaderValue::from_static(DEFAULT_ACCEPT));

        let client = match self.client {
            Some(client) => client,
            None => default_client(&self.timeouts)?,
        };
        Ok(Transport {
            inner: Arc::new(Inner {
                client,
                allowed_origin: self.base_url.origin(),
                base_url: self.base_url,
                retry: self.retry,
                request_timeout: self.request_timeout,
                max_response_bytes: self.max_response_bytes,
                default_headers,
                on_retry: self.on_retry,
            }),
        })
    }
}

/// The default client: [`client_builder`] with the configured connect timeout.
fn default_client(timeouts: &Timeouts) -> Result<reqwest::Client, TransportError> {
    client_builder()?
        .connect_timeout(timeouts.connect)
        .build()
        .map_err(|source| TransportError::Build {
            source: Box::new(source.without_url()),
        })
}

/// One failed attempt, as seen by the retry loop.
enum Failure {
    /// A complete response with a retryable status.
    Status(Box<Response>),
    /// The body exceeded the limit (never retried).
    TooLarge,
    /// The HTTP client failed (connect, timeout, I/O...).
    Client(reqwest::Error),
    /// The bearer source could not give a token (never retried).
    Credentials(CredentialError),
}

impl Failure {
    fn is_retryable(&self) -> bool {
        match self {
            Failure::Status(_) => true,
            Failure::TooLarge | Failure::Credentials(_) => false,
            Failure::Client(error) => {
                error.is_timeout() || error.is_connect() || error.is_request() || error.is_body()
            }
        }
    }

    fn reason(&self) -> String {
        match self {
            Failure::Status(response) => format!("status {}", response.status.as_u16()),
            Failure::TooLarge => "body too large".to_owned(),
            Failure::Credentials(_) => "no credentials".to_owned(),
            Failure::Client(error) if error.is_timeout() => "timeout".to_owned(),
            Failure::Client(error) if error.is_connect() => connect_reason(error),
            Failure::Client(_) => "network error".to_owned(),
        }
    }
}

/// Why a connection failed, from the I/O error under the client's: "connection refused",
/// else "could not connect".
fn connect_reason(error: &reqwest::Error) -> String {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return match io.kind() {
                std::io::ErrorKind::ConnectionRefused => "connection refused".to_owned(),
                std::io::ErrorKind::ConnectionReset => "connection reset".to_owned(),
                std::io::ErrorKind::TimedOut => "connect timeout".to_owned(),
                _ => "could not connect".to_owned(),
            };
        }
        source = cause.source();
    }
    "could not connect".to_owned()
}

impl Transport {
    /// A transport for `config`: its base URL, retry settings and timeouts, the default
    /// HTTP client and body limit.
    pub fn new(config: &Config) -> Result<Transport, TransportError> {
        Transport::builder(config).build()
    }

    /// A builder starting from `config`, to give a custom `reqwest::Client`, body limit,
    /// `User-Agent` suffix, retry settings or timeouts.
    pub fn builder(config: &Config) -> TransportBuilder {
        TransportBuilder {
            base_url: config.base_url().clone(),
            retry: config.retry_settings().clone(),
            timeouts: config.timeouts().clone(),
            request_timeout: Some(config.timeouts().request),
            client: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            user_agent_suffix: None,
            on_retry: None,
        }
    }

    /// The configured base URL; requests with credentials may only go to its origin.
    pub fn base_url(&self) -> &Url {
        &self.inner.base_url
    }

    /// The retry settings in force.
    pub fn retry_settings(&self) -> &RetrySettings {
        &self.inner.retry
    }

    /// Sends `request`, retrying per policy. A final status that is not 2xx becomes
    /// [`TransportError::Status`] with the parsed [`ErrorBody`].
    pub async fn send(&self, request: Request) -> Result<Response, TransportError> {
        self.execute(request, false, None).await
    }

    /// Like [`send`](Self::send), but any final HTTP status is returned as `Ok`, for callers
    /// that parse error bodies themselves (OAuth endpoints).
    pub async fn send_raw(&self, request: Request) -> Result<Response, TransportError> {
        self.execute(request, true, None).await
    }

    /// Like [`send`](Self::send), with the `Authorization: Bearer` header of **each attempt**
    /// taken from `bearer` (see [`BearerSource`]): a retry after a wait gets the token again,
    /// and a 401 `invalid_token` is replayed with a newer token when `bearer` has one (at most
    /// [`MAX_REPLAYS`] times). The request is origin-pinned like one built with
    /// [`Request::bearer`]; a failure of `bearer` ends the request with
    /// [`TransportError::Credentials`].
    pub async fn send_with_bearer(
        &self,
        request: Request,
        bearer: &dyn BearerSource,
    ) -> Result<Response, TransportError> {
        self.execute(request, false, Some(bearer)).await
    }

    async fn execute(
        &self,
        request: Request,
        raw: bool,
        bearer: Option<&dyn BearerSource>,
    ) -> Result<Response, TransportError> {
        request.validate()?;
        if has_token_in_query(&request.url) {
            return Err(TransportError::TokenInQuery {
                method: request.method.clone(),
                url: Box::new(redact_url(&request.url)),
            });
        }
        if (request.has_credentials() || bearer.is_some())
            && request.url.origin() != self.inner.allowed_origin
        {
            tracing::warn!(
                method = %request.method,
                path = log_path(&request.url),
                origin = request.url.origin().ascii_serialization(),
                "refused to send credentials to another origin"
            );
            return Err(TransportError::OriginNotAllowed {
                method: request.method.clone(),
                url: Box::new(redact_url(&request.url)),
                allowed: self.inner.allowed_origin.ascii_serialization(),
            });
        }
        let span = tracing::info_span!(
            "bluebutton_request",
            method = %request.method,
            path = log_path(&request.url),
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
            replays = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        self.run(request, raw, bearer).instrument(span).await
    }

    async fn run(
        &self,
        request: Request,
        raw: bool,
        bearer: Option<&dyn BearerSource>,
    ) -> Result<Response, TransportError> {
        let started = tokio::time::Instant::now();
        let mut headers = self.inner.default_headers.clone();
        for (name, value) in &request.headers {
            headers.insert(name.clone(), value.clone());
        }
        let settings = &self.inner.retry;
        let retry_allowed = request.retry_allowed();
        let attempts = AtomicU32::new(0);
        let auth = bearer.map(|source| AttemptAuth {
            source,
            replays: AtomicU32::new(0),
            sent: Mutex::new(Secrets::new()),
        });

        let result = (|| {
            self.attempt(
                &request,
                &headers,
                attempts.fetch_add(1, Ordering::Relaxed) + 1,
                auth.as_ref(),
            )
        })
        .retry(retry::schedule(settings))
        .when(|failure| retry_allowed && failure.is_retryable())
        .adjust(|failure, next| {
            let Failure::Status(response) = failure else {
                return next;
            };
            // No retry left stays no retry, whatever the server asks for.
            next.map(|wait| {
                retry::retry_after(
                    settings,
                    response.status,
                    &response.headers,
                    SystemTime::now(),
                )
                .unwrap_or(wait)
            })
        })
        .notify(|failure, wait| {
            let retry = attempts.load(Ordering::Relaxed);
            let reason = failure.reason();
            tracing::info!(
                attempt = retry,
                reason,
                wait_ms = wait.as_millis(),
                "retrying"
            );
            if let Some(observer) = &self.inner.on_retry {
                observer(&RetryNotice {
                    method: request.method.clone(),
                    url: redact_url(&request.url),
                    retry,
                    retries: settings.total,
                    wait,
                    reason,
                });
            }
        })
        .await;

        let attempts = attempts.load(Ordering::Relaxed);
        let span = tracing::Span::current();
        span.record("attempts", attempts);
        if let Some(auth) = &auth {
            span.record("replays", auth.replays.load(Ordering::Relaxed));
        }
        span.record("elapsed_ms", started.elapsed().as_millis());
        let method = || request.method.clone();
        let url = || Box::new(redact_url(&request.url));
        let response = match result {
            Ok(response) => response,
            Err(Failure::Status(response)) => *response,
            Err(Failure::TooLarge) => {
                return Err(TransportError::BodyTooLarge {
                    method: method(),
                    url: url(),
                    limit: self.inner.max_response_bytes,
                });
            }
            Err(Failure::Credentials(source)) => {
                return Err(TransportError::Credentials {
                    method: method(),
                    url: url(),
                    source,
                });
            }
            Err(Failure::Client(error)) => {
                let source = error.without_url();
                tracing::debug!(attempts, reason = %source, "request failed");
                return Err(if source.is_timeout() {
                    TransportError::Timeout {
                        method: method(),
                        url: url(),
                        attempts,
                        timeout: request.timeout.or(self.inner.request_timeout),
                        source,
                    }
                } else if source.is_connect() {
                    TransportError::Connect {
                        method: method(),
                        url: url(),
                        attempts,
                        source,
                    }
                } else if source.is_request() || source.is_body() {
                    TransportError::Network {
                        method: method(),
                        url: url(),
                        attempts,
                        source,
                    }
                } else {
                    TransportError::Client {
                        method: method(),
                        url: url(),
                        source,
                    }
                });
            }
        };
        span.record("status", response.status.as_u16());
        if raw || response.status.is_success() {
            return Ok(response);
        }
        let sent = auth.map(|auth| {
            auth.sent
                .into_inner()
                .unwrap_or_else(PoisonError::into_inner)
        });
        Err(status_error(&request, response, sent.as_ref()))
    }

    /// Sends one attempt and reads its body. A retryable status comes back as a failure so the
    /// retry loop sees it; other statuses are the caller's business. With a bearer source, the
    /// token is resolved here, and a 401 `invalid_token` the source can answer with a newer
    /// token is replayed at once (bounded by [`MAX_REPLAYS`]).
    async fn attempt(
        &self,
        request: &Request,
        headers: &HeaderMap,
        attempt: u32,
        auth: Option<&AttemptAuth<'_>>,
    ) -> Result<Response, Failure> {
        let span = tracing::debug_span!(
            "attempt",
            attempt,
            status = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        let started = tokio::time::Instant::now();
        let result = async {
            loop {
                let mut headers = headers.clone();
                let token = match auth {
                    Some(auth) => Some(auth.authorize(&mut headers).await?),
                    None => None,
                };
                let response = self.send_once(request, headers, attempt).await?;
                if let (Some(auth), Some(token)) = (auth, &token)
                    && auth.replay(&response, token).await?
                {
                    continue;
                }
                if retry::retries_status(&self.inner.retry, response.status) {
                    return Err(Failure::Status(Box::new(response)));
                }
                return Ok(response);
            }
        }
        .instrument(span.clone())
        .await;
        let elapsed = started.elapsed().as_millis();
        span.record("elapsed_ms", elapsed);
        let status = match &result {
            Ok(response) => Some(response.status),
            Err(Failure::Status(response)) => Some(response.status),
            Err(_) => None,
        };
        span.in_scope(|| match (status, &result) {
            (Some(status), _) => {
                tracing::debug!(status = status.as_u16(), elapsed_ms = elapsed, "response");
            }
            (None, Err(failure)) => {
                tracing::debug!(
                    reason = failure.reason(),
                    elapsed_ms = elapsed,
                    "attempt failed"
                );
            }
            (None, Ok(_)) => {}
        });
        result
    }

    /// One exchange on the wire: send, then read the body within the size limit.
    async fn send_once(
        &self,
        request: &Request,
        headers: HeaderMap,
        attempt: u32,
    ) -> Result<Response, Failure> {
        let mut builder = self
            .inner
            .client
            .request(request.method.clone(), request.url.clone())
            .headers(headers);
        if let Some(timeout) = request.timeout.or(self.inner.request_timeout) {
            builder = builder.timeout(timeout);
        }
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        let response = builder.send().await.map_err(Failure::Client)?;
        let status = response.status();
        tracing::Span::current().record("status", status.as_u16());
        let response_headers = response.headers().clone();
        let body = read_capped(response, self.inner.max_response_bytes)
            .await
            .map_err(|error| match error {
                BodyError::TooLarge => Failure::TooLarge,
                BodyError::Read(error) => Failure::Client(error),
            })?;
        Ok(Response {
            status,
            headers: response_headers,
            url: request.url.clone(),
            body,
            attempts: attempt,
        })
    }
}

/// The state of a logical request's credentials across its attempts.
struct AttemptAuth<'a> {
    source: &'a dyn BearerSource,
    replays: AtomicU32,
    /// Every token sent, to scrub them from the final error body.
    sent: Mutex<Secrets>,
}

impl AttemptAuth<'_> {
    /// Puts this attempt's token in `headers`; returns it.
    async fn authorize(&self, headers: &mut HeaderMap) -> Result<Zeroizing<String>, Failure> {
        let token = self.source.bearer().await.map_err(Failure::Credentials)?;
        let value = Zeroizing::new(format!("Bearer {}", token.as_str()));
        let mut value = HeaderValue::from_str(&value).map_err(|_| {
            Failure::Credentials("the access token is not a valid header value".into())
        })?;
        value.set_sensitive(true);
        headers.insert(AUTHORIZATION, value);
        self.sent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(&token);
        Ok(token)
    }

    /// Whether to replay after `response`: a 401 `invalid_token` that the source answers with
    /// another token, within the replay budget.
    async fn replay(&self, response: &Response, token: &str) -> Result<bool, Failure> {
        if response.status != StatusCode::UNAUTHORIZED
            || self.replays.load(Ordering::Relaxed) >= MAX_REPLAYS
        {
            return Ok(false);
        }
        let challenge = response
            .headers
            .get(WWW_AUTHENTICATE)
            .and_then(|value| value.to_str().ok())
            .and_then(WwwAuthenticate::parse)
            .filter(WwwAuthenticate::is_invalid_token);
        let Some(challenge) = challenge else {
            return Ok(false);
        };
        let again = self
            .source
            .rejected(token, &challenge)
            .await
            .map_err(Failure::Credentials)?;
        if again {
            let replays = self.replays.fetch_add(1, Ordering::Relaxed) + 1;
            tracing::debug!(replays, "401 invalid_token: replaying with another token");
        }
        Ok(again)
    }
}

/// The error for a final non-success response: parsed body (secrets of the request, and the
/// tokens its attempts carried, scrubbed) and `WWW-Authenticate` challenge.
fn status_error(request: &Request, response: Response, sent: Option<&Secrets>) -> TransportError {
    let content_type = response
        .headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok());
    let mut body = ErrorBody::parse(&response.body, content_type);
    body.scrub(&request.secrets);
    if let Some(sent) = sent {
        body.scrub(sent);
    }
    let www_authenticate = response
        .headers
        .get(WWW_AUTHENTICATE)
        .and_then(|value| value.to_str().ok())
        .and_then(WwwAuthenticate::parse)
        .map(Box::new);
    TransportError::Status {
        method: request.method.clone(),
        status: response.status,
        url: Box::new(redact_url(&request.url)),
        body,
        www_authenticate,
        attempts: response.attempts,
    }
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("base_url", &self.inner.base_url.as_str())
            .field("retry", &self.inner.retry)
            .field("request_timeout", &self.inner.request_timeout)
            .field("max_response_bytes", &self.inner.max_response_bytes)
            .finish_non_exhaustive()
    }
}
