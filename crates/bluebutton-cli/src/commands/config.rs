//! `config show`: the resolved configuration, each value with where it came from.

use std::io::Write;

use bluebutton::Config;

use crate::cli::Cli;
use crate::context::{load_config, token_key_source, token_store_path};
use crate::error::CliError;
use crate::exit::Exit;

/// The lines of `config show` (the client secret is `[redacted]`).
pub(crate) fn render(
    config: &Config,
    token_store: (&str, &str),
    token_key: (&str, &str),
) -> String {
    let rows = config.describe();
    let width = rows
        .iter()
        .map(|r| r.key.path().len())
        .chain(["token_store".len()])
        .max()
        .unwrap_or(0);
    let mut text = String::new();
    for row in rows {
        text.push_str(&format!(
            "{:width$} = {} ({})\n",
            row.key.path(),
            row.value,
            row.source
        ));
    }
    for (name, (value, source)) in [("token_store", token_store), ("token_key", token_key)] {
        text.push_str(&format!("{name:width$} = {value} ({source})\n"));
    }
    for key in config.unknown_keys() {
        text.push_str(&format!("unknown key ignored: {key}\n"));
    }
    text
}

/// Prints the resolved configuration.
pub(crate) fn show(cli: &Cli) -> Result<Exit, CliError> {
    let config = load_config(cli)?;
    let path = token_store_path(cli)?;
    let source = if cli.token_store.is_some() {
        "--token-store or BLUEBUTTON_TOKEN_STORE"
    } else {
        "default"
    };
    let (key, key_source) = token_key_source(cli)?.describe();
    let text = render(
        &config,
        (&path.display().to_string(), source),
        (&key, key_source),
    );
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(Exit::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_every_value_with_its_source_and_never_the_secret() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cfg.json");
        std::fs::write(
            &path,
            r#"{"client_id":"abc","client_secret":"top-secret-value","callback_url":"http://127.0.0.1:8765/callback","environment":"LOCAL","colour":"blue"}"#,
        )
        .unwrap();
        let config = bluebutton_config::ConfigLoader::new()
            .file(&path)
            .env_vars([("BLUEBUTTON_RETRY_TOTAL", "7")])
            .load()
            .unwrap();
        let text = render(
            &config,
            ("/home/u/.config/bluebutton/tokens.json", "default"),
            ("/home/u/.local/share/bluebutton/tokens.key", "default"),
        )
        .replace(&path.display().to_string(), "CFG");
        assert!(!text.contains("top-secret-value"));
        insta::assert_snapshot!(text);
    }
}
