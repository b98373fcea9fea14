//! The per-attempt identity seam: a [`BearerSource`] gives the access token of every attempt,
//! so a retry after a wait, or a replay after a 401, never carries a token that has since
//! expired or been replaced.

use std::future::Future;
use std::pin::Pin;

use zeroize::Zeroizing;

use crate::www_authenticate::WwwAuthenticate;

/// A boxed, sendable future (the same type as `futures_util::future::BoxFuture`).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The error a [`BearerSource`] reports (kept as the source of
/// [`TransportError::Credentials`](crate::TransportError::Credentials), so a caller can
/// downcast it to its own type).
pub type CredentialError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// At most this many replays after a 401 `invalid_token` within one logical request, so a
/// server that refuses every token ends the request instead of looping.
pub const MAX_REPLAYS: u32 = 2;

/// Where the bearer token of each attempt comes from, for
/// [`Transport::send_with_bearer`](crate::Transport::send_with_bearer).
///
/// The transport calls [`bearer`](Self::bearer) before **every** attempt, including each retry
/// after a backoff or `Retry-After` wait, so the token is resolved per attempt (as the
/// smithy-rs orchestrator resolves identity). When the server answers 401 with
/// `WWW-Authenticate: Bearer error="invalid_token"`, it calls [`rejected`](Self::rejected)
/// with the token that was refused; if that returns `true` the request is replayed at once
/// with a new [`bearer`](Self::bearer), at most [`MAX_REPLAYS`] times per logical request.
/// Replays do not use up retries.
pub trait BearerSource: Send + Sync {
    /// The access token for the next attempt (a secret: it is scrubbed from error bodies and
    /// never logged).
    fn bearer(&self) -> BoxFuture<'_, Result<Zeroizing<String>, CredentialError>>;

    /// The server refused `token` with 401 `invalid_token` (its `challenge` says why). Return
    /// `true` when another token should be tried (a newer one is stored, or one was obtained
    /// by refreshing), `false` to give the 401 to the caller.
    fn rejected<'a>(
        &'a self,
        token: &'a str,
        challenge: &'a WwwAuthenticate,
    ) -> BoxFuture<'a, Result<bool, CredentialError>>;
}
