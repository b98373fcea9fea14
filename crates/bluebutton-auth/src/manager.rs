//! [`TokenManager`]: a valid access token per key, refreshed ahead of expiry or after a 401,
//! once for any number of concurrent callers (single flight).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use oauth2::AccessToken;

use crate::client::AuthClient;
use crate::error::AuthError;
use crate::locks::KeyedLocks;
use crate::store::{TokenStore, TokenUpdate};
use crate::token::AuthorizationToken;

/// Default margin before expiry at which a token is refreshed ahead of time.
pub const DEFAULT_REFRESH_SKEW: Duration = Duration::from_secs(60);

/// Something that can refresh a token: [`AuthClient`], or a test double.
pub trait TokenRefresher: Send + Sync {
    /// Exchanges `token`'s refresh token for a new token.
    fn refresh<'a>(
        &'a self,
        token: &'a AuthorizationToken,
    ) -> BoxFuture<'a, Result<AuthorizationToken, AuthError>>;
}

impl TokenRefresher for AuthClient {
    fn refresh<'a>(
        &'a self,
        token: &'a AuthorizationToken,
    ) -> BoxFuture<'a, Result<AuthorizationToken, AuthError>> {
        Box::pin(AuthClient::refresh(self, token))
    }
}

/// Callback fired after a new token is stored (`key`, new token).
pub type OnTokenIssued = Arc<dyn Fn(&str, &AuthorizationToken) + Send + Sync>;

/// Hands out valid access tokens per key (a patient id or any app key), backed by a
/// [`TokenStore`].
///
/// - [`TokenManager::token`] returns the stored token, refreshing it first when it expires
///   within the skew (default 60 s) and automatic refresh is on (`token_refresh_on_expire`).
/// - [`TokenManager::refresh_rejected`] is for "the API answered 401 `invalid_token` to this
///   access token": it refreshes once, unless another task or process already replaced that
///   token, and returns the current one. It never loops: replay the request once with the
///   returned token and treat a second 401 as final.
///
/// **Single flight**: callers of one key queue on a per-key async mutex; the refresh runs
/// inside [`TokenStore::update`], which re-reads the token under the store's lock, so the
/// first caller refreshes and the others find the new token. With [`crate::SqliteStore`]
/// this extends across processes.
///
/// **Re-authorization**: when the server refuses the refresh (reused or revoked refresh
/// token, expired or deleted data-access grant, one-time app), the stored token is
/// **removed** and [`AuthError::ReauthorizationRequired`] returned; later calls get
/// [`AuthError::TokenNotFound`] until a new token is [inserted](TokenManager::insert), so a
/// dead refresh token is never sent again. Any other failure (5xx, network) leaves the stored
/// token untouched.
pub struct TokenManager {
    refresher: Arc<dyn TokenRefresher>,
    store: Arc<dyn TokenStore>,
    skew: Duration,
    refresh_on_expire: bool,
    on_token_issued: Option<OnTokenIssued>,
    locks: KeyedLocks,
}

