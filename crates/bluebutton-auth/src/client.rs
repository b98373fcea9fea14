//! [`AuthClient`]: the OAuth calls (authorize URL, code exchange, refresh, revoke, introspect,
//! userinfo) against the endpoints of one [`Config`].

use std::fmt;
use std::sync::Arc;

use bluebutton_config::{ApiVersion, Config, Endpoints};
use bluebutton_transport::{JSON_ACCEPT, Request, Response, Transport};
use http::HeaderValue;
use http::header::ACCEPT;
use oauth2::basic::BasicClient;
use oauth2::{
    AccessToken, ClientId, EndpointNotSet, EndpointSet, RedirectUrl, RefreshToken,
    RequestTokenError, TokenUrl,
};
use time::OffsetDateTime;
use url::Url;

use crate::authorize::build_with_scopes;
use crate::callback::CallbackQuery;
use crate::error::{AuthError, Endpoint};
use crate::introspect::Introspection;
use crate::issuer::Issuer;
use crate::oauth_http::CapturingClient;
use crate::reply::classify_error;
use crate::request::AuthRequest;
use crate::token::{AuthorizationToken, redacted_json_message};
use crate::userinfo::UserInfo;
use bluebutton_transport::Secrets;

type OAuthClient =
    BasicClient<EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// A token to revoke or introspect, with its kind (sent as `token_type_hint`).
#[derive(Clone, Copy)]
pub enum TokenRef<'a> {
    /// An access token.
    Access(&'a AccessToken),
    /// A refresh token.
    Refresh(&'a RefreshToken),
}

impl TokenRef<'_> {
    fn secret(&self) -> &str {
        match self {
            Self::Access(t) => t.secret(),
            Self::Refresh(t) => t.secret(),
        }
    }

    fn hint(&self) -> &'static str {
        match self {
            Self::Access(_) => "access_token",
            Self::Refresh(_) => "refresh_token",
        }
    }
}

impl fmt::Debug for TokenRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenRef::{}([redacted])", self.hint())
    }
}

/// The OAuth client of one app (client id, secret, callback URL, endpoints), sending through
/// one [`Transport`]. Cheap to clone.
///
/// Token requests (`/token/`) are sent once, never retried, and redirects are never
/// followed. Client authentication is HTTP Basic (`client_secret_basic`); the secret is never
/// put in a URL or a form body.
#[derive(Clone)]
pub struct AuthClient {
    inner: Arc<Inner>,
}

struct Inner {
    transport: Transport,
    client_id: String,
    client_secret: bluebutton_config::ClientSecret,
    redirect_uri: Url,
    /// The expected RFC 9207 issuer: the configured base URL.
    issuer: Url,
    /// Who the tokens of this client are issued by (origin, client id, API version).
    token_issuer: Issuer,
    endpoints: Endpoints,
    oauth: OAuthClient,
}

impl AuthClient {
    /// A client for `config`'s app and endpoints, sending through `transport`.
    pub fn new(config: &Config, transport: Transport) -> Self {
        let endpoints = config.endpoints();
        let oauth = BasicClient::new(ClientId::new(config.client_id().to_owned()))
            .set_client_secret(oauth2::ClientSecret::new(
                config.client_secret().expose_secret().to_owned(),
            ))
            .set_token_uri(TokenUrl::from_url(endpoints.token.clone()))
            .set_redirect_uri(RedirectUrl::from_url(config.callback_url().clone()));
        Self {
            inner: Arc::new(Inner {
                transport,
                client_id: config.client_id().to_owned(),
                client_secret: config.client_secret().clone(),
                redirect_uri: config.callback_url().clone(),
                issuer: config.base_url().clone(),
                token_issuer: Issuer::from_config(config),
                endpoints,
                oauth,
            }),
        }
    }

    /// The issuer recorded on every token this client obtains: the configured base URL's
    /// origin, the client id and the API version.
    pub fn issuer(&self) -> &Issuer {
        &self.inner.token_issuer
    }

    /// The endpoints in use.
    pub fn endpoints(&self) -> &Endpoints {
        &self.inner.endpoints
    }

