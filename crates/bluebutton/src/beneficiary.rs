//! [`Beneficiary`]: the handle of one stored token; every data call goes through it with the
//! newest valid access token.

use std::fmt;
use std::sync::Arc;

use bluebutton_auth::{
    AuthorizationToken, Introspection, Scope, ScopeResource, TokenRef, UserInfo,
};
use bluebutton_fhir::{Coverage, ExplanationOfBenefit, Patient, Resource};
use bluebutton_transport::{Request, Response, TransportError};
use bytes::Bytes;
use futures_util::future::BoxFuture;
use http::StatusCode;
use url::{Origin, Url};

use crate::client::Shared;
use crate::decode;
use crate::error::{Error, Operation, ScopeCheck};
use crate::paging::{PageSource, Pages, page_stream};
use crate::resolve::resolve;
use crate::search::{Search, SearchResource};

/// The scope a call needs, checked against the token's granted scopes before sending.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Needs {
    Nothing,
    /// A `patient/Patient.*` scope (demographics).
    PatientScope,
    /// `profile` (userinfo).
    Profile,
}

impl Needs {
    fn scope_name(self) -> &'static str {
        match self {
            Self::Nothing => "",
            Self::PatientScope => "patient/Patient.rs",
            Self::Profile => "profile",
        }
    }

    /// True when the token's scopes show the need is not met. A token without any scope
    /// information is given the benefit of the doubt (the server decides).
    fn unmet_by(self, token: &AuthorizationToken) -> bool {
        if token.scopes().is_empty() {
            return false;
        }
        match self {
            Self::Nothing => false,
            Self::PatientScope => !token.can_search(ScopeResource::Patient),
            Self::Profile => !token.has_scope(&Scope::Profile),
        }
    }

    fn refused(self, operation: Operation, checked_by: ScopeCheck) -> Error {
        Error::ScopeNotGranted {
            operation,
            required: self.scope_name(),
            checked_by,
        }
    }
}

/// One beneficiary's connection: the token stored under a key (their patient id, or your own
/// key). Cheap to clone.
///
/// Before **every attempt** of a request (retries included) it asks the token manager for a
/// valid access token: refreshed ahead of expiry (single flight: concurrent calls and
/// processes refresh once), and after a 401 `invalid_token` the newer stored token, or one
/// refresh, and a replay (at most two per request). Only tokens of this client's issuer
/// (origin, client id, API version) are sent. A refreshed token is saved in the client's
/// token store (and passed to its `on_token_issued` callback); [`token`](Self::token) always
/// returns the newest one, so your app can save it.
///
/// Results are typed FHIR R4 ([`bluebutton_fhir`]) for API v2 and v3; the `_json` variants
/// return [`serde_json::Value`] for any version (v1 serves STU3).
#[derive(Clone)]
pub struct Beneficiary {
    pub(crate) shared: Arc<Shared>,
    key: Arc<str>,
}

impl Beneficiary {
    pub(crate) fn new(shared: Arc<Shared>, key: String) -> Self {
        Self {
            shared,
            key: key.into(),
        }
    }

    /// The token store key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The newest valid token (refreshed first if it expires soon), e.g. to save it.
    pub async fn token(&self) -> Result<AuthorizationToken, Error> {
        Ok(self.shared.tokens.token(&self.key).await?)
    }

    /// The token as stored, without refreshing it (`None` if there is none). A token of
    /// another issuer than this client's configuration is [`bluebutton_auth::AuthError::WrongIssuer`].
    pub async fn stored_token(&self) -> Result<Option<AuthorizationToken>, Error> {
        Ok(self.shared.tokens.stored(&self.key).await?)
    }

    /// Refreshes now, whatever the expiry, stores and returns the new token.
    pub async fn refresh(&self) -> Result<AuthorizationToken, Error> {
        Ok(self.shared.tokens.force_refresh(&self.key).await?)
    }

    /// Disconnects: revokes the token and the data-access grant (`/o/revoke/`), then removes
    /// the token from the store **even if the revocation fails**
    /// ([`bluebutton_auth::TokenManager::disconnect`]); the revocation error, if any, is
    /// returned after the removal. Another issuer's token is neither revoked nor removed.
    pub async fn revoke(&self) -> Result<(), Error> {
        Ok(self
            .shared
            .tokens
            .disconnect(&self.shared.auth, &self.key)
            .await?)
    }

