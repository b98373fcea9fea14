//! What every API command starts from: the resolved config, the token file and the client.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bluebutton::{Beneficiary, BlueButton, Config, FileStore, TokenStore};
use bluebutton_config::ConfigLoader;

use crate::cli::Cli;
use crate::error::CliError;

/// The name of the token file in the user's config directory.
const TOKEN_FILE: &str = "tokens.json";

/// Loads the configuration: `--config FILE`, else the discovered file in the current directory;
/// the `BLUEBUTTON_*` environment variables apply on top in both cases.
pub(crate) fn load_config(cli: &Cli) -> Result<Config, CliError> {
    let loader = match &cli.config {
        Some(file) => ConfigLoader::new().file(file),
        None => ConfigLoader::new().discover_cwd(),
    };
    Ok(loader.process_env().load()?)
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

/// The client of the configured app, with the token file as its store.
pub(crate) struct Context {
    /// The client.
    pub(crate) client: BlueButton,
    /// The store key of the login (`--profile`).
    pub(crate) profile: String,
}

impl Context {
    /// Loads the config and opens the token file.
    pub(crate) fn new(cli: &Cli) -> Result<Self, CliError> {
        let config = load_config(cli)?;
        let path = token_store_path(cli)?;
        ensure_private_dir(&path)?;
        tracing::debug!(token_store = %path.display(), base_url = %config.base_url(), "client");
        let store: Arc<dyn TokenStore> = Arc::new(FileStore::new(path));
        let client = BlueButton::builder(config).token_store(store).build()?;
        Ok(Context {
            client,
            profile: cli.profile.clone(),
        })
    }

    /// The handle of the stored login.
    pub(crate) fn beneficiary(&self) -> Beneficiary {
        self.client.beneficiary(self.profile.clone())
    }
}