    /// The URL to redirect the beneficiary's browser to (see
    /// [`build_authorize_url`](crate::build_authorize_url)).
    ///
    /// On API v3, where the server answers 400 to an authorize request without `scope`, a
    /// request that names no scopes asks for every scope the API offers
    /// ([`Scope::all_v2`](crate::Scope::all_v2)); on v1 and v2 it sends none, so the app's
    /// registered scopes apply (as the official SDKs).
    pub fn authorize_url(&self, request: &AuthRequest) -> Url {
        let every;
        let scopes = match request.scopes() {
            [] if self.inner.token_issuer.api_version() == Some(ApiVersion::V3) => {
                every = crate::Scope::all_v2();
                &every[..]
            }
            asked => asked,
        };
        build_with_scopes(
            &self.inner.endpoints.authorize,
            &self.inner.client_id,
            &self.inner.redirect_uri,
            request,
            scopes,
        )
    }

    /// Checks the callback against `request` and exchanges the code for a token.
    ///
    /// The callback is checked first ([`CallbackQuery::verify_with_issuer`], the expected
    /// issuer being the configured base URL): an `iss` from another issuer, an `error=`
    /// callback, a missing or mismatched state or a missing code fails without any HTTP
    /// request. Then
    /// one POST to the token endpoint: HTTP Basic client authentication,
    /// `grant_type=authorization_code`, `code`, `code_verifier` and the same `redirect_uri`
    /// as the authorize URL. It is never retried (codes are single-use). `request` is
    /// consumed, so it cannot back a second exchange.
    pub async fn exchange_code(
        &self,
        request: AuthRequest,
        callback: &CallbackQuery,
    ) -> Result<AuthorizationToken, AuthError> {
        let (state, verifier) = request.into_parts();
        let code = callback
            .verify_with_issuer(&state, &self.inner.issuer)?
            .clone();
        let mut secrets = self.client_secrets();
        secrets.push(code.secret());
        secrets.push(verifier.secret());
        secrets.push(state.secret());
        let http = CapturingClient::new(&self.inner.transport, self.inner.endpoints.token.clone());
        let result = self
            .inner
            .oauth
            .exchange_code(code)
            .set_pkce_verifier(verifier)
            .request_async(&http)
            .await;
        secrets.absorb(http.take_secrets());
        let outcome = token_outcome(Endpoint::TokenExchange, http.take(), result.err(), &secrets)
            .map(|token| token.with_issuer(self.inner.token_issuer.clone()));
        tracing::debug!(ok = outcome.is_ok(), "authorization code exchanged");
        outcome
    }

    /// Refreshes `token` with its refresh token (HTTP Basic, `grant_type=refresh_token`).
    ///
    /// Returns the new token; the server rotates the refresh token, so the old one must not
    /// be used again. Re-authorization replies become
    /// [`AuthError::ReauthorizationRequired`]. Never retried. Prefer
    /// [`crate::TokenManager`], which stores the new token atomically and refreshes once for
    /// any number of concurrent callers.
    pub async fn refresh(
        &self,
        token: &AuthorizationToken,
    ) -> Result<AuthorizationToken, AuthError> {
        let refresh = token
            .refresh_token()
            .ok_or_else(|| AuthError::NoRefreshToken {
                key: token.patient().unwrap_or("").to_owned(),
            })?;
        let mut secrets = self.client_secrets();
        secrets.push(refresh.secret());
        secrets.push(token.access_token().secret());
        let http = CapturingClient::new(&self.inner.transport, self.inner.endpoints.token.clone());
        let result = self
            .inner
            .oauth
            .exchange_refresh_token(refresh)
            .request_async(&http)
            .await;
        secrets.absorb(http.take_secrets());
        let outcome = token_outcome(Endpoint::TokenRefresh, http.take(), result.err(), &secrets)
            .map(|new| {
                new.with_issuer(self.inner.token_issuer.clone())
                    .keep_refresh_token_from(token)
            });
        tracing::debug!(ok = outcome.is_ok(), "token refreshed");
        outcome
    }

    /// RFC 7009 revocation (`/o/revoke_token/`): this token stops working (revoking an access
    /// token also makes its refresh token fail with `invalid_grant`); the data-access grant
    /// stays. The server answers 200 even for an unknown token.
    pub async fn revoke_token(&self, token: TokenRef<'_>) -> Result<(), AuthError> {
        let url = self.inner.endpoints.revoke_token.clone();
        self.post_token_form(Endpoint::RevokeToken, url, token)
            .await
            .map(drop)
    }

    /// Blue Button revocation (`/o/revoke/`): revokes the token **and deletes the
    /// data-access grant**, which revokes every token of this app for this beneficiary.
    /// Use it for "disconnect" / logout.
    pub async fn revoke(&self, token: TokenRef<'_>) -> Result<(), AuthError> {
        let url = self.inner.endpoints.revoke.clone();
        self.post_token_form(Endpoint::Revoke, url, token)
            .await
            .map(drop)
    }

