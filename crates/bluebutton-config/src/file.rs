//! Reads a configuration file (`.json`, `.yaml`, `.yml`) into a parsed document, with typed errors.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use serde_json::Value;
use zeroize::Zeroizing;

use crate::error::ConfigError;

/// The names [`Config::discover`](crate::Config::discover) looks for, in order.
pub const DISCOVERED_FILE_NAMES: [&str; 3] = [
    ".bluebutton-config.json",
    ".bluebutton-config.yaml",
    ".bluebutton-config.yml",
];

enum Format {
    Json,
    Yaml,
}

fn format_of(path: &Path) -> Option<Format> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "json" => Some(Format::Json),
        "yaml" | "yml" => Some(Format::Yaml),
        _ => None,
    }
}

/// Reads and parses `path` by its extension (checked first, case-insensitively, before the
/// file is opened).
pub(crate) fn read_document(path: &Path) -> Result<Value, ConfigError> {
    let owned = || path.to_path_buf();
    let format =
        format_of(path).ok_or_else(|| ConfigError::UnsupportedExtension { path: owned() })?;
    // The text holds the client secret: wipe it once parsed.
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(
        |source| match source.kind() {
            ErrorKind::NotFound => ConfigError::FileNotFound {
                path: owned(),
                source,
            },
            _ => ConfigError::ReadFile {
                path: owned(),
                source,
            },
        },
    )?);
    match format {
        Format::Json => serde_json::from_str(&text).map_err(|source| ConfigError::InvalidJson {
            path: owned(),
            source,
        }),
        // yaml_serde refuses documents whose aliases expand too far ("billion laughs").
        Format::Yaml => serde_yaml::from_str(&text).map_err(|source| ConfigError::InvalidYaml {
            path: owned(),
            source,
        }),
    }
}

/// The first of [`DISCOVERED_FILE_NAMES`] that exists in `dir`.
pub(crate) fn discover(dir: &Path) -> Option<PathBuf> {
    DISCOVERED_FILE_NAMES
        .iter()
        .map(|name| dir.join(name))
        .find(|path| path.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_are_case_insensitive() {
        assert!(matches!(
            format_of(Path::new("a/b.JSON")),
            Some(Format::Json)
        ));
        assert!(matches!(format_of(Path::new("b.Yml")), Some(Format::Yaml)));
        assert!(matches!(
            format_of(Path::new(".bluebutton-config.yaml")),
            Some(Format::Yaml)
        ));
        assert!(format_of(Path::new("b.toml")).is_none());
        assert!(format_of(Path::new(".json")).is_none());
    }

    #[test]
    fn discovery_order() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(discover(dir.path()), None);
        std::fs::write(dir.path().join(".bluebutton-config.yml"), "").unwrap();
        assert_eq!(
            discover(dir.path()),
            Some(dir.path().join(".bluebutton-config.yml"))
        );
        std::fs::write(dir.path().join(".bluebutton-config.yaml"), "").unwrap();
        assert_eq!(
            discover(dir.path()),
            Some(dir.path().join(".bluebutton-config.yaml"))
        );
        std::fs::create_dir(dir.path().join(".bluebutton-config.json")).unwrap();
        assert_eq!(
            discover(dir.path()),
            Some(dir.path().join(".bluebutton-config.yaml")),
            "a directory is not a config file"
        );
    }

    #[test]
    fn empty_yaml_is_not_a_mapping_later() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty.yaml");
        std::fs::write(&path, "").unwrap();
        assert_eq!(read_document(&path).unwrap(), Value::Null);
    }
}
