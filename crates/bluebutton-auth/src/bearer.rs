//! [`ManagedBearer`]: the token manager as the transport's per-attempt
//! [`BearerSource`], for one logical request of one key.

use std::fmt;
use std::sync::{Mutex, PoisonError};

use bluebutton_transport::{BearerSource, BoxFuture, CredentialError, WwwAuthenticate};
use oauth2::AccessToken;
use zeroize::Zeroizing;

use crate::error::AuthError;
use crate::manager::{MayRefresh, TokenManager};
use crate::token::AuthorizationToken;

/// The [`BearerSource`] of one logical request for one key (see [`TokenManager::bearer`]).
///
/// - Every attempt gets [`TokenManager::token`]'s answer: the stored token, refreshed first
///   when due. If a refresh fails without an answer from the server (5xx, network), it is not
///   tried again within this request: the current token is used while it is valid.
/// - A 401 `invalid_token` is replayed with the stored token when another task or process
///   has replaced the refused one (no refresh of its own); when the refused token is still the
///   stored one, it is refreshed (if automatic refresh is on): once per request when the
///   server calls the token invalid, again when it says the token has expired (it arrived too
///   late for its lifetime). The transport bounds the replays
///   ([`bluebutton_transport::MAX_REPLAYS`]).
///
/// Its errors are [`AuthError`]s: downcast the source of
/// [`TransportError::Credentials`](bluebutton_transport::TransportError::Credentials).
pub struct ManagedBearer<'a> {
    manager: &'a TokenManager,
    key: &'a str,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// A token already read for this request (by [`ManagedBearer::token`] or a replay), used
    /// by the next attempt unless it has become due meanwhile.
    next: Option<AuthorizationToken>,
    /// The token of the latest attempt.
    last: Option<AuthorizationToken>,
    /// A refresh failed in this request.
    refresh_failed: bool,
    /// A refused token was refreshed in this request (at most once for a token the server
    /// calls invalid: a server that refuses the token it has just issued is not asked again).
    refreshed_after_refusal: bool,
}

impl<'a> ManagedBearer<'a> {
    pub(crate) fn new(manager: &'a TokenManager, key: &'a str) -> Self {
        Self {
            manager,
            key,
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The token the first attempt will carry (e.g. to check its scopes before sending).
    pub async fn token(&self) -> Result<AuthorizationToken, AuthError> {
        let token = self.resolve().await?;
        self.state().next = Some(token.clone());
        Ok(token)
    }

    /// After the request succeeded: a token saved without an issuer takes this manager's
    /// ([`TokenManager::adopt_issuer`]).
    pub async fn confirm(&self) -> Result<(), AuthError> {
        let last = self.state().last.clone();
        match last {
            Some(token) if token.issuer().is_none() => {
                self.manager.adopt_issuer(self.key, &token).await
            }
            _ => Ok(()),
        }
    }

    async fn resolve(&self) -> Result<AuthorizationToken, AuthError> {
        let (next, may_refresh) = {
            let mut state = self.state();
            let may = if state.refresh_failed {
                MayRefresh::No
            } else {
                MayRefresh::Yes
            };
            (state.next.take(), may)
        };
        if let Some(token) = next
            && !token.refresh_due(self.manager.skew())
        {
            return Ok(token);
        }
        let current = self.manager.current(self.key, may_refresh).await?;
        if current.refresh_failed {
            self.state().refresh_failed = true;
        }
        Ok(current.token)
    }

    async fn on_rejected(&self, refused: &str, expired: bool) -> Result<bool, AuthError> {
        let refused = AccessToken::new(refused.to_owned());
        let next = if self.manager.refresh_on_expire() {
            let newer = self.manager.newer_than(self.key, &refused).await?;
            let (failed, refreshed) = {
                let state = self.state();
                (state.refresh_failed, state.refreshed_after_refusal)
            };
            match newer {
                Some(token) => Some(token),
                // A token the server says has *expired* (it reached the server later than its
                // lifetime allowed, e.g. a slow network) is worth another refresh; one it
                // calls invalid, once it has been refreshed, is not.
                None if failed || (refreshed && !expired) => None,
                None => {
                    self.state().refreshed_after_refusal = true;
                    Some(self.manager.refresh_rejected(self.key, &refused).await?)
                }
            }
        } else {
            self.manager.newer_than(self.key, &refused).await?
        };
        let Some(next) = next else {
            return Ok(false);
        };
        if next.same_access_token(&refused) {
            return Ok(false);
        }
        self.state().next = Some(next);
        Ok(true)
    }
}

impl BearerSource for ManagedBearer<'_> {
    fn bearer(&self) -> BoxFuture<'_, Result<Zeroizing<String>, CredentialError>> {
        Box::pin(async move {
            let token = self.resolve().await.map_err(CredentialError::from)?;
            let secret = Zeroizing::new(token.access_token().secret().clone());
            self.state().last = Some(token);
            Ok(secret)
        })
    }

    fn rejected<'b>(
        &'b self,
        token: &'b str,
        challenge: &'b WwwAuthenticate,
    ) -> BoxFuture<'b, Result<bool, CredentialError>> {
        Box::pin(async move {
            self.on_rejected(token, challenge.says_expired())
                .await
                .map_err(CredentialError::from)
        })
    }
}

impl fmt::Debug for ManagedBearer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManagedBearer")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}
