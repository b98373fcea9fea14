//! A request to send through the [`Transport`](crate::Transport): method, URL, headers, body,
//! credentials and retry permission, built fresh for every call (no shared header map).

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use url::Url;
use zeroize::Zeroizing;

use crate::error::TransportError;
use crate::redact::redact_url;
use crate::secrets::Secrets;

/// Form fields whose values are credentials: scrubbed from error bodies, never logged.
const SECRET_FORM_FIELDS: &[&str] = &[
    "access_token",
    "client_secret",
    "code",
    "code_verifier",
    "password",
    "refresh_token",
    "token",
];

/// An HTTP request, built with chained calls and handed to
/// [`Transport::send`](crate::Transport::send).
///
/// Each request owns its headers; nothing is shared between requests, so one caller's token can
/// never travel with another caller's request. A request that carries credentials
/// ([`bearer`](Request::bearer), [`basic_auth`](Request::basic_auth) or an `Authorization`
/// [`header`](Request::header)) is only sent to the origin of the transport's base URL.
///
/// ```
/// use bluebutton_transport::Request;
/// use url::Url;
///
/// let url = Url::parse("https://sandbox.bluebutton.cms.gov/v2/fhir/Patient/").unwrap();
/// let request = Request::get(url).bearer("access-token");
/// // Debug never shows credentials.
/// assert!(!format!("{request:?}").contains("access-token"));
/// ```
pub struct Request {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<Bytes>,
    pub(crate) retry: Option<bool>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) secrets: Secrets,
    pub(crate) invalid_header: Option<HeaderName>,
}

impl Request {
    /// A request with any method.
    pub fn new(method: Method, url: Url) -> Request {
        Request {
            method,
            url,
            headers: HeaderMap::new(),
            body: None,
            retry: None,
            timeout: None,
            secrets: Secrets::new(),
            invalid_header: None,
        }
    }

    /// A `GET` request.
    pub fn get(url: Url) -> Request {
        Request::new(Method::GET, url)
    }

    /// A `POST` with an `application/x-www-form-urlencoded` body. Values of credential fields
    /// (`code`, `refresh_token`, `code_verifier`, `client_secret`, `token`...) are treated as
    /// secrets: scrubbed from error bodies and never logged. Never retried unless
    /// [`retry(true)`](Request::retry) is set.
    pub fn post_form(url: Url, fields: Vec<(String, String)>) -> Request {
        let mut serializer = url::form_urlencoded::Serializer::new(String::new());
        let mut secrets = Secrets::new();
        for (name, value) in &fields {
            serializer.append_pair(name, value);
            if SECRET_FORM_FIELDS.contains(&name.as_str()) {
                secrets.push(value);
            }
        }
        let encoded = serializer.finish();
        // The fields hold secrets: wipe them once encoded (the body keeps the only copy).
        for (_, value) in fields {
            drop(Zeroizing::new(value));
        }
        let mut request = Request::new(Method::POST, url)
            .body("application/x-www-form-urlencoded", encoded.into_bytes());
        request.secrets.absorb(secrets);
        request
    }

    /// Adds `Authorization: Bearer <token>`. The request may then only go to the configured
    /// base URL's origin (see [`TransportError::OriginNotAllowed`]).
    pub fn bearer(mut self, token: &str) -> Request {
        let value = Zeroizing::new(format!("Bearer {token}"));
        self.secrets.push(token);
        self.set_sensitive(AUTHORIZATION, &value);
        self
    }

    /// Adds `Authorization: Basic ...` with the user and password form-urlencoded first, as
    /// RFC 6749 section 2.3.1 requires for client credentials. Origin-pinned like
    /// [`bearer`](Request::bearer).
    pub fn basic_auth(mut self, user: &str, password: &str) -> Request {
        let encode =
            |s: &str| -> String { url::form_urlencoded::byte_serialize(s.as_bytes()).collect() };
        let pair = Zeroizing::new(format!("{}:{}", encode(user), encode(password)));
        let encoded = base64::engine::general_purpose::STANDARD.encode(pair.as_bytes());
        let value = Zeroizing::new(format!("Basic {encoded}"));
        self.secrets.push_basic(user, password);
        self.set_sensitive(AUTHORIZATION, &value);
        self
    }

    /// Sets a header for this request only, replacing the transport's default for that name
    /// (e.g. `Accept`). An `Authorization` header makes the request origin-pinned.
    pub fn header(mut self, name: HeaderName, mut value: HeaderValue) -> Request {
        if name == AUTHORIZATION {
            value.set_sensitive(true);
        }
        self.headers.insert(name, value);
        self
    }

    /// Sets the body and its `Content-Type`. An invalid content type makes
    /// [`Transport::send`](crate::Transport::send) fail with [`TransportError::InvalidHeader`].
    pub fn body(mut self, content_type: &str, bytes: Vec<u8>) -> Request {
        match HeaderValue::from_str(content_type) {
            Ok(value) => {
                self.headers.insert(CONTENT_TYPE, value);
            }
            Err(_) => self.invalid_header = Some(CONTENT_TYPE),
        }
        self.body = Some(Bytes::from(bytes));
        self
    }

