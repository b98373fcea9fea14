//! Reads a configuration file (`.json`, `.yaml`, `.yml`) into a parsed document, with typed errors.

use std::io::{ErrorKind, Read as _};
use std::path::{Path, PathBuf};

use serde_json::Value;
use zeroize::Zeroizing;

use crate::depth::{self, MAX_CONFIG_DEPTH};
use crate::error::ConfigError;
use crate::unique_keys::{self, Parsed};

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

/// The largest config file read, in bytes (1 MiB).
pub const MAX_CONFIG_FILE_BYTES: u64 = 1024 * 1024;

/// Reads and parses `path` by its extension (checked first, case-insensitively, before the
/// file is opened). The file's size is checked before it is read, and it is read through a
/// reader bounded to [`MAX_CONFIG_FILE_BYTES`] (a file that grows, or a device, stops there);
/// its nesting depth is checked by a pre-scan before parsing; a key repeated in one mapping is
/// refused.
pub(crate) fn read_document(path: &Path) -> Result<Value, ConfigError> {
    let owned = || path.to_path_buf();
    let format =
        format_of(path).ok_or_else(|| ConfigError::UnsupportedExtension { path: owned() })?;
    let read_error = |source: std::io::Error| match source.kind() {
        ErrorKind::NotFound => ConfigError::FileNotFound {
            path: owned(),
            source,
        },
        _ => ConfigError::ReadFile {
            path: owned(),
            source,
        },
    };
    let too_large = || ConfigError::FileTooLarge {
        path: owned(),
        limit: MAX_CONFIG_FILE_BYTES,
    };
    let file = std::fs::File::open(path).map_err(read_error)?;
    let metadata = file.metadata().map_err(read_error)?;
    if metadata.len() > MAX_CONFIG_FILE_BYTES {
        return Err(too_large());
    }
    // The text holds the client secret: wipe it once parsed.
    let mut bytes = Zeroizing::new(Vec::with_capacity(metadata.len() as usize));
    file.take(MAX_CONFIG_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_CONFIG_FILE_BYTES {
        return Err(too_large());
    }
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        read_error(std::io::Error::new(
            ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        ))
    })?;
    let checked = match format {
        Format::Json => depth::check_json(text, MAX_CONFIG_DEPTH),
        Format::Yaml => depth::check_yaml(text, MAX_CONFIG_DEPTH),
    };
    checked.map_err(|deep| ConfigError::TooDeep {
        path: owned(),
        limit: MAX_CONFIG_DEPTH,
        line: deep.line,
    })?;
    let repeated = |r: unique_keys::Repeated| ConfigError::RepeatedKey {
        path: owned(),
        key: r.key,
        first: r.first,
        second: r.second,
    };
    match format {
        Format::Json => match unique_keys::parse_json(text) {
            Parsed::Value(value) => Ok(value),
            Parsed::Repeated(r) => Err(repeated(r)),
            Parsed::Invalid(source) => Err(ConfigError::InvalidJson {
                path: owned(),
                source,
            }),
        },
        // yaml_serde refuses documents whose aliases expand too far ("billion laughs").
        Format::Yaml => match unique_keys::parse_yaml(text) {
            Parsed::Value(value) => Ok(value),
            Parsed::Repeated(r) => Err(repeated(r)),
            Parsed::Invalid(source) => Err(ConfigError::InvalidYaml {
                path: owned(),
                source,
            }),
        },
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
