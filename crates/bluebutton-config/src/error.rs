//! The one error type of this crate: every way loading or validating a configuration can fail.

use std::path::PathBuf;

use url::Url;

use crate::keys::ConfigKey;
use crate::provenance::ValueSource;
use crate::unique_keys::TextPosition;

/// Why a configuration could not be loaded or validated.
///
/// Messages name the file or environment variable (`origin`) and the key, and say what is
/// valid. They never contain the client secret: the secret's value is never copied into an error.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// An environment name other than `LOCAL`, `TEST`, `SANDBOX` or `PRODUCTION`.
    #[error(
        "unknown environment {value:?}: expected LOCAL, TEST, SANDBOX or PRODUCTION (any case)"
    )]
    UnknownEnvironment {
        /// The text given.
        value: String,
    },

    /// A version other than 1, 2 or 3.
    #[error(
        "unknown API version {value:?}: expected 1, 2 or 3 (a number, or a string such as \"2\" or \"v2\")"
    )]
    UnknownVersion {
        /// The text given.
        value: String,
    },

    /// A FHIR resource type that is not a plain type name.
    #[error(
        "invalid FHIR resource type {resource_type:?}: expected an ASCII letter followed by ASCII letters or digits, such as \"Patient\""
    )]
    InvalidResourceType {
        /// The type given.
        resource_type: String,
    },

    /// A FHIR resource id that is not a FHIR id.
    #[error(
        "invalid FHIR resource id {id:?}: expected 1 to 64 characters from A-Z, a-z, 0-9, '-' and '.'"
    )]
    InvalidResourceId {
        /// The id given.
        id: String,
    },

    /// The configuration file does not exist.
    #[error("config file {path} does not exist")]
    FileNotFound {
        /// The path looked at.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },

    /// The configuration file exists but could not be read.
    #[error("cannot read config file {path}: {source}")]
    ReadFile {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },

    /// The file name does not end in `.json`, `.yaml` or `.yml`.
    #[error("config file {path} has an unsupported extension: expected .json, .yaml or .yml")]
    UnsupportedExtension {
        /// The file.
        path: PathBuf,
    },

    /// The file is not valid JSON.
    #[error("config file {path} is not valid JSON: {source}")]
    InvalidJson {
        /// The file.
        path: PathBuf,
        /// The parser's error (position and reason, no file content).
        source: serde_json::Error,
    },

    /// The file is not valid YAML, or uses too many aliases (a "billion laughs" document).
    #[error("config file {path} is not valid YAML: {source}")]
    InvalidYaml {
        /// The file.
        path: PathBuf,
        /// The parser's error (position and reason, no file content).
        source: serde_yaml::Error,
    },

    /// The file is larger than [`crate::MAX_CONFIG_FILE_BYTES`] (checked before it is read
    /// whole, and again while reading).
    #[error(
        "config file {path} is larger than the {limit}-byte limit (1 MiB); a configuration is a few hundred bytes: check that this is the right file"
    )]
    FileTooLarge {
        /// The file.
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
    },

    /// The file nests deeper than [`crate::MAX_CONFIG_DEPTH`] levels (found by a pre-scan,
    /// before parsing: deep YAML costs the parser quadratic time).
    #[error(
        "config file {path} nests deeper than {limit} levels (at line {line}); a configuration needs at most 3: remove the extra nesting"
    )]
    TooDeep {
        /// The file.
        path: PathBuf,
        /// The limit.
        limit: usize,
        /// The 1-based line where the limit is passed.
        line: usize,
    },

    /// One mapping of the file gives the same key twice (JSON and YAML parsers would keep
    /// the last one silently).
    #[error("config file {path}: `{key}` is given twice ({}); keep only one", places(.first, .second))]
    RepeatedKey {
        /// The file.
        path: PathBuf,
        /// The dotted key.
        key: String,
        /// Where it is first given, when known.
        first: Option<TextPosition>,
        /// Where it is given again, when known.
        second: Option<TextPosition>,
    },

    /// A config file or value could not be read, and it also holds keys that name no setting
    /// (listed with their closest known key: a typo there is often the cause).
    #[error("{error}{}", unknown_keys_text(.unknown_keys))]
    WithUnknownKeys {
        /// Why it could not be read.
        error: Box<ConfigError>,
        /// Its keys that name no setting, as written (`group.key` inside a group).
        unknown_keys: Vec<String>,
    },

    /// The document is not a mapping of settings (e.g. a list or a bare string).
    #[error("{origin}: the settings must be a mapping of keys to values, found {found}")]
    NotAMapping {
        /// The file or value.
        origin: ValueSource,
        /// The kind of value found.
        found: &'static str,
    },

    /// A key holds a value of the wrong type (e.g. `"version": [1]`).
    #[error("{origin}: `{key}` must be {expected}, found {found}")]
    WrongType {
        /// The file or value.
        origin: ValueSource,
        /// The dotted key as written.
        key: String,
        /// What is accepted.
        expected: &'static str,
        /// The kind of value found.
        found: &'static str,
    },

    /// The snake_case and camelCase spellings of one setting are both present.
    #[error("{origin}: `{key}` and `{alias}` name the same setting; keep only one")]
    DuplicateKey {
        /// The file or value.
        origin: ValueSource,
        /// The snake_case key.
        key: String,
        /// The camelCase key.
        alias: String,
    },

    /// A required setting (client id, client secret, callback URL) is set nowhere.
    #[error("{}", missing_message(*.key, .searched, .absent_files, .unknown_keys))]
    Missing {
        /// The setting.
        key: ConfigKey,
        /// The sources that were consulted.
        searched: Vec<ValueSource>,
        /// Config files looked for that do not exist (when discovering one).
        absent_files: Vec<PathBuf>,
        /// Keys of the document that name no setting (each reported with the closest one).
        unknown_keys: Vec<String>,
    },

    /// A required text setting is empty.
    #[error("{origin}: `{key}` must not be empty")]
    Empty {
        /// Where the value came from.
        origin: ValueSource,
        /// The dotted key.
        key: String,
    },

    /// A value of the right type is out of range or malformed. Never used for the client secret.
    #[error("{origin}: `{key}` = {value} is invalid: expected {expected}")]
    InvalidValue {
        /// Where the value came from.
        origin: ValueSource,
        /// The dotted key.
        key: String,
        /// The value as given.
        value: String,
        /// What is accepted.
        expected: &'static str,
    },

    /// A URL setting does not parse.
    #[error("{origin}: `{key}` = {value:?} is not a valid absolute URL: {source}")]
    InvalidUrl {
        /// Where the value came from.
        origin: ValueSource,
        /// The dotted key.
        key: String,
        /// The text given.
        value: String,
        /// The parser's error.
        source: url::ParseError,
    },

    /// A URL setting uses a scheme other than http or https.
    #[error("{origin}: `{key}` = {url} must use http or https")]
    UnsupportedScheme {
        /// Where the value came from.
        origin: ValueSource,
        /// The dotted key.
        key: String,
        /// The URL given (boxed to keep the error small).
        url: Box<Url>,
    },

    /// A base URL uses plain http for a host that is not loopback.
    #[error(
        "{origin}: `{key}` = {url} uses plain http, which is accepted only for loopback hosts (localhost, 127.0.0.0/8, [::1]); use https"
    )]
    InsecureBaseUrl {
        /// Where the value came from.
        origin: ValueSource,
        /// The dotted key.
        key: String,
        /// The URL given (boxed to keep the error small).
        url: Box<Url>,
    },

    /// The callback URL uses plain http for a host that is not loopback: the authorization
    /// code would cross the network in clear text (RFC 6749 section 3.1.2.1, RFC 8252
    /// section 7.3).
    #[error(
        "{origin}: `{key}` = {url} uses plain http on a host that is not loopback; http is accepted only for loopback hosts (localhost, 127.0.0.0/8, [::1]): use https, or a loopback URL such as http://127.0.0.1:8765/callback"
    )]
    InsecureCallbackUrl {
        /// Where the value came from.
        origin: ValueSource,
        /// The dotted key.
        key: String,
        /// The URL given (boxed to keep the error small).
        url: Box<Url>,
    },

    /// A URL setting has a part it must not have (credentials, a query, a fragment).
    #[error("{origin}: `{key}` must not contain {part}")]
    UrlPartNotAllowed {
        /// Where the value came from.
        origin: ValueSource,
        /// The dotted key.
        key: String,
        /// The forbidden part, e.g. "a user name or password".
        part: &'static str,
    },

    /// A `BLUEBUTTON_*` environment variable is not valid UTF-8.
    #[error("environment variable {var} is not valid UTF-8")]
    NotUnicode {
        /// The variable.
        var: String,
    },
}

