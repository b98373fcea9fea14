//! [`Beneficiary`]: the handle of one stored token; every data call goes through it with the
//! newest valid access token.

use std::fmt;
use std::sync::Arc;

use bluebutton_auth::{AuthorizationToken, Introspection, ScopeNeed, TokenRef};
use bluebutton_config::ApiVersion;
use bluebutton_fhir::{Coverage, ExplanationOfBenefit, Patient};
use bluebutton_transport::{Response, TransportError};
use bytes::Bytes;
use futures_util::future::BoxFuture;
use http::StatusCode;
use url::{Origin, Url};

use crate::accept;
use crate::client::Shared;
use crate::error::{Error, Operation, ScopeCheck};
use crate::format::{FromBody, Page};
use crate::paging::{PageSource, Pages, page_stream};
use crate::resolve::resolve;
use crate::search::{ReadResource, Search};

/// The scope a call needs, if any (checked by [`AuthorizationToken::grants`] before sending).
pub(crate) type Needs = Option<ScopeNeed>;

/// The error for a call whose scope is not granted.
fn refused(need: ScopeNeed, operation: Operation, checked_by: ScopeCheck) -> Error {
    Error::ScopeNotGranted {
        operation,
        required: need.scope_name(),
        checked_by,
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
/// Results are read in the format the caller names ([`FromBody`]): typed FHIR R4
/// ([`bluebutton_fhir`]) for API v2 and v3, or [`serde_json::Value`], [`crate::RawPage`] and
/// [`Bytes`] for any version (v1 serves STU3).
///
/// ```no_run
/// use bluebutton::prelude::*;
/// use bluebutton::{AuthorizationToken, UserInfo};
///
/// # async fn run(bb: BlueButton, saved: &str) -> Result<(), Box<dyn std::error::Error>> {
/// // A token your app saved earlier (the official Python SDK's `get_dict()` format).
/// let token: AuthorizationToken = serde_json::from_str(saved)?;
/// let beneficiary = bb.insert_token(token.patient().unwrap_or("me"), &token).await?;
///
/// let patients: Bundle = beneficiary.patient().first().await?;
/// let coverage: Bundle = beneficiary.coverage().first().await?;
/// let profile: UserInfo = beneficiary.userinfo().await?;
/// println!(
///     "{} patient, {} coverage, subject {}",
///     patients.patients().count(),
///     coverage.coverages().count(),
///     profile.sub
/// );
///
/// // Every claim, page after page; a refreshed token is saved in the store meanwhile.
/// let mut claims = beneficiary.explanation_of_benefit().resources::<ExplanationOfBenefit>();
/// while let Some(eob) = claims.try_next().await? {
///     println!("{:?} {:?}", eob.claim_type(), eob.totals().paid);
/// }
/// let newest = beneficiary.token().await?; // save this one for next time
/// # let _ = newest;
/// // Disconnect: revokes the grant at the server and forgets the token.
/// beneficiary.revoke().await?;
/// # Ok(()) }
/// ```
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

    /// Reads one resource by id (`fhir/<type>/<id>`), typed: the R4 models on API v2/v3, the
    /// [`stu3`](bluebutton_fhir::stu3) ones on v1 (the other release is [`Error::WrongFhirVersion`]).
    pub async fn read<R: ReadResource>(&self, id: &str) -> Result<R, Error> {
        let operation = Operation::Read(R::TYPE);
        self.shared.check_release::<R>(operation)?;
        let mut url = self.shared.endpoints.fhir_base.clone();
        // An http(s) URL always has path segments; `push` percent-encodes the id.
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().push(R::TYPE).push(id);
        }
        let needs = if R::DEMOGRAPHIC {
            Some(ScopeNeed::Demographics)
        } else {
            None
        };
        self.get_as(url, operation, needs).await
    }

    /// The beneficiary's profile (`connect/userinfo`; official: `get_profile_data`), read as
    /// `T` ([`FromBody`]: a typed [`UserInfo`](bluebutton_auth::UserInfo), a [`serde_json::Value`], or the [`Bytes`] as
    /// received). Needs the `profile` scope: without it, [`Error::ScopeNotGranted`] and nothing
    /// is sent.
    ///
    /// ```no_run
    /// # async fn run(beneficiary: bluebutton::Beneficiary) -> Result<(), bluebutton::Error> {
    /// let profile: bluebutton::UserInfo = beneficiary.userinfo().await?;
    /// # let _ = profile; Ok(()) }
    /// ```
    pub async fn userinfo<T: FromBody>(&self) -> Result<T, Error> {
        let url = self.shared.endpoints.userinfo.clone();
        self.get_as(url, Operation::UserInfo, Some(ScopeNeed::Profile))
            .await
    }

    /// The digital insurance card (`fhir/Patient/$generate-insurance-card` on the configured
    /// version's path; official Python 1.1.0: `get_insurance_card_data`), read as `T`
    /// ([`FromBody`]: e.g. a typed [`Resource`](bluebutton_fhir::Resource) or a
    /// [`serde_json::Value`]): a Bundle of CARIN Digital Insurance Card Patient, Coverage and
    /// Organization resources. The real server offers it on v3 only: on v1 and v2 this is
    /// [`Error::VersionUnsupported`] and nothing is sent (the Node SDK always calls `/v3/`,
    /// whatever its configured version, with a token of another version).
    pub async fn insurance_card<T: FromBody>(&self) -> Result<T, Error> {
        let operation = Operation::InsuranceCard;
        let version = self.shared.config.version();
        if version != ApiVersion::V3 {
            return Err(Error::VersionUnsupported {
                operation,
                needs: ApiVersion::V3,
                version,
            });
        }
        self.shared.check_release::<T>(operation)?;
        let mut url = self.shared.endpoints.fhir_base.clone();
        let path = format!("{}Patient/$generate-insurance-card", url.path());
        url.set_path(&path);
        self.get_as(url, operation, None).await
    }

    /// GETs a custom path or URL (official: `get_custom_data`), read as `T` ([`FromBody`]:
    /// [`serde_json::Value`], the [`Bytes`] exactly as received, a typed resource...). A path
    /// is resolved under `{base}/v{n}/` (e.g. `fhir/Coverage/part-a--123/`); an absolute URL
    /// must be on the configured origin, else [`Error::InvalidTarget`] and nothing is sent.
    ///
    /// ```no_run
    /// # async fn run(beneficiary: bluebutton::Beneficiary) -> Result<(), bluebutton::Error> {
    /// let json: serde_json::Value = beneficiary.get("fhir/Coverage/").await?;
    /// let bytes = beneficiary.get::<bytes::Bytes>("fhir/Coverage/").await?;
    /// # let _ = (json, bytes); Ok(()) }
    /// ```
    pub async fn get<T: FromBody>(&self, path_or_url: &str) -> Result<T, Error> {
        self.shared.check_release::<T>(Operation::Custom)?;
        let url = resolve(&self.shared.endpoints, path_or_url)?;
        self.get_as(url, Operation::Custom, None).await
    }

    /// Pages of a custom path or URL, following `next` links (official: `get_pages`), each
    /// read as `T` ([`Page`]: [`serde_json::Value`], [`crate::RawPage`], or a typed
    /// [`bluebutton_fhir::Bundle`] on v2/v3).
    pub fn pages<T: Page>(&self, path_or_url: &str) -> Pages<T> {
        let url = self
            .shared
            .check_release::<T>(Operation::Custom)
            .and_then(|()| resolve(&self.shared.endpoints, path_or_url));
        match url {
            Ok(url) => self.page_stream(url, Operation::Custom, None, self.shared.limits),
            Err(e) => Pages::new(Box::pin(futures_util::stream::once(async { Err(e) }))),
        }
    }

    /// One authorized GET, read as `T`.
    pub(crate) async fn get_as<T: FromBody>(
        &self,
        url: Url,
        operation: Operation,
        needs: Needs,
    ) -> Result<T, Error> {
        let response = self.fetch(url.clone(), operation, needs).await?;
        let status = response.status();
        T::from_body(operation, &url, status, response.body().clone())
    }

    pub(crate) fn page_stream<T: Page>(
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
    pub(crate) async fn fetch(
        &self,
        url: Url,
        operation: Operation,
        needs: Needs,
    ) -> Result<Response, Error> {
        let bearer = self.shared.tokens.bearer(&self.key);
        let token = bearer.token().await?;
        if let Some(need) = needs.filter(|need| !token.grants(*need)) {
            return Err(refused(need, operation, ScopeCheck::Token));
        }
        let result = self
            .shared
            .transport
            .send_with_bearer(accept::get(operation, url), &bearer)
            .await;
        match result {
            Ok(response) => {
                bearer.confirm().await?;
                Ok(response)
            }
            Err(e) => Err(match e.status() {
                Some(StatusCode::FORBIDDEN) if let Some(need) = needs => {
                    refused(need, operation, ScopeCheck::Server)
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
            let response = self.beneficiary.fetch(url, operation, self.needs).await?;
            Ok(response.body().clone())
        })
    }

    fn origin(&self) -> Origin {
        self.beneficiary.shared.config.base_url().origin()
    }
}