    /// Allows or forbids retrying this request. The default is `true` for `GET` and `HEAD` and
    /// `false` otherwise; never allow it for token requests (codes and refresh tokens are
    /// single-use).
    pub fn retry(mut self, allowed: bool) -> Request {
        self.retry = Some(allowed);
        self
    }

    /// Overrides the transport's per-request timeout for this request.
    pub fn timeout(mut self, timeout: Duration) -> Request {
        self.timeout = Some(timeout);
        self
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The URL.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// True when the request carries an `Authorization` header.
    pub fn has_credentials(&self) -> bool {
        self.headers.contains_key(AUTHORIZATION)
    }

    /// Whether a failed attempt may be retried.
    pub(crate) fn retry_allowed(&self) -> bool {
        self.retry
            .unwrap_or(self.method == Method::GET || self.method == Method::HEAD)
    }

    /// Checks what can be checked before sending.
    pub(crate) fn validate(&self) -> Result<(), TransportError> {
        if let Some(name) = &self.invalid_header {
            return Err(TransportError::InvalidHeader { name: name.clone() });
        }
        if !matches!(self.url.scheme(), "http" | "https") {
            return Err(TransportError::UnsupportedScheme {
                method: self.method.clone(),
                url: Box::new(redact_url(&self.url)),
            });
        }
        Ok(())
    }

    fn set_sensitive(&mut self, name: HeaderName, value: &str) {
        match HeaderValue::from_str(value) {
            Ok(mut value) => {
                value.set_sensitive(true);
                self.headers.insert(name, value);
            }
            Err(_) => {
                // Still mark the request as credentialed, so it stays origin-pinned.
                self.headers
                    .insert(name.clone(), HeaderValue::from_static("invalid"));
                self.invalid_header = Some(name);
            }
        }
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &dyn fmt::Debug)> = self
            .headers
            .iter()
            .map(|(name, value)| {
                let shown: &dyn fmt::Debug = if value.is_sensitive() {
                    &"[redacted]"
                } else {
                    value
                };
                (name.as_str(), shown)
            })
            .collect();
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("url", &redact_url(&self.url).as_str())
            .field("headers", &headers)
            .field("body_bytes", &self.body.as_ref().map(Bytes::len))
            .field("retry", &self.retry_allowed())
            .field("timeout", &self.timeout)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> Url {
        Url::parse("https://sandbox.bluebutton.cms.gov/v2/o/token/").unwrap()
    }

    #[test]
    fn retry_defaults_by_method() {
        assert!(Request::get(url()).retry_allowed());
        assert!(Request::new(Method::HEAD, url()).retry_allowed());
        assert!(!Request::post_form(url(), vec![]).retry_allowed());
        assert!(
            Request::post_form(url(), vec![])
                .retry(true)
                .retry_allowed()
        );
        assert!(!Request::get(url()).retry(false).retry_allowed());
    }

    #[test]
    fn form_body_is_encoded_and_secrets_are_remembered() {
        let request = Request::post_form(
            url(),
            vec![
                ("grant_type".into(), "refresh_token".into()),
                ("refresh_token".into(), "r t&1".into()),
            ],
        );
        assert_eq!(
            request.body.as_deref(),
            Some(&b"grant_type=refresh_token&refresh_token=r+t%261"[..])
        );
        assert_eq!(
            request.headers[CONTENT_TYPE],
            "application/x-www-form-urlencoded"
        );
        // Both the raw value and its encoded form (a server echoing the body) are scrubbed;
        // the grant type is not a secret.
        assert_eq!(
            request.secrets.scrub("r t&1 / r+t%261 / refresh_token"),
            "[redacted] / [redacted] / refresh_token"
        );
        assert!(!format!("{request:?}").contains("r t&1"));
    }

    #[test]
    fn basic_auth_encodes_then_base64s() {
        let request = Request::get(url()).basic_auth("id", "se:cr+et");
        // base64("id:se%3Acr%2Bet")
        assert_eq!(request.headers[AUTHORIZATION], "Basic aWQ6c2UlM0FjciUyQmV0");
        assert!(request.has_credentials());
        let shown = format!("{request:?}");
        assert!(!shown.contains("aWQ6"), "{shown}");
    }

    #[test]
    fn invalid_token_is_reported_not_sent() {
        let request = Request::get(url()).bearer("bad\ntoken");
        assert!(request.has_credentials());
        assert!(matches!(
            request.validate(),
            Err(TransportError::InvalidHeader { name }) if name == AUTHORIZATION
        ));
        let ftp = Request::get(Url::parse("ftp://x/y").unwrap());
        assert!(matches!(
            ftp.validate(),
            Err(TransportError::UnsupportedScheme { .. })
        ));
    }
}
