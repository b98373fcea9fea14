//! OAuth 2.0 for the CMS Blue Button 2.0 API: everything between "the user clicks Connect" and
//! "a valid access token for this request".
//!
//! - [`AuthRequest`]: per-login `state` and PKCE S256 verifier (CSPRNG, 256 bits each),
//!   serializable so a web app can keep it in the user's session; consumed by the exchange.
//! - [`AuthClient::authorize_url`] ([`build_authorize_url`]): the redirect URL.
//! - [`CallbackQuery`]: the redirect back, parsed strictly; `error=` callbacks, a missing or
//!   mismatched `state` and a missing `code` are typed errors that never reach the token
//!   endpoint.
//! - [`AuthClient`]: code exchange, refresh, revoke, introspect and userinfo, HTTP Basic
//!   client authentication, token POSTs never retried, redirects never followed.
//! - [`AuthorizationToken`]: validated token set with typed [`Scope`]s, stored in the official
//!   Python SDK's `get_dict()` format.
//! - [`TokenManager`] over a [`TokenStore`] ([`MemoryStore`], [`FileStore`], [`SqliteStore`]):
//!   refresh ahead of expiry and after a 401, single flight (across processes with SQLite),
//!   [`AuthError::ReauthorizationRequired`] when the beneficiary must consent again.
//!
//! Secrets (client secret, tokens, code, verifier, state) never appear in `Debug`, `Display`,
//! errors or tracing output.
//!
//! # The whole flow
//! ```no_run
//! use std::sync::Arc;
//! use bluebutton_auth::{AuthClient, AuthRequest, CallbackQuery, Scope, SqliteStore, TokenManager};
//! use bluebutton_config::Config;
//! use bluebutton_transport::Transport;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = Config::discover()?;
//! let client = AuthClient::new(&config, Transport::new(&config)?);
//!
//! // 1. "Connect": remember the request in the user's session, redirect the browser.
//! let request = AuthRequest::new().with_scopes(Scope::all_v2());
//! let redirect_to = client.authorize_url(&request);
//! let saved = serde_json::to_string(&request)?; // into the session
//! # let _ = redirect_to;
//!
//! // 2. The callback: take the request *out* of the session, check, exchange.
//! let request: AuthRequest = serde_json::from_str(&saved)?;
//! let callback = CallbackQuery::parse("code=...&state=...")?;
//! let token = client.exchange_code(request, &callback).await?;
//!
//! // 3. Keep it, and get a valid access token for each API call.
//! let store = Arc::new(SqliteStore::open("tokens.sqlite3").await?);
//! let manager = TokenManager::from_config(&config, client.clone(), store);
//! let key = token.patient().unwrap_or("me").to_owned();
//! manager.insert(&key, &token).await?;
//! let access = manager.access_token(&key).await?;
//! // ... call the API with `access`; on a 401 invalid_token:
//! let renewed = manager.refresh_rejected(&key, &access).await?;
//! # let _ = renewed;
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod authorize;
mod bearer;
mod callback;
mod client;
mod error;
mod introspect;
mod issuer;
mod locks;
mod loopback;
mod manager;
mod oauth_http;
mod reply;
mod request;
mod scope;
mod store;
mod token;
mod userinfo;

pub use authorize::build_authorize_url;
pub use bearer::ManagedBearer;
pub use callback::{CallbackQuery, MAX_CALLBACK_QUERY_BYTES, MAX_CALLBACK_VALUE_BYTES};
pub use client::{AuthClient, TokenRef};
pub use error::{
    AuthError, Endpoint, KeyFileProblem, ReauthReason, SealProblem, TokenResponseProblem,
};
pub use introspect::Introspection;
pub use issuer::Issuer;
pub use loopback::{
    MAX_CALLBACK_TARGET_BYTES, ScreenedRequest, StrayRequest, screen_callback_request,
};
pub use manager::{DEFAULT_REFRESH_SKEW, OnTokenIssued, TokenManager, TokenRefresher};
pub use oauth2::{AccessToken, AuthorizationCode, CsrfToken, PkceCodeVerifier, RefreshToken};
pub use request::{AuthRequest, Lang};
pub use scope::{
    Scope, ScopeAccess, ScopeNeed, ScopeResource, ScopeSet, join_scopes, parse_scopes,
};
#[cfg(feature = "sqlite")]
pub use store::{DEFAULT_BUSY_TIMEOUT, SqliteStore};
pub use store::{FileStore, MemoryStore, TokenKey, TokenStore, TokenUpdate, UpdateFn, WriteFaults};
pub use token::{AuthorizationToken, RefreshStatus};
pub use userinfo::UserInfo;
