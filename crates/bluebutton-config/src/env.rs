//! Reads the `BLUEBUTTON_*` environment variables into a validated layer.
//!
//! A variable set to the empty string counts as unset, so `export BLUEBUTTON_VERSION=` does not
//! fail loading. Other `BLUEBUTTON_*` names are ignored (other tools may use the prefix).

use std::collections::BTreeMap;
use std::ffi::OsString;

use crate::error::ConfigError;
use crate::keys::{ConfigKey, with_settings};
use crate::kinds::{self, Kind};
use crate::layer::{Layer, Searched, Sourced};
use crate::provenance::ValueSource;
use crate::validate::At;

/// The prefix of every variable read.
pub(crate) const PREFIX: &str = "BLUEBUTTON_";

/// The process's variables that this crate reads; a known one that is not UTF-8 is an error.
pub(crate) fn process_vars() -> Result<BTreeMap<String, String>, ConfigError> {
    collect_os(std::env::vars_os())
}

fn collect_os(
    vars: impl IntoIterator<Item = (OsString, OsString)>,
) -> Result<BTreeMap<String, String>, ConfigError> {
    let mut out = BTreeMap::new();
    for (name, value) in vars {
        let Some(name) = name.to_str() else { continue };
        if !ConfigKey::ALL.iter().any(|k| k.env_var() == name) {
            continue;
        }
        let value = value.into_string().map_err(|_| ConfigError::NotUnicode {
            var: name.to_owned(),
        })?;
        out.insert(name.to_owned(), value);
    }
    Ok(out)
}

/// One variable read as its setting's kind; unset or empty is `None`.
fn read<K: Kind>(
    vars: &BTreeMap<String, String>,
    key: ConfigKey,
) -> Result<Option<Sourced<K::Value>>, ConfigError> {
    let var = key.env_var();
    let Some(text) = vars.get(var).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let origin = ValueSource::Env(var.to_owned());
    let at = At {
        origin: &origin,
        key: key.path(),
    };
    let value = K::from_env(text, &at)?;
    Ok(Some(Sourced::new(value, origin)))
}

macro_rules! define_env_reader {
    (
        top { $( $tkey:ident $tfield:ident : $tkind:ident
                 = $tsnake:literal $(/ $tcamel:literal)? , $tenv:literal ; )* }
        $( $group:ident = $gsnake:literal / $gcamel:literal , $gexpected:literal {
            $( $key:ident $field:ident : $kind:ident
               = $snake:literal $(/ $camel:literal)? , $env:literal ; )*
        } )*
    ) => {
        /// Reads the known variables among `vars` (any other name is ignored).
        pub(crate) fn layer_from_vars(vars: &BTreeMap<String, String>) -> Result<Layer, ConfigError> {
            Ok(Layer {
                $( $tfield: read::<kinds::$tkind>(vars, ConfigKey::$tkey)?, )*
                $( $( $field: read::<kinds::$kind>(vars, ConfigKey::$key)?, )* )*
                unknown_keys: Vec::new(),
                searched: vec![Searched::Env],
            })
        }
    };
}

with_settings!(define_env_reader);

/// Keeps the known `BLUEBUTTON_*` variables among `vars`.
pub(crate) fn collect<I, K, V>(vars: I) -> BTreeMap<String, String>
where
    I: IntoIterator<Item = (K, V)>,
    K: Into<String>,
    V: Into<String>,
{
    vars.into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .filter(|(k, _)| k.starts_with(PREFIX))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn non_unicode_known_variable_is_an_error_and_unknown_is_ignored() {
        use std::os::unix::ffi::OsStringExt;
        let bad = OsString::from_vec(vec![0xff, 0xfe]);
        let err = collect_os([(OsString::from("BLUEBUTTON_CLIENT_ID"), bad.clone())]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable BLUEBUTTON_CLIENT_ID is not valid UTF-8"
        );
        let ok = collect_os([
            (OsString::from("BLUEBUTTON_OTHER"), bad.clone()),
            (OsString::from("PATH"), bad),
            (OsString::from("BLUEBUTTON_VERSION"), OsString::from("3")),
        ])
        .unwrap();
        assert_eq!(
            ok.into_iter().collect::<Vec<_>>(),
            [("BLUEBUTTON_VERSION".to_owned(), "3".to_owned())]
        );
    }
}
