//! [`TokenManager`]: a valid access token per key, refreshed ahead of expiry or after a 401,
//! once for any number of concurrent callers (single flight).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use oauth2::AccessToken;

use crate::client::AuthClient;
use crate::error::{AuthError, Endpoint, ReauthReason};
use crate::issuer::Issuer;
use crate::locks::KeyedLocks;
use crate::store::{TokenStore, TokenUpdate};
use crate::token::{AuthorizationToken, RefreshStatus};

/// Default margin before expiry at which a token is refreshed ahead of time.
pub const DEFAULT_REFRESH_SKEW: Duration = Duration::from_secs(60);

/// Something that can refresh a token: [`AuthClient`], or a test double.
pub trait TokenRefresher: Send + Sync {
    /// Exchanges `token`'s refresh token for a new token.
    fn refresh<'a>(
        &'a self,
        token: &'a AuthorizationToken,
    ) -> BoxFuture<'a, Result<AuthorizationToken, AuthError>>;

    /// Who issues the tokens this refresher refreshes; the manager then only hands out (and
    /// only ever removes) tokens of this issuer. `None` (the default) checks nothing.
    fn issuer(&self) -> Option<Issuer> {
        None
    }
}

impl TokenRefresher for AuthClient {
    fn refresh<'a>(
        &'a self,
        token: &'a AuthorizationToken,
    ) -> BoxFuture<'a, Result<AuthorizationToken, AuthError>> {
        Box::pin(AuthClient::refresh(self, token))
    }

    fn issuer(&self) -> Option<Issuer> {
        Some(AuthClient::issuer(self).clone())
    }
}

/// Callback fired after a new token is stored (`key`, new token).
pub type OnTokenIssued = Arc<dyn Fn(&str, &AuthorizationToken) + Send + Sync>;

/// Hands out valid access tokens per key (a patient id or any app key), backed by a
/// [`TokenStore`].
///
/// - [`TokenManager::token`] returns the stored token, refreshing it first when it is due and
///   automatic refresh is on (`token_refresh_on_expire`).
/// - [`TokenManager::bearer`] gives a [`BearerSource`](bluebutton_transport::BearerSource)
///   for one logical request, so the transport resolves the token for **every attempt** (a
///   retry after a `Retry-After` wait never sends a token that expired meanwhile) and a 401
///   `invalid_token` is replayed with the newer stored token, or after one refresh.
/// - [`TokenManager::refresh_rejected`] is for "the API answered 401 `invalid_token` to this
///   access token": it refreshes once, unless another task or process already replaced that
///   token, and returns the current one.
///
/// **When a token is refreshed.** A token is due when it expires within the *effective skew*:
/// the configured skew (default 60 s), but never more than half the token's lifetime
/// ([`AuthorizationToken::effective_skew`]). A one-hour token is refreshed in its last minute;
/// a 2 s token once it has 1 s left, so at most about one refresh per second per login however
/// many requests and processes share it, instead of a refresh (and a rotation that kills the
/// other processes' access tokens) before every request.
///
/// **Single flight**: callers of one key queue on a per-key async mutex; the refresh runs
/// inside [`TokenStore::update`], which re-reads the token under the store's lock, so the
/// first caller refreshes and the others find the new token. With [`crate::SqliteStore`] and
/// [`crate::FileStore`] this extends across processes.
///
/// **Issuer binding**: a manager built with an [`AuthClient`] (or [`with_issuer`](Self::with_issuer))
/// hands out only tokens of that client's issuer ([`Issuer`]: origin, client id, API
/// version). Another issuer's token gives [`AuthError::WrongIssuer`] before any request, and is
/// never refreshed or removed. A token saved without an issuer (by an older version) is used
/// and takes this issuer once a refresh or a request with it succeeds
/// ([`adopt_issuer`](Self::adopt_issuer)).
///
/// **Re-authorization**: when the server refuses the refresh (reused or revoked refresh token,
/// expired or deleted data-access grant), the stored token is **removed** and
/// [`AuthError::ReauthorizationRequired`] returned, with its [`ReauthReason`]; later calls get
/// [`AuthError::TokenNotFound`] until a new token is [inserted](TokenManager::insert), so a
/// dead refresh token is never sent again. A **one-time** app's refusal keeps the token (marked
/// [`RefreshStatus::OneTimeAccess`], never refreshed again) until its access token expires;
/// then [`ReauthReason::OneTimeAccess`]. A refresh that got a 5xx or no answer leaves the
/// stored token in place, marked [`RefreshStatus::Unconfirmed`] (the server may have rotated
/// before failing); if the next refresh is refused, the reason is
/// [`ReauthReason::EarlierRefreshFailed`]. Any other failure leaves the stored token untouched.
pub struct TokenManager {
    refresher: Arc<dyn TokenRefresher>,
    store: Arc<dyn TokenStore>,
    skew: Duration,
    refresh_on_expire: bool,
    on_token_issued: Option<OnTokenIssued>,
    locks: KeyedLocks,
    issuer: Option<Issuer>,
}