impl ConfigError {
    /// The same refusal, placed in `place` under the dotted `path` (a refusal checked without
    /// knowing where the value sits has an empty key, or a suffix such as `[0]`).
    pub(crate) fn placed(mut self, place: &ValueSource, path: &str) -> Self {
        match &mut self {
            ConfigError::WrongType { origin, key, .. }
            | ConfigError::Empty { origin, key }
            | ConfigError::InvalidValue { origin, key, .. }
            | ConfigError::InvalidUrl { origin, key, .. }
            | ConfigError::UnsupportedScheme { origin, key, .. }
            | ConfigError::InsecureBaseUrl { origin, key, .. }
            | ConfigError::InsecureCallbackUrl { origin, key, .. }
            | ConfigError::UrlPartNotAllowed { origin, key, .. } => {
                *origin = place.clone();
                key.insert_str(0, path);
            }
            _ => {}
        }
        self
    }
}

fn missing_message(
    key: ConfigKey,
    searched: &[ValueSource],
    absent_files: &[PathBuf],
    unknown_keys: &[String],
) -> String {
    let spelled = if key.path() == key.camel_path() {
        format!("`{}`", key.path())
    } else {
        format!("`{}` (or `{}`)", key.path(), key.camel_path())
    };
    let mut looked: Vec<String> = searched.iter().map(ToString::to_string).collect();
    if !absent_files.is_empty() {
        let files: Vec<String> = absent_files
            .iter()
            .map(|f| f.display().to_string())
            .collect();
        looked.push(format!("config files {} (none exists)", files.join(", ")));
    }
    let looked = if looked.is_empty() {
        "no source was given".to_owned()
    } else {
        format!("looked in: {}", looked.join(", "))
    };
    let mut text = format!("required setting `{key}` is missing ({looked})");
    text.push_str(&unknown_keys_text(unknown_keys));
    let builder = if searched.contains(&ValueSource::Builder) {
        ", the builder"
    } else {
        ""
    };
    text.push_str(&format!(
        "; set {spelled} in a config file{builder} or the environment variable {}",
        key.env_var()
    ));
    text
}

