//! What every API command starts from: the resolved config, the token file and its key, and
//! the client.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bluebutton::{Beneficiary, BlueButton, Config, FileStore, SqliteStore, TokenKey, TokenStore};
use bluebutton_auth::{Issuer, WriteFaults};
use bluebutton_config::ConfigLoader;

use crate::cli::Cli;
use crate::error::CliError;

/// The name of the token file in the user's config directory.
const TOKEN_FILE: &str = "tokens.json";

/// The name of the token key file in the user's data directory.
const KEY_FILE: &str = "tokens.key";

/// Loads the configuration: `--config FILE`, else the discovered file in the current directory;
/// the `BLUEBUTTON_*` environment variables apply on top in both cases.
pub(crate) fn load_config(cli: &Cli) -> Result<Config, CliError> {
    Ok(config_loader(cli).load()?)
}

/// The loader of [`load_config`]: `--config FILE` or discovery, with the environment on top.
pub(crate) fn config_loader(cli: &Cli) -> ConfigLoader {
    let loader = match &cli.config {
        Some(file) => ConfigLoader::new().file(file),
        None => ConfigLoader::new().discover_cwd(),
    };
    loader.process_env()
}

/// Warns on standard error about each key of the config file that names no setting, with the
/// closest known key: a misspelled optional setting would otherwise be ignored silently.
pub(crate) fn warn_unknown_keys(config: &Config) {
    for key in config.unknown_keys() {
        eprintln!(
            "warning: configuration: unknown key {} ignored",
            bluebutton_config::describe_unknown_key(key)
        );
    }
}

/// The configuration for a command that talks to the server without the app's identity
/// (`metadata`): like [`load_config`], but a missing client id, secret or callback URL is no
/// error (those settings stay empty and unused).
pub(crate) fn load_config_without_credentials(cli: &Cli) -> Result<Config, CliError> {
    let diagnosis = config_loader(cli).diagnose();
    let blocking = diagnosis
        .errors()
        .iter()
        .position(|e| !matches!(e, bluebutton::ConfigError::Missing { .. }));
    match blocking {
        Some(index) => Err(diagnosis.into_errors().swap_remove(index).into()),
        None => Ok(diagnosis.into_config()),
    }
}

/// The token file: `--token-store`, else `<config dir>/bluebutton/tokens.json`.
pub(crate) fn token_store_path(cli: &Cli) -> Result<PathBuf, CliError> {
    if let Some(path) = &cli.token_store {
        return Ok(path.clone());
    }
    let base = dirs::config_dir().ok_or_else(|| CliError::InvalidSetting {
        setting: "--token-store",
        reason: "no user config directory is known here (set HOME or XDG_CONFIG_HOME, or pass --token-store)".to_owned(),
    })?;
    Ok(base.join("bluebutton").join(TOKEN_FILE))
}

/// Where the key of the token file comes from.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum KeySource {
    /// `BLUEBUTTON_TOKEN_KEY` holds the key itself.
    Env,
    /// A key file (created on first use), and what chose it.
    File(PathBuf, &'static str),
}

impl KeySource {
    /// The value and source columns of `config show`.
    pub(crate) fn describe(&self) -> (String, &'static str) {
        match self {
            KeySource::Env => ("[redacted]".to_owned(), TokenKey::ENV_VAR),
            KeySource::File(path, source) => (path.display().to_string(), source),
        }
    }
}

/// The token key's source: `BLUEBUTTON_TOKEN_KEY`, else `--token-key-file`, else `tokens.key`
/// next to an explicit `--token-store`, else `<data dir>/bluebutton/tokens.key` (apart from
/// the token file, so a copied config directory carries no usable token).
pub(crate) fn token_key_source(cli: &Cli) -> Result<KeySource, CliError> {
    if std::env::var_os(TokenKey::ENV_VAR).is_some() {
        return Ok(KeySource::Env);
    }
    if let Some(path) = &cli.token_key_file {
        return Ok(KeySource::File(
            path.clone(),
            "--token-key-file or BLUEBUTTON_TOKEN_KEY_FILE",
        ));
    }
    if let Some(store) = &cli.token_store {
        return Ok(KeySource::File(
            store.with_file_name(KEY_FILE),
            "next to --token-store",
        ));
    }
    let base = dirs::data_local_dir().ok_or_else(|| CliError::InvalidSetting {
        setting: "--token-key-file",
        reason: "no user data directory is known here (set HOME or XDG_DATA_HOME, or pass --token-key-file)".to_owned(),
    })?;
    Ok(KeySource::File(
        base.join("bluebutton").join(KEY_FILE),
        "default",
    ))
}

/// The token key: from `BLUEBUTTON_TOKEN_KEY`, or read from (or created in) its key file. A
/// key file left empty by an interrupted creation is replaced unless `store` holds tokens.
fn token_key(cli: &Cli, store: &Path) -> Result<TokenKey, CliError> {
    match token_key_source(cli)? {
        KeySource::Env => TokenKey::from_env()?.ok_or_else(|| CliError::InvalidSetting {
            setting: "BLUEBUTTON_TOKEN_KEY",
            reason: "the variable disappeared while starting".to_owned(),
        }),
        KeySource::File(path, _) => {
            ensure_private_dir(&path)?;
            Ok(TokenKey::load_or_create_for_store(&path, store)?)
        }
    }
}

/// Creates the token file's directory if missing (mode 0700 on Unix, as it holds secrets).
fn ensure_private_dir(path: &Path) -> Result<(), CliError> {
    let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(());
    };
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(CliError::io(dir))
}