    /// RFC 7662 introspection (`/o/introspect/`, client-authenticated).
    pub async fn introspect(&self, token: TokenRef<'_>) -> Result<Introspection, AuthError> {
        let url = self.inner.endpoints.introspect.clone();
        let response = self
            .post_token_form(Endpoint::Introspect, url, token)
            .await?;
        decode_json(Endpoint::Introspect, &response)
    }

    /// The beneficiary's profile (`/connect/userinfo`; needs the `profile` scope, else 403).
    pub async fn userinfo(&self, access_token: &AccessToken) -> Result<UserInfo, AuthError> {
        let request =
            Request::get(self.inner.endpoints.userinfo.clone()).bearer(access_token.secret());
        let mut secrets = self.client_secrets();
        secrets.push(access_token.secret());
        let response = self.send(Endpoint::UserInfo, request, &secrets).await?;
        decode_json(Endpoint::UserInfo, &response)
    }

    async fn post_token_form(
        &self,
        endpoint: Endpoint,
        url: Url,
        token: TokenRef<'_>,
    ) -> Result<Response, AuthError> {
        let fields = vec![
            ("token".to_owned(), token.secret().to_owned()),
            ("token_type_hint".to_owned(), token.hint().to_owned()),
        ];
        let request = Request::post_form(url, fields)
            .basic_auth(
                &self.inner.client_id,
                self.inner.client_secret.expose_secret(),
            )
            .retry(false);
        let mut secrets = self.client_secrets();
        secrets.push(token.secret());
        self.send(endpoint, request, &secrets).await
    }

    /// The client secret in every form a request carries it (plain and Basic-encoded).
    fn client_secrets(&self) -> Secrets {
        let mut secrets = Secrets::new();
        secrets.push_basic(
            &self.inner.client_id,
            self.inner.client_secret.expose_secret(),
        );
        secrets
    }

    async fn send(
        &self,
        endpoint: Endpoint,
        request: Request,
        secrets: &Secrets,
    ) -> Result<Response, AuthError> {
        // Every OAuth and OIDC endpoint serves only JSON (userinfo answers 406 to FHIR JSON).
        let request = request.header(ACCEPT, HeaderValue::from_static(JSON_ACCEPT));
        let response = self
            .inner
            .transport
            .send_raw(request)
            .await
            .map_err(|source| AuthError::Transport { endpoint, source })?;
        if response.status().is_success() {
            Ok(response)
        } else {
            Err(classify_error(endpoint, &response, secrets))
        }
    }
}

impl fmt::Debug for AuthClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthClient")
            .field("client_id", &self.inner.client_id)
            .field("client_secret", &"[redacted]")
            .field("redirect_uri", &self.inner.redirect_uri.as_str())
            .field("token_endpoint", &self.inner.endpoints.token.as_str())
            .finish()
    }
}

/// Reads the captured token reply (success or error); without one, reports why nothing came
/// back.
fn token_outcome<RE>(
    endpoint: Endpoint,
    captured: Option<Response>,
    error: Option<RequestTokenError<bluebutton_transport::TransportError, RE>>,
    secrets: &Secrets,
) -> Result<AuthorizationToken, AuthError>
where
    RE: oauth2::ErrorResponse + 'static,
{
    let received_at = OffsetDateTime::now_utc();
    match (captured, error) {
        (Some(response), _) if response.status().is_success() => {
            AuthorizationToken::from_response_json(response.body(), received_at)
                .map_err(|problem| AuthError::InvalidTokenResponse { endpoint, problem })
        }
        (Some(response), _) => Err(classify_error(endpoint, &response, secrets)),
        (None, Some(RequestTokenError::Request(source))) => {
            Err(AuthError::Transport { endpoint, source })
        }
        (None, _) => Err(AuthError::RequestNotSent { endpoint }),
    }
}

fn decode_json<T: serde::de::DeserializeOwned>(
    endpoint: Endpoint,
    response: &Response,
) -> Result<T, AuthError> {
    let de = &mut serde_json::Deserializer::from_slice(response.body());
    serde_path_to_error::deserialize(de).map_err(|e| AuthError::Decode {
        endpoint,
        path: crate::token::server_path(&e),
        message: redacted_json_message(e.inner()),
    })
}