impl TokenManager {
    /// A manager refreshing through `refresher` and keeping tokens in `store`, with
    /// automatic refresh on and the default skew.
    pub fn new(refresher: impl TokenRefresher + 'static, store: Arc<dyn TokenStore>) -> Self {
        Self {
            refresher: Arc::new(refresher),
            store,
            skew: DEFAULT_REFRESH_SKEW,
            refresh_on_expire: true,
            on_token_issued: None,
            locks: KeyedLocks::default(),
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

    /// Refresh this long before expiry (default [`DEFAULT_REFRESH_SKEW`]).
    pub fn with_skew(mut self, skew: Duration) -> Self {
        self.skew = skew;
        self
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

    /// Stores a token (e.g. fresh from a code exchange) under `key`.
    pub async fn insert(&self, key: &str, token: &AuthorizationToken) -> Result<(), AuthError> {
        self.store.save(key, token).await?;
        self.issued(key, token);
        Ok(())
    }

    /// Forgets the token under `key` (e.g. after revoking it).
    pub async fn remove(&self, key: &str) -> Result<(), AuthError> {
        self.store.remove(key).await
    }

    /// Logout: ends the data-access grant with [`AuthClient::revoke`] (which revokes every
    /// token of this app for the beneficiary) and removes the local token **even if the
    /// revocation fails**; the revocation error, if any, is returned after the removal.
    pub async fn disconnect(&self, client: &AuthClient, key: &str) -> Result<(), AuthError> {
        let Some(token) = self.store.load(key).await? else {
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

    /// A token for `key` that is valid for at least the skew, refreshing first if needed.
    ///
    /// If an early refresh (token inside the skew window, not yet expired) fails for a reason
    /// other than re-authorization, the current token is returned. With automatic refresh
    /// off, a token inside the skew window is returned as is and an expired one gives
    /// [`AuthError::TokenExpired`].
    pub async fn token(&self, key: &str) -> Result<AuthorizationToken, AuthError> {
        let current = self
            .store
            .load(key)
            .await?
            .ok_or_else(|| AuthError::TokenNotFound {
                key: key.to_owned(),
            })?;
        if !current.expires_within(self.skew) {
            return Ok(current);
        }
        if !self.refresh_on_expire {
            return if current.is_expired() {
                Err(AuthError::TokenExpired {
                    key: key.to_owned(),
                })
            } else {
                Ok(current)
            };
        }
        let skew = self.skew;
        match self.refresh_if(key, move |t| t.expires_within(skew)).await {
            // A transient failure (5xx, network) while the old token still works: use it.
            Err(e) if !e.requires_reauthorization() && !current.is_expired() => {
                tracing::warn!(error = %e, "early refresh failed; using the current token");
                Ok(current)
            }
            other => other,
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
        self.refresh_if(key, move |t| {
            t.same_access_token(rejected) || t.expires_within(skew)
        })
        .await
    }

    /// Refreshes now, whatever the expiry (e.g. to pick up changed scopes).
    pub async fn force_refresh(&self, key: &str) -> Result<AuthorizationToken, AuthError> {
        self.refresh_if(key, |_| true).await
    }

    /// Under the key lock and the store's lock: re-read, refresh if `needs` still holds,
    /// store the outcome.
    async fn refresh_if(
        &self,
        key: &str,
        needs: impl Fn(&AuthorizationToken) -> bool + Send + Sync,
    ) -> Result<AuthorizationToken, AuthError> {
        let _guard = self.locks.lock(key).await;
        let mut outcome: Option<(Result<AuthorizationToken, AuthError>, bool)> = None;
        let slot = &mut outcome;
        let refresher = &self.refresher;
        let needs = &needs;
        self.store
            .update(
                key,
                Box::new(move |current| {
                    Box::pin(async move {
                        let Some(current) = current else {
                            *slot = Some((
                                Err(AuthError::TokenNotFound {
                                    key: key.to_owned(),
                                }),
                                false,
                            ));
                            return TokenUpdate::Keep;
                        };
                        if !needs(&current) {
                            *slot = Some((Ok(current), false));
                            return TokenUpdate::Keep;
                        }
                        match refresher.refresh(&current).await {
                            Ok(new) => {
                                *slot = Some((Ok(new.clone()), true));
                                TokenUpdate::Replace(new)
                            }
                            Err(e) if e.requires_reauthorization() => {
                                tracing::warn!(error = %e, "refresh refused; stored token removed");
                                *slot = Some((Err(e), false));
                                TokenUpdate::Remove
                            }
                            Err(AuthError::NoRefreshToken { .. }) => {
                                let e = AuthError::NoRefreshToken {
                                    key: key.to_owned(),
                                };
                                *slot = Some((Err(e), false));
                                TokenUpdate::Keep
                            }
                            Err(e) => {
                                *slot = Some((Err(e), false));
                                TokenUpdate::Keep
                            }
                        }
                    })
                }),
            )
            .await?;
        match outcome {
            Some((Ok(token), issued)) => {
                if issued {
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

    fn issued(&self, key: &str, token: &AuthorizationToken) {
        if let Some(callback) = &self.on_token_issued {
            callback(key, token);
        }
    }
}

impl fmt::Debug for TokenManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenManager")
            .field("skew", &self.skew)
            .field("refresh_on_expire", &self.refresh_on_expire)
            .field("on_token_issued", &self.on_token_issued.is_some())
            .finish_non_exhaustive()
    }
}
