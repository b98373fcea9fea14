//! [`BlueButton`]: the client of one app (config, transport, OAuth, token store), and the
//! calls that need no beneficiary (authorize URL, code exchange, metadata).

use std::fmt;
use std::sync::Arc;

use bluebutton_auth::{
    AuthClient, AuthRequest, AuthorizationToken, CallbackQuery, TokenManager, TokenRef,
};
use bluebutton_config::{ApiVersion, Config, Endpoints};
use bluebutton_fhir::FhirVersion;
use bluebutton_transport::Transport;
use url::Url;

use crate::beneficiary::Beneficiary;
use crate::builder::BlueButtonBuilder;
use crate::error::{Error, Operation};
use crate::format::FromBody;
use crate::paging::PageLimits;

/// What every handle of one client shares.
pub(crate) struct Shared {
    pub(crate) config: Config,
    pub(crate) transport: Transport,
    pub(crate) auth: AuthClient,
    pub(crate) tokens: TokenManager,
    pub(crate) endpoints: Endpoints,
    pub(crate) limits: PageLimits,
}

impl Shared {
    /// Fails, before anything is sent, when `T` is a typed model of another FHIR release than the
    /// configured API version serves (R4 on v1, STU3 on v2/v3).
    pub(crate) fn check_release<T: FromBody>(&self, operation: Operation) -> Result<(), Error> {
        let version = self.config.version();
        let serves = served_release(version);
        match T::FHIR {
            Some(needs) if needs != serves => Err(Error::WrongFhirVersion {
                operation,
                version,
                requested: T::NAMES.0,
                needs,
                serves,
                instead: T::NAMES.1,
            }),
            _ => Ok(()),
        }
    }
}

/// The FHIR release an API version serves: STU3 on v1, R4 on v2 and v3.
pub(crate) fn served_release(version: ApiVersion) -> FhirVersion {
    match version {
        ApiVersion::V1 => FhirVersion::Stu3,
        _ => FhirVersion::R4,
    }
}

/// The Blue Button 2.0 client of one app: configuration, one pooled HTTP transport, the OAuth
/// client and a token store. Cheap to clone; share one per app.
///
/// - Connecting a beneficiary: [`new_auth_request`](Self::new_auth_request) →
///   [`authorize_url`](Self::authorize_url) → (browser) →
///   [`exchange_code`](Self::exchange_code), which stores the token and returns a
///   [`Beneficiary`] handle.
/// - Reading data: [`beneficiary`](Self::beneficiary) gives the handle of a stored token; its
///   calls refresh the token as needed and persist the new one.
///
/// ```no_run
/// # async fn run() -> Result<(), bluebutton::Error> {
/// use bluebutton::{BlueButton, Config};
///
/// let bb = BlueButton::new(Config::discover()?)?;
/// let request = bb.new_auth_request();
/// println!("open {}", bb.authorize_url(&request));
/// // ... the browser comes back to the callback URL with `?code=...&state=...`:
/// let beneficiary = bb.exchange_code(request, "code=...&state=...").await?;
/// let patient: bluebutton::Bundle = beneficiary.patient().first().await?;
/// # let _ = patient; Ok(()) }
/// ```
#[derive(Clone)]
pub struct BlueButton {
    pub(crate) shared: Arc<Shared>,
}

impl BlueButton {
    /// A client for `config` with the defaults: an in-memory token store and a new transport.
    pub fn new(config: Config) -> Result<Self, Error> {
        Self::builder(config).build()
    }

    /// A builder to set the token store, transport or `reqwest` client, token callback, paging
    /// caps...
    pub fn builder(config: Config) -> BlueButtonBuilder {
        BlueButtonBuilder::new(config)
    }