/// `; unknown key `client_secert` (did you mean `client_secret`?)`, or nothing.
pub(crate) fn unknown_keys_text(unknown_keys: &[String]) -> String {
    if unknown_keys.is_empty() {
        return String::new();
    }
    let named: Vec<String> = unknown_keys
        .iter()
        .map(|k| describe_unknown_key(k))
        .collect();
    let noun = if named.len() == 1 { "key" } else { "keys" };
    format!("; unknown {noun} {}", named.join(", "))
}

/// `` `client_secert` (did you mean `client_secret`?) ``, or `` `colour` `` without a close key.
pub fn describe_unknown_key(key: &str) -> String {
    match ConfigKey::closest_spelling(key) {
        Some(known) => format!("`{key}` (did you mean `{known}`?)"),
        None => format!("`{key}`"),
    }
}

fn places(first: &Option<TextPosition>, second: &Option<TextPosition>) -> String {
    match (first, second) {
        (Some(a), Some(b)) => format!("at {a} and again at {b}"),
        (None, Some(b)) => format!("again at {b}"),
        (Some(a), None) => format!("first at {a}"),
        (None, None) => "twice in one mapping".to_owned(),
    }
}

/// The kind of a JSON value, for "found …" in messages.
pub(crate) fn kind_of(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "a mapping",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync + 'static>() {}

    #[test]
    fn public_types_are_send_and_sync() {
        assert_send_sync::<ConfigError>();
        assert_send_sync::<crate::Config>();
        assert_send_sync::<crate::ConfigLoader>();
        assert_send_sync::<crate::ClientSecret>();
    }

    #[test]
    fn a_missing_setting_names_the_unknown_keys_and_the_files_looked_for() {
        let error = ConfigError::Missing {
            key: ConfigKey::ClientSecret,
            searched: vec![
                ValueSource::File("cfg.json".into()),
                ValueSource::Env("BLUEBUTTON_CLIENT_SECRET".into()),
            ],
            absent_files: Vec::new(),
            unknown_keys: vec!["client_secert".into(), "colour".into()],
        };
        insta::assert_snapshot!(error.to_string(), @"required setting `client_secret` is missing (looked in: config file cfg.json, environment variable BLUEBUTTON_CLIENT_SECRET); unknown keys `client_secert` (did you mean `client_secret`?), `colour`; set `client_secret` (or `clientSecret`) in a config file or the environment variable BLUEBUTTON_CLIENT_SECRET");
        let error = ConfigError::Missing {
            key: ConfigKey::ClientId,
            searched: vec![ValueSource::Env("BLUEBUTTON_CLIENT_ID".into())],
            absent_files: vec![
                "./.bluebutton-config.json".into(),
                "./.bluebutton-config.yml".into(),
            ],
            unknown_keys: Vec::new(),
        };
        let text = error.to_string();
        assert!(!text.contains("builder"), "{text}");
        assert!(
            text.contains(
                "config files ./.bluebutton-config.json, ./.bluebutton-config.yml (none exists)"
            ),
            "{text}"
        );
    }

    #[test]
    fn error_stays_small() {
        assert!(std::mem::size_of::<ConfigError>() <= 128);
    }
}