/// Why a refresh is considered.
#[derive(Clone, Copy)]
enum Cause<'a> {
    /// The token is due (inside its effective skew).
    Due,
    /// The API refused this access token (401 `invalid_token`).
    Rejected(&'a AccessToken),
    /// The caller asked for a refresh whatever the expiry.
    Forced,
}

/// Whether [`TokenManager::current`] may refresh.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum MayRefresh {
    Yes,
    /// An earlier refresh in this logical request failed: do not try again.
    No,
}

/// A valid token, and the refresh failure met on the way, if any (the token is then the
/// current one, still valid).
pub(crate) struct Current {
    pub(crate) token: AuthorizationToken,
    pub(crate) refresh_failed: bool,
}

impl TokenManager {
    /// A manager refreshing through `refresher` and keeping tokens in `store`, with
    /// automatic refresh on and the default skew.
    ///
    /// The issuer is the refresher's ([`TokenRefresher::issuer`]).
    pub fn new(refresher: impl TokenRefresher + 'static, store: Arc<dyn TokenStore>) -> Self {
        let issuer = refresher.issuer();
        Self {
            refresher: Arc::new(refresher),
            store,
            skew: DEFAULT_REFRESH_SKEW,
            refresh_on_expire: true,
            on_token_issued: None,
            locks: KeyedLocks::default(),
            issuer,
        }
    }

    /// Like [`new`](Self::new), with automatic refresh set from the config's
    /// `token_refresh_on_expire`.
    pub fn from_config(
        config: &bluebutton_config::Config,
        refresher: impl TokenRefresher + 'static,
        store: Arc<dyn TokenStore>,
    ) -> Self {
        Self::new(refresher, store).with_refresh_on_expire(config.token_refresh_on_expire())
    }

    /// Refresh this long before expiry (default [`DEFAULT_REFRESH_SKEW`]); for each token at
    /// most half its lifetime (see the type's docs).
    pub fn with_skew(mut self, skew: Duration) -> Self {
        self.skew = skew;
        self
    }

    /// Hands out only tokens of `issuer` (`None`: any token). The default is the refresher's.
    pub fn with_issuer(mut self, issuer: Option<Issuer>) -> Self {
        self.issuer = issuer;
        self
    }

    /// The issuer whose tokens this manager hands out, if it checks one.
    pub fn issuer(&self) -> Option<&Issuer> {
        self.issuer.as_ref()
    }

    /// The configured skew (the upper bound of each token's effective skew).
    pub fn skew(&self) -> Duration {
        self.skew
    }

    /// Whether tokens are refreshed automatically (`token_refresh_on_expire`).
    pub fn refresh_on_expire(&self) -> bool {
        self.refresh_on_expire
    }

    /// Turns automatic refresh on or off (the config's `token_refresh_on_expire`).
    pub fn with_refresh_on_expire(mut self, on: bool) -> Self {
        self.refresh_on_expire = on;
        self
    }