    /// A client for [`Config::discover`]: `./.bluebutton-config.json` (then `.yaml`, `.yml`) in
    /// the current directory, with the `BLUEBUTTON_*` environment variables on top (the
    /// official SDKs' no-argument constructor).
    pub fn from_default_config() -> Result<Self, Error> {
        Self::new(Config::discover()?)
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    /// The endpoint URLs of the configured API version.
    pub fn endpoints(&self) -> &Endpoints {
        &self.shared.endpoints
    }

    /// The HTTP transport (for requests of your own).
    pub fn transport(&self) -> &Transport {
        &self.shared.transport
    }

    /// The OAuth client (introspection, RFC 7009 revocation...).
    pub fn auth_client(&self) -> &AuthClient {
        &self.shared.auth
    }

    /// The token manager (valid tokens per key, backed by the token store).
    pub fn token_manager(&self) -> &TokenManager {
        &self.shared.tokens
    }

    /// A new authorization request: fresh `state` and PKCE verifier (official:
    /// `generate_auth_data`). Keep it in the user's session until the callback; add scopes or
    /// a language with [`AuthRequest::with_scopes`] / [`AuthRequest::with_lang`].
    ///
    /// On API v3, where the server requires `scope`, [`BlueButton::authorize_url`] asks for
    /// every advertised scope ([`bluebutton_auth::Scope::all_v2`]) when the request names
    /// none; on v1 and v2 it sends none, so the app's registered scopes apply (as the official
    /// SDKs).
    pub fn new_auth_request(&self) -> AuthRequest {
        AuthRequest::new()
    }

    /// The URL to send the beneficiary's browser to (official: `generate_authorize_url`).
    pub fn authorize_url(&self, request: &AuthRequest) -> Url {
        self.shared.auth.authorize_url(request)
    }

    /// Checks the callback's query string (`code=...&state=...`, with or without `?`) against
    /// `request`, exchanges the code, stores the token under its patient id and returns that
    /// beneficiary's handle (official: `get_authorization_token`).
    ///
    /// `error=access_denied` (the beneficiary pressed Cancel), a missing or mismatched `state`
    /// and a missing `code` fail before any request ([`bluebutton_auth::AuthError`]).
    pub async fn exchange_code(
        &self,
        request: AuthRequest,
        callback_query: &str,
    ) -> Result<Beneficiary, Error> {
        let token = self.exchange(request, callback_query).await?;
        let key = token.patient().ok_or(Error::NoPatientId)?.to_owned();
        self.insert_token(key, &token).await
    }

    /// Like [`exchange_code`](Self::exchange_code), storing the token under your own `key`
    /// (e.g. your user id).
    pub async fn exchange_code_as(
        &self,
        key: impl Into<String>,
        request: AuthRequest,
        callback_query: &str,
    ) -> Result<Beneficiary, Error> {
        let token = self.exchange(request, callback_query).await?;
        self.insert_token(key, &token).await
    }

    async fn exchange(
        &self,
        request: AuthRequest,
        callback_query: &str,
    ) -> Result<AuthorizationToken, Error> {
        let callback = CallbackQuery::parse(callback_query)?;
        Ok(self.shared.auth.exchange_code(request, &callback).await?)
    }

    /// Stores a token you kept (e.g. loaded from your database; the official Python SDK's
    /// `get_dict()` format deserializes into [`AuthorizationToken`]) and returns its handle.
    pub async fn insert_token(
        &self,
        key: impl Into<String>,
        token: &AuthorizationToken,
    ) -> Result<Beneficiary, Error> {
        let key = key.into();
        self.shared.tokens.insert(&key, token).await?;
        Ok(self.beneficiary(key))
    }

    /// The handle of the beneficiary whose token is stored under `key` (no request is made; a
    /// missing token shows up on the first call).
    pub fn beneficiary(&self, key: impl Into<String>) -> Beneficiary {
        Beneficiary::new(self.shared.clone(), key.into())
    }

    /// Refreshes `token` and returns the new one, without the token store (official:
    /// `refresh_auth_token`). The server rotates refresh tokens: `token` is dead afterwards.
    /// Prefer a [`Beneficiary`], which refreshes and stores atomically.
    pub async fn refresh(&self, token: &AuthorizationToken) -> Result<AuthorizationToken, Error> {
        Ok(self.shared.auth.refresh(token).await?)
    }

    /// Revokes `token` **and the data-access grant** (`/o/revoke/`): every token of this app
    /// for this beneficiary stops working. Not in the official SDKs.
    pub async fn revoke(&self, token: &AuthorizationToken) -> Result<(), Error> {
        Ok(self
            .shared
            .auth
            .revoke(TokenRef::Access(token.access_token()))
            .await?)
    }

    /// The FHIR release the configured API version serves: [`FhirVersion::Stu3`] on v1,
    /// [`FhirVersion::R4`] on v2 and v3 (pick the typed models with it: [`crate::stu3`] or the
    /// crate root's).
    pub fn fhir_version(&self) -> FhirVersion {
        served_release(self.shared.config.version())
    }

    /// The server's CapabilityStatement (`fhir/metadata`, no token needed), read as `T`
    /// ([`FromBody`]): a typed [`CapabilityStatement`](bluebutton_fhir::CapabilityStatement) (v2/v3) or a [`serde_json::Value`]
    /// (any version).
    ///
    /// ```no_run
    /// # async fn run(bb: bluebutton::BlueButton) -> Result<(), bluebutton::Error> {
    /// let statement: bluebutton::CapabilityStatement = bb.metadata().await?;
    /// let json = bb.metadata::<serde_json::Value>().await?;
    /// # let _ = (statement, json); Ok(()) }
    /// ```
    pub async fn metadata<T: FromBody>(&self) -> Result<T, Error> {
        self.shared.check_release::<T>(Operation::Metadata)?;
        let url = self.shared.endpoints.metadata.clone();
        let response = self
            .shared
            .transport
            .send(crate::accept::get(Operation::Metadata, url.clone()))
            .await
            .map_err(|e| Error::http(Operation::Metadata, e))?;
        T::from_body(
            Operation::Metadata,
            &url,
            response.status(),
            response.body().clone(),
        )
    }
}

impl TryFrom<Config> for BlueButton {
    type Error = Error;

    /// Same as [`BlueButton::new`].
    fn try_from(config: Config) -> Result<Self, Error> {
        Self::new(config)
    }
}

impl fmt::Debug for BlueButton {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlueButton")
            .field("config", &self.shared.config)
            .field("limits", &self.shared.limits)
            .finish_non_exhaustive()
    }
}