/// True when the token store path names a SQLite database (`.sqlite`, `.sqlite3`, `.db`),
/// which several processes can share with a database lock; anything else is a JSON file.
pub(crate) fn is_sqlite_store(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("sqlite" | "sqlite3" | "db")
    )
}

/// The store key of a login: the profile and the issuer (origin, client id, API version), so
/// that a login is only ever used with the server and app it came from, and switching the
/// configuration never loses another one.
pub(crate) fn login_key(profile: &str, issuer: &Issuer) -> String {
    format!("{profile} {}", issuer.label())
}

/// The variable of the test hook that makes token file writes fail (see the crate docs).
const WRITE_FAULT_VAR: &str = "BLUEBUTTON_TEST_TOKEN_WRITE_FAULT";

/// The write faults the test hook asks for: `enospc` makes every write of the token file fail
/// at `fsync` with "no space left on device".
fn injected_write_faults() -> Result<Option<WriteFaults>, CliError> {
    match std::env::var_os(WRITE_FAULT_VAR) {
        None => Ok(None),
        Some(value) if value == "enospc" => {
            tracing::debug!("test hook: every token file write fails with ENOSPC");
            Ok(Some(WriteFaults::every_sync_fails()))
        }
        Some(_) => Err(CliError::InvalidSetting {
            setting: WRITE_FAULT_VAR,
            reason: "the only accepted value is `enospc` (a test hook; unset it)".to_owned(),
        }),
    }
}

/// The client of the configured app, with the token file as its store.
pub(crate) struct Context {
    /// The client.
    pub(crate) client: BlueButton,
    /// The login's profile (`--profile`).
    pub(crate) profile: String,
    /// The store key of the login: profile and issuer ([`login_key`]).
    pub(crate) key: String,
    /// The issuer of the configuration.
    pub(crate) issuer: Issuer,
}

impl Context {
    /// Loads the config and opens the token store (a login may be missing: for `login`).
    pub(crate) async fn new(cli: &Cli) -> Result<Self, CliError> {
        let config = load_config(cli)?;
        warn_unknown_keys(&config);
        let path = token_store_path(cli)?;
        ensure_private_dir(&path)?;
        tracing::debug!(token_store = %path.display(), base_url = %config.base_url(), "client");
        let key = token_key(cli, &path)?;
        let store: Arc<dyn TokenStore> = if is_sqlite_store(&path) {
            Arc::new(SqliteStore::open(&path).await?.with_key(key))
        } else {
            let mut file_store = FileStore::new(path).with_key(key);
            if let Some(faults) = injected_write_faults()? {
                file_store = file_store.with_write_faults(faults);
            }
            Arc::new(file_store)
        };
        let issuer = Issuer::from_config(&config);
        let transport = crate::retries::transport(&config)?;
        let client = BlueButton::builder(config)
            .transport(transport)
            .token_store(store)
            .build()?;
        let profile = cli.profile.clone();
        let key = move_legacy_login(client.token_manager().store().as_ref(), &profile, &issuer)
            .await?
            .unwrap_or_else(|| login_key(&profile, &issuer));
        Ok(Context {
            client,
            profile,
            key,
            issuer,
        })
    }

    /// Like [`new`](Self::new), for commands that need a login of this configuration: without
    /// one, the error names the profile, the configured issuer and the logins the store has.
    pub(crate) async fn with_login(cli: &Cli) -> Result<Self, CliError> {
        // A configuration error comes first. Then, without a token file or its key file there
        // is no login to use: say so before creating either (only `login` creates them).
        load_config(cli)?;
        let store = token_store_path(cli)?;
        if !store.exists() {
            return Err(CliError::LoginMissing {
                profile: cli.profile.clone(),
            });
        }
        if let KeySource::File(key, _) = token_key_source(cli)?
            && !key.exists()
        {
            return Err(CliError::KeyMissing {
                store,
                key,
                profile: cli.profile.clone(),
            });
        }
        let context = Self::new(cli).await?;
        if context
            .client
            .token_manager()
            .stored(&context.key)
            .await?
            .is_none()
        {
            let store = context.client.token_manager().store();
            let others = store
                .keys()
                .await?
                .into_iter()
                .filter(|k| *k != context.key)
                .collect();
            return Err(CliError::NoLogin {
                profile: context.profile,
                issuer: Box::new(context.issuer),
                others,
            });
        }
        Ok(context)
    }

    /// The handle of the stored login.
    pub(crate) fn beneficiary(&self) -> Beneficiary {
        self.client.beneficiary(self.key.clone())
    }
}

/// Logins saved under the bare profile name (before issuers were recorded): one that has an
/// issuer moves to its issuer's key (never over an existing login); one without is used
/// under its old key until a successful call records the issuer, and moves on a later run.
/// Returns the old key when this run should use it.
async fn move_legacy_login(
    store: &dyn TokenStore,
    profile: &str,
    issuer: &Issuer,
) -> Result<Option<String>, CliError> {
    let Some(token) = store.load(profile).await? else {
        return Ok(None);
    };
    match token.issuer() {
        None if store.load(&login_key(profile, issuer)).await?.is_none() => {
            Ok(Some(profile.to_owned()))
        }
        None => Ok(None),
        Some(owner) => {
            let target = login_key(profile, owner);
            if store.load(&target).await?.is_none() {
                store.save(&target, &token).await?;
            }
            store.remove(profile).await?;
            tracing::debug!(%owner, "login moved to its issuer's key");
            Ok(None)
        }
    }
}