    /// RFC 7662 introspection of the current access token.
    pub async fn introspect(&self) -> Result<Introspection, Error> {
        let token = self.token().await?;
        Ok(self
            .shared
            .auth
            .introspect(TokenRef::Access(token.access_token()))
            .await?)
    }

    /// An ExplanationOfBenefit (claims) search (official: `get_explaination_of_benefit_data`).
    pub fn explanation_of_benefit(&self) -> Search<ExplanationOfBenefit> {
        Search::new(self.clone())
    }

    /// A Coverage search (official: `get_coverage_data`).
    pub fn coverage(&self) -> Search<Coverage> {
        Search::new(self.clone())
    }

    /// A Patient search (official: `get_patient_data`). Needs a demographic scope: without
    /// one it fails with [`Error::ScopeNotGranted`] and sends nothing.
    pub fn patient(&self) -> Search<Patient> {
        Search::new(self.clone())
    }

    /// Reads one resource by id (`fhir/<type>/<id>`), typed.
    pub async fn read<R: SearchResource>(&self, id: &str) -> Result<R, Error> {
        let operation = Operation::Read(R::TYPE);
        self.shared.require_r4(operation)?;
        let mut url = self.shared.endpoints.fhir_base.clone();
        // An http(s) URL always has path segments; `push` percent-encodes the id.
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().push(R::TYPE).push(id);
        }
        let needs = if R::DEMOGRAPHIC {
            Needs::PatientScope
        } else {
            Needs::Nothing
        };
        let response = self.get(url.clone(), operation, needs).await?;
        let resource = decode::resource(operation, &url, response.body())?;
        let found = resource.resource_type().to_owned();
        R::from_resource(resource).ok_or(Error::UnexpectedResource {
            operation,
            expected: R::TYPE,
            found,
            status: response.status(),
        })
    }

    /// The beneficiary's profile (`connect/userinfo`; official: `get_profile_data`). Needs the
    /// `profile` scope: without it, [`Error::ScopeNotGranted`] and nothing is sent.
    pub async fn userinfo(&self) -> Result<UserInfo, Error> {
        let url = self.shared.endpoints.userinfo.clone();
        let response = self
            .get(url.clone(), Operation::UserInfo, Needs::Profile)
            .await?;
        decode::json(Operation::UserInfo, &url, response.body())
    }

    /// The digital insurance card (`fhir/Patient/$generate-insurance-card` on the configured
    /// version's path; official Python 1.1.0: `get_insurance_card_data`). The real server
    /// offers it on v3 only. Unlike the Node SDK, which always calls `/v3/` whatever its
    /// configured version, this uses the configured version: configure v3 to use it.
    pub async fn insurance_card(&self) -> Result<Resource, Error> {
        let operation = Operation::InsuranceCard;
        self.shared.require_r4(operation)?;
        let url = self.insurance_card_url();
        let response = self.get(url.clone(), operation, Needs::Nothing).await?;
        decode::resource(operation, &url, response.body())
    }

    /// The insurance card as JSON.
    pub async fn insurance_card_json(&self) -> Result<serde_json::Value, Error> {
        let url = self.insurance_card_url();
        let response = self
            .get(url.clone(), Operation::InsuranceCard, Needs::Nothing)
            .await?;
        decode::json(Operation::InsuranceCard, &url, response.body())
    }

    fn insurance_card_url(&self) -> Url {
        let mut url = self.shared.endpoints.fhir_base.clone();
        let path = format!("{}Patient/$generate-insurance-card", url.path());
        url.set_path(&path);
        url
    }

    /// GETs a custom path or URL as JSON (official: `get_custom_data`). A path is resolved
    /// under `{base}/v{n}/` (e.g. `fhir/Coverage/part-a--123/`); an absolute URL must be on the
    /// configured origin, else [`Error::InvalidTarget`] and nothing is sent.
    pub async fn get_json(&self, path_or_url: &str) -> Result<serde_json::Value, Error> {
        let url = resolve(&self.shared.endpoints, path_or_url)?;
        let response = self
            .get(url.clone(), Operation::Custom, Needs::Nothing)
            .await?;
        decode::json(Operation::Custom, &url, response.body())
    }

    /// GETs a custom path or URL (as [`Beneficiary::get_json`]) and returns the body exactly
    /// as received, for pass-through.
    pub async fn get_raw(&self, path_or_url: &str) -> Result<bytes::Bytes, Error> {
        let url = resolve(&self.shared.endpoints, path_or_url)?;
        let response = self.get(url, Operation::Custom, Needs::Nothing).await?;
        Ok(response.body().clone())
    }

    /// Pages of a custom path or URL as JSON, following `next` links (official: `get_pages`).
    pub fn pages_json(&self, path_or_url: &str) -> Pages<serde_json::Value> {
        match resolve(&self.shared.endpoints, path_or_url) {
            Ok(url) => self.page_stream(url, Operation::Custom, Needs::Nothing, self.shared.limits),
            Err(e) => Pages::new(Box::pin(futures_util::stream::once(async { Err(e) }))),
        }
    }

    /// Pages of a custom path or URL as received, following `next` links (see
    /// [`crate::RawPage`]; any API version).
    pub fn pages_raw(&self, path_or_url: &str) -> Pages<crate::RawPage> {
        match resolve(&self.shared.endpoints, path_or_url) {
            Ok(url) => self.page_stream(url, Operation::Custom, Needs::Nothing, self.shared.limits),
            Err(e) => Pages::new(Box::pin(futures_util::stream::once(async { Err(e) }))),
        }
    }

    pub(crate) fn page_stream<T: crate::paging::PageDoc>(
        &self,
        first: Url,
        operation: Operation,
        needs: Needs,
        limits: crate::PageLimits,
    ) -> Pages<T> {
        let source = Arc::new(Fetcher {
            beneficiary: self.clone(),
            needs,
        });
        Pages::new(page_stream(source, first, operation, limits))
    }

    /// One authorized GET: the token is resolved for every attempt (a retry after a wait
    /// never carries a token that expired meanwhile), scopes are checked before sending, and
    /// a 401 `invalid_token` is replayed with the newer stored token or after one refresh (at
    /// most twice). A 403 on a demographic call becomes [`Error::ScopeNotGranted`].
    pub(crate) async fn get(
        &self,
        url: Url,
        operation: Operation,
        needs: Needs,
    ) -> Result<Response, Error> {
        let bearer = self.shared.tokens.bearer(&self.key);
        let token = bearer.token().await?;
        if needs.unmet_by(&token) {
            return Err(needs.refused(operation, ScopeCheck::Token));
        }
        let result = self
            .shared
            .transport
            .send_with_bearer(Request::get(url), &bearer)
            .await;
        match result {
            Ok(response) => {
                bearer.confirm().await?;
                Ok(response)
            }
            Err(e) => Err(match e.status() {
                Some(StatusCode::FORBIDDEN) if needs != Needs::Nothing => {
                    needs.refused(operation, ScopeCheck::Server)
                }
                _ => credentials_error(e).unwrap_or_else(|e| Error::http(operation, e)),
            }),
        }
    }
}

/// The [`bluebutton_auth::AuthError`] behind a transport's credentials failure, as
/// [`Error::Auth`]; any other error is given back.
fn credentials_error(error: TransportError) -> Result<Error, TransportError> {
    match error {
        TransportError::Credentials {
            method,
            url,
            source,
        } => match source.downcast::<bluebutton_auth::AuthError>() {
            Ok(auth) => Ok(Error::Auth(*auth)),
            Err(source) => Err(TransportError::Credentials {
                method,
                url,
                source,
            }),
        },
        other => Err(other),
    }
}

impl fmt::Debug for Beneficiary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Beneficiary")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// The real [`PageSource`]: a beneficiary's authorized GETs.
struct Fetcher {
    beneficiary: Beneficiary,
    needs: Needs,
}

impl PageSource for Fetcher {
    fn fetch(&self, url: Url, operation: Operation) -> BoxFuture<'_, Result<Bytes, Error>> {
        Box::pin(async move {
            let response = self.beneficiary.get(url, operation, self.needs).await?;
            Ok(response.body().clone())
        })
    }

    fn origin(&self) -> Origin {
        self.beneficiary.shared.config.base_url().origin()
    }
}
