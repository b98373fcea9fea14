//! [`BlueButtonBuilder`]: a [`BlueButton`] with your token store, HTTP client, token manager
//! settings and paging caps.

use std::fmt;
use std::sync::Arc;

use bluebutton_auth::{AuthClient, MemoryStore, TokenManager, TokenStore};
use bluebutton_config::Config;
use bluebutton_transport::Transport;

use crate::client::{BlueButton, Shared};
use crate::error::Error;
use crate::paging::PageLimits;

/// Settings applied to the token manager when the client is built.
type ManagerSettings = Box<dyn FnOnce(TokenManager) -> TokenManager + Send>;

/// Builds a [`BlueButton`]; every setting has a default.
///
/// ```
/// use std::sync::Arc;
/// use bluebutton::{BlueButton, Config, MemoryStore, PageLimits};
///
/// let config = Config::builder()
///     .client_id("my-client-id")
///     .client_secret("my-client-secret")
///     .callback_url("http://localhost:3000/callback")
///     .build()?;
/// let bb = BlueButton::builder(config)
///     .token_store(Arc::new(MemoryStore::new()))
///     .token_manager(|tokens| {
///         tokens.on_token_issued(|key, token| println!("new token for {key}, expires {}", token.expires_at()))
///     })
///     .page_limits(PageLimits::default().max_pages(100))
///     .build()?;
/// # let _ = bb; Ok::<(), bluebutton::Error>(())
/// ```
#[must_use]
pub struct BlueButtonBuilder {
    config: Config,
    store: Option<Arc<dyn TokenStore>>,
    transport: Option<Transport>,
    reqwest_client: Option<reqwest::Client>,
    manager_settings: Option<ManagerSettings>,
    limits: PageLimits,
}

impl BlueButtonBuilder {
    pub(crate) fn new(config: Config) -> Self {
        Self {
            config,
            store: None,
            transport: None,
            reqwest_client: None,
            manager_settings: None,
            limits: PageLimits::default(),
        }
    }

    /// Where tokens are kept (default: a [`MemoryStore`]). Use a
    /// [`FileStore`](bluebutton_auth::FileStore) or
    /// [`SqliteStore`](bluebutton_auth::SqliteStore) (shared between processes) to keep them
    /// across restarts, encrypted at rest with a [`TokenKey`](bluebutton_auth::TokenKey):
    ///
    /// ```no_run
    /// # async fn run(config: bluebutton::Config) -> Result<(), Box<dyn std::error::Error>> {
    /// use std::sync::Arc;
    /// use bluebutton::{BlueButton, SqliteStore, TokenKey};
    ///
    /// // The key lives apart from the database: here in BLUEBUTTON_TOKEN_KEY (base64).
    /// let key = TokenKey::from_env()?.ok_or("set BLUEBUTTON_TOKEN_KEY")?;
    /// let store = SqliteStore::open("tokens.sqlite3").await?.with_key(key);
    /// let bb = BlueButton::builder(config).token_store(Arc::new(store)).build()?;
    /// # Ok(()) }
    /// ```
    pub fn token_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// A ready transport (e.g. with your own retry settings or user agent suffix). Its base URL
    /// should be the config's.
    pub fn transport(mut self, transport: Transport) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Your own `reqwest::Client` (proxy, TLS roots...), wrapped in a transport built from the
    /// config. Ignored when [`transport`](Self::transport) is set.
    pub fn reqwest_client(mut self, client: reqwest::Client) -> Self {
        self.reqwest_client = Some(client);
        self
    }

    /// Settings of the token manager ([`TokenManager`]: the refresh skew with
    /// [`with_skew`](TokenManager::with_skew), an on-token-issued callback with
    /// [`on_token_issued`](TokenManager::on_token_issued), ...), applied to the manager built
    /// from the config when the client is built.
    pub fn token_manager(
        mut self,
        configure: impl FnOnce(TokenManager) -> TokenManager + Send + 'static,
    ) -> Self {
        self.manager_settings = Some(Box::new(configure));
        self
    }

    /// Default paging caps of every search (default [`PageLimits::default`]).
    pub fn page_limits(mut self, limits: PageLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<BlueButton, Error> {
        let config = self.config;
        let transport = match (self.transport, self.reqwest_client) {
            (Some(transport), _) => transport,
            (None, Some(client)) => Transport::builder(&config)
                .reqwest_client(client)
                .build()
                .map_err(|e| Error::ClientBuild(Box::new(e)))?,
            (None, None) => Transport::new(&config).map_err(|e| Error::ClientBuild(Box::new(e)))?,
        };
        let auth = AuthClient::new(&config, transport.clone());
        let store = self
            .store
            .unwrap_or_else(|| Arc::new(MemoryStore::new()) as Arc<dyn TokenStore>);
        let mut tokens = TokenManager::from_config(&config, auth.clone(), store);
        if let Some(configure) = self.manager_settings {
            tokens = configure(tokens);
        }
        let endpoints = config.endpoints();
        Ok(BlueButton {
            shared: Arc::new(Shared {
                config,
                transport,
                auth,
                tokens,
                endpoints,
                limits: self.limits,
            }),
        })
    }
}

impl fmt::Debug for BlueButtonBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlueButtonBuilder")
            .field("config", &self.config)
            .field("custom_store", &self.store.is_some())
            .field("custom_transport", &self.transport.is_some())
            .field("custom_token_manager", &self.manager_settings.is_some())
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}
