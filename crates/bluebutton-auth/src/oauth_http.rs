//! `oauth2`'s `AsyncHttpClient` seam over our `Transport` (one try, no redirects), keeping the
//! raw reply so that the status and the Blue Button error shapes survive.

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

use bluebutton_transport::{Request, Response, Transport, TransportError};
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderValue, Method};
use url::Url;

use bluebutton_transport::Secrets;

/// Form fields whose values are credentials, scrubbed from error texts.
const SECRET_FORM_FIELDS: &[&str] = &[
    "access_token",
    "client_secret",
    "code",
    "code_verifier",
    "refresh_token",
    "token",
];

/// Sends one `oauth2` request through [`Transport::send_raw`] and remembers the reply.
///
/// `oauth2` builds the request (form body, RFC 6749 Basic credentials, PKCE verifier), but its
/// reply parsing does not fit the server: a non-2xx reply becomes `ServerResponse` without the
/// HTTP status (needed to tell 400 `invalid_grant`, 401 "timed out", 403 "cannot be found" and
/// 5xx apart), a negative `expires_in` or a missing `access_token` is an untyped parse error,
/// and `patient` / `access_grant_expiration` need lenient handling. So the callers classify
/// the captured [`Response`] themselves and ignore `oauth2`'s verdict.
pub(crate) struct CapturingClient<'t> {
    transport: &'t Transport,
    url: Url,
    captured: Mutex<Option<Response>>,
    secrets: Mutex<Secrets>,
}

impl<'t> CapturingClient<'t> {
    /// `url` is the endpoint `oauth2` was configured with (kept as a `Url` rather than
    /// re-parsed from the `http::Uri`).
    pub(crate) fn new(transport: &'t Transport, url: Url) -> Self {
        Self {
            transport,
            url,
            captured: Mutex::new(None),
            secrets: Mutex::new(Secrets::new()),
        }
    }

    /// The reply of the request sent, if one was received.
    pub(crate) fn take(&self) -> Option<Response> {
        self.captured
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    }

    /// The secrets the request sent carried (credential form fields, `Authorization`).
    pub(crate) fn take_secrets(&self) -> Secrets {
        std::mem::take(
            &mut *self
                .secrets
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    async fn send(
        &self,
        request: oauth2::HttpRequest,
    ) -> Result<oauth2::HttpResponse, TransportError> {
        let request = to_transport(self.url.clone(), request, &self.secrets);
        let response = self.transport.send_raw(request).await?;
        let mut builder = http::Response::builder().status(response.status());
        if let Some(headers) = builder.headers_mut() {
            headers.extend(response.headers().clone());
        }
        let http_response = builder
            .body(response.body().to_vec())
            .unwrap_or_else(|_| http::Response::new(Vec::new()));
        *self
            .captured
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(response);
        Ok(http_response)
    }
}

impl<'c> oauth2::AsyncHttpClient<'c> for CapturingClient<'_> {
    type Error = TransportError;
    type Future =
        Pin<Box<dyn Future<Output = Result<oauth2::HttpResponse, TransportError>> + Send + 'c>>;

    fn call(&'c self, request: oauth2::HttpRequest) -> Self::Future {
        Box::pin(self.send(request))
    }
}

/// Rebuilds `oauth2`'s POST as a transport form request, so the transport knows which field
/// values are secrets, with retries off (codes and refresh tokens are single-use).
fn to_transport(url: Url, request: oauth2::HttpRequest, secrets: &Mutex<Secrets>) -> Request {
    let mut secrets = secrets
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let (parts, body) = request.into_parts();
    let mut out = if parts.method == Method::POST
        && parts.headers.get(CONTENT_TYPE).map(HeaderValue::as_bytes)
            == Some(b"application/x-www-form-urlencoded")
    {
        let fields: Vec<(String, String)> = url::form_urlencoded::parse(&body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        for (name, value) in &fields {
            if SECRET_FORM_FIELDS.contains(&name.as_str()) {
                secrets.push(value);
            }
        }
        Request::post_form(url, fields)
    } else {
        Request::new(parts.method, url)
    };
    for (name, value) in &parts.headers {
        if name == AUTHORIZATION
            && let Ok(text) = value.to_str()
        {
            secrets.push_authorization(text);
        }
        if name != CONTENT_TYPE {
            out = out.header(name.clone(), value.clone());
        }
    }
    out.retry(false)
}