    /// Calls `callback` after each new token is stored (by [`insert`](Self::insert) or a
    /// refresh), e.g. to persist it elsewhere. It must not block.
    pub fn on_token_issued(
        mut self,
        callback: impl Fn(&str, &AuthorizationToken) + Send + Sync + 'static,
    ) -> Self {
        self.on_token_issued = Some(Arc::new(callback));
        self
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn TokenStore> {
        &self.store
    }

    /// Stores a token (e.g. fresh from a code exchange) under `key`. A token without an
    /// issuer gets this manager's.
    pub async fn insert(&self, key: &str, token: &AuthorizationToken) -> Result<(), AuthError> {
        let token = match (token.issuer(), &self.issuer) {
            (None, Some(issuer)) => token.clone().with_issuer(issuer.clone()),
            _ => token.clone(),
        };
        self.store.save(key, &token).await?;
        self.issued(key, &token);
        Ok(())
    }

    /// Forgets the token under `key` (e.g. after revoking it). A token of another issuer is
    /// left alone ([`AuthError::WrongIssuer`]).
    pub async fn remove(&self, key: &str) -> Result<(), AuthError> {
        if let Some(token) = self.store.load(key).await? {
            self.check_issuer(key, &token)?;
        }
        self.store.remove(key).await
    }

    /// The stored token under `key`, without refreshing, if it belongs to this manager's
    /// issuer (another issuer's: [`AuthError::WrongIssuer`]).
    pub async fn stored(&self, key: &str) -> Result<Option<AuthorizationToken>, AuthError> {
        match self.store.load(key).await? {
            Some(token) => {
                self.check_issuer(key, &token)?;
                Ok(Some(token))
            }
            None => Ok(None),
        }
    }

    /// Records this manager's issuer on the token under `key` if it has none and still
    /// carries `used`'s access token: call it after a request with `used` succeeded (the
    /// [`BearerSource`](bluebutton_transport::BearerSource) of [`bearer`](Self::bearer) does
    /// it through [`ManagedBearer::confirm`](crate::ManagedBearer::confirm)).
    pub async fn adopt_issuer(
        &self,
        key: &str,
        used: &AuthorizationToken,
    ) -> Result<(), AuthError> {
        let Some(issuer) = self.issuer.clone() else {
            return Ok(());
        };
        if used.issuer().is_some() {
            return Ok(());
        }
        let access = used.access_token().clone();
        self.store
            .update(
                key,
                Box::new(move |current| {
                    Box::pin(async move {
                        match current {
                            Some(current)
                                if current.issuer().is_none()
                                    && current.same_access_token(&access) =>
                            {
                                tracing::debug!(%issuer, "stored token adopted by this issuer");
                                TokenUpdate::Replace(current.with_issuer(issuer))
                            }
                            _ => TokenUpdate::Keep,
                        }
                    })
                }),
            )
            .await
    }

    /// Fails with [`AuthError::WrongIssuer`] when `token` was issued for another issuer.
    pub(crate) fn check_issuer(
        &self,
        key: &str,
        token: &AuthorizationToken,
    ) -> Result<(), AuthError> {
        match (&self.issuer, token.issuer()) {
            (Some(configured), Some(found)) if configured != found => Err(AuthError::WrongIssuer {
                key: key.to_owned(),
                token_issuer: Box::new(found.clone()),
                configured: Box::new(configured.clone()),
            }),
            _ => Ok(()),
        }
    }

    async fn load_checked(&self, key: &str) -> Result<AuthorizationToken, AuthError> {
        self.stored(key)
            .await?
            .ok_or_else(|| AuthError::TokenNotFound {
                key: key.to_owned(),
            })
    }

    /// Logout: ends the data-access grant with [`AuthClient::revoke`] (which revokes every
    /// token of this app for the beneficiary) and removes the local token **even if the
    /// revocation fails**; the revocation error, if any, is returned after the removal.
    pub async fn disconnect(&self, client: &AuthClient, key: &str) -> Result<(), AuthError> {
        let Some(token) = self.stored(key).await? else {
            return Ok(());
        };
        let revoked = match token.refresh_token() {
            Some(refresh) => client.revoke(crate::TokenRef::Refresh(refresh)).await,
            None => {
                client
                    .revoke(crate::TokenRef::Access(token.access_token()))
                    .await
            }
        };
        self.store.remove(key).await?;
        revoked
    }

    /// A token for `key` that is not due for a refresh, refreshing first if needed.
    ///
    /// If an early refresh (token due, not yet expired) fails for a reason other than
    /// re-authorization, the current token is returned. With automatic refresh off, a due
    /// token is returned as is and an expired one gives [`AuthError::TokenExpired`].
    pub async fn token(&self, key: &str) -> Result<AuthorizationToken, AuthError> {
        Ok(self.current(key, MayRefresh::Yes).await?.token)
    }

    /// [`token`](Self::token), with the refresh forbidden when an earlier one of the same
    /// logical request failed, and that failure reported.
    pub(crate) async fn current(
        &self,
        key: &str,
        may_refresh: MayRefresh,
    ) -> Result<Current, AuthError> {
        let current = self.load_checked(key).await?;
        let valid = |token: AuthorizationToken| Current {
            token,
            refresh_failed: false,
        };
        if current.refresh_status() == RefreshStatus::OneTimeAccess {
            return if current.is_expired() {
                Err(one_time_expired())
            } else {
                Ok(valid(current))
            };
        }
        if !current.refresh_due(self.skew) {
            return Ok(valid(current));
        }
        if !self.refresh_on_expire {
            return if current.is_expired() {
                Err(AuthError::TokenExpired {
                    key: key.to_owned(),
                })
            } else {
                Ok(valid(current))
            };
        }
        if may_refresh == MayRefresh::No {
            return if current.is_expired() {
                Err(AuthError::RefreshFailedEarlier {
                    key: key.to_owned(),
                })
            } else {
                Ok(Current {
                    token: current,
                    refresh_failed: true,
                })
            };
        }
        let skew = self.skew;
        match self
            .refresh_if(key, Cause::Due, move |t| t.refresh_due(skew))
            .await
        {
            // A transient failure (5xx, network) while the old token still works: use it.
            Err(e) if !e.requires_reauthorization() && !current.is_expired() => {
                tracing::warn!(error = %e, "early refresh failed; using the current token");
                Ok(Current {
                    token: current,
                    refresh_failed: true,
                })
            }
            other => other.map(valid),
        }
    }

    /// The access token of [`token`](Self::token).
    pub async fn access_token(&self, key: &str) -> Result<AccessToken, AuthError> {
        Ok(self.token(key).await?.access_token().clone())
    }

    /// The API rejected `rejected` (401 `invalid_token`): refresh once, unless the stored
    /// token is already a different one (another task or process refreshed), and return the
    /// current token (refreshing it too if it expires within the skew). Works whether or not
    /// automatic refresh is on.
    pub async fn refresh_rejected(
        &self,
        key: &str,
        rejected: &AccessToken,
    ) -> Result<AuthorizationToken, AuthError> {
        let skew = self.skew;
        self.refresh_if(key, Cause::Rejected(rejected), move |t| {
            t.same_access_token(rejected) || t.refresh_due(skew)
        })
        .await
    }

    /// The stored token under `key` when it no longer carries `rejected` (another task or
    /// process replaced it), without refreshing.
    pub async fn newer_than(
        &self,
        key: &str,
        rejected: &AccessToken,
    ) -> Result<Option<AuthorizationToken>, AuthError> {
        Ok(self
            .stored(key)
            .await?
            .filter(|t| !t.same_access_token(rejected) && !t.is_expired()))
    }

    /// Refreshes now, whatever the expiry (e.g. to pick up changed scopes).
    pub async fn force_refresh(&self, key: &str) -> Result<AuthorizationToken, AuthError> {
        self.refresh_if(key, Cause::Forced, |_| true).await
    }

    /// A [`BearerSource`](bluebutton_transport::BearerSource) for one logical request of
    /// `key`, for [`Transport::send_with_bearer`](bluebutton_transport::Transport::send_with_bearer).
    pub fn bearer<'a>(&'a self, key: &'a str) -> crate::ManagedBearer<'a> {
        crate::ManagedBearer::new(self, key)
    }

    /// Under the key lock and the store's lock: re-read, refresh if `needs` still holds,
    /// store the outcome.
    async fn refresh_if(
        &self,
        key: &str,
        cause: Cause<'_>,
        needs: impl Fn(&AuthorizationToken) -> bool + Send + Sync,
    ) -> Result<AuthorizationToken, AuthError> {
        let _guard = self.locks.lock(key).await;
        let mut outcome: Option<(Result<AuthorizationToken, AuthError>, bool)> = None;
        let slot = &mut outcome;
        let needs = &needs;
        self.store
            .update(
                key,
                Box::new(move |current| {
                    Box::pin(async move {
                        let (result, update) = self.decide(key, current, cause, needs).await;
                        let issued = matches!(update, TokenUpdate::Replace(_)) && result.is_ok();
                        *slot = Some((result, issued));
                        update
                    })
                }),
            )
            .await?;
        match outcome {
            Some((Ok(token), issued)) => {
                if issued && token.refresh_status() == RefreshStatus::Usable {
                    self.issued(key, &token);
                }
                Ok(token)
            }
            Some((Err(e), _)) => Err(e),
            None => Err(AuthError::TokenNotFound {
                key: key.to_owned(),
            }),
        }
    }

    /// What to return and store, given the token read under the lock.
    async fn decide(
        &self,
        key: &str,
        current: Option<AuthorizationToken>,
        cause: Cause<'_>,
        needs: &(impl Fn(&AuthorizationToken) -> bool + Send + Sync),
    ) -> (Result<AuthorizationToken, AuthError>, TokenUpdate) {
        let Some(current) = current else {
            let e = AuthError::TokenNotFound {
                key: key.to_owned(),
            };
            return (Err(e), TokenUpdate::Keep);
        };
        if let Err(e) = self.check_issuer(key, &current) {
            return (Err(e), TokenUpdate::Keep);
        }
        if !needs(&current) {
            return (Ok(current), TokenUpdate::Keep);
        }
        // Whether the caller must hear that no new token can be had (the API refused this
        // one, or a refresh was asked for explicitly), rather than get the current one.
        let must_renew = match cause {
            Cause::Due => false,
            Cause::Rejected(refused) => current.same_access_token(refused),
            Cause::Forced => true,
        };
        if current.refresh_status() == RefreshStatus::OneTimeAccess {
            // The server never refreshes these: do not ask again.
            return if current.is_expired() || must_renew {
                (Err(one_time_expired()), TokenUpdate::Keep)
            } else {
                (Ok(current), TokenUpdate::Keep)
            };
        }
        match self.refresher.refresh(&current).await {
            Ok(new) => {
                let new = match (&self.issuer, new.issuer()) {
                    (Some(issuer), None) => new.with_issuer(issuer.clone()),
                    _ => new,
                };
                (Ok(new.clone()), TokenUpdate::Replace(new))
            }
            Err(AuthError::ReauthorizationRequired {
                endpoint,
                status,
                error,
                description,
                reason: ReauthReason::OneTimeAccess,
            }) => {
                // Keep it: its access token still works until it expires.
                tracing::warn!(
                    "refresh refused: the app has one-time access; the token is kept until it expires"
                );
                let kept = current.with_refresh_status(RefreshStatus::OneTimeAccess);
                let result = if kept.is_expired() || must_renew {
                    Err(AuthError::ReauthorizationRequired {
                        endpoint,
                        status,
                        error,
                        description,
                        reason: ReauthReason::OneTimeAccess,
                    })
                } else {
                    Ok(kept.clone())
                };
                (result, TokenUpdate::Replace(kept))
            }
            Err(AuthError::ReauthorizationRequired {
                endpoint,
                status,
                error,
                description,
                reason,
            }) => {
                let reason = match (current.refresh_status(), reason) {
                    (
                        RefreshStatus::Unconfirmed,
                        ReauthReason::RefreshTokenRefused | ReauthReason::RefreshTokenUnknown,
                    ) => ReauthReason::EarlierRefreshFailed,
                    (_, reason) => reason,
                };
                let e = AuthError::ReauthorizationRequired {
                    endpoint,
                    status,
                    error,
                    description,
                    reason,
                };
                tracing::warn!(error = %e, "refresh refused; stored token removed");
                (Err(e), TokenUpdate::Remove)
            }
            Err(AuthError::NoRefreshToken { .. }) => {
                let e = AuthError::NoRefreshToken {
                    key: key.to_owned(),
                };
                (Err(e), TokenUpdate::Keep)
            }
            Err(e) if outcome_unknown(&e) => {
                // The server may have rotated before failing: keep the token, and remember
                // it so a refusal of the next refresh is explained.
                let marked = current.with_refresh_status(RefreshStatus::Unconfirmed);
                (Err(e), TokenUpdate::Replace(marked))
            }
            Err(e) => (Err(e), TokenUpdate::Keep),
        }
    }

    fn issued(&self, key: &str, token: &AuthorizationToken) {
        if let Some(callback) = &self.on_token_issued {
            callback(key, token);
        }
    }
}

/// The error for a one-time app's token once its access token has expired or was refused.
fn one_time_expired() -> AuthError {
    AuthError::ReauthorizationRequired {
        endpoint: Endpoint::TokenRefresh,
        status: http::StatusCode::FORBIDDEN,
        error: "invalid_client".to_owned(),
        description: None,
        reason: ReauthReason::OneTimeAccess,
    }
}

/// True when a refresh failed in a way that leaves unknown whether the server rotated the
/// token pair: a 5xx reply, or a request that may have reached the server but got no reply.
fn outcome_unknown(error: &AuthError) -> bool {
    match error {
        AuthError::UnexpectedStatus { status, .. } => status.is_server_error(),
        AuthError::Transport { source, .. } => {
            !matches!(source, bluebutton_transport::TransportError::Connect { .. })
        }
        _ => false,
    }
}

impl fmt::Debug for TokenManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenManager")
            .field("skew", &self.skew)
            .field("refresh_on_expire", &self.refresh_on_expire)
            .field("on_token_issued", &self.on_token_issued.is_some())
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}
