//! The one table of settings: each key's field, value kind, file spellings (snake_case and the
//! camelCase alias), environment variable and group; every other declaration is expanded from it.

use std::fmt;

/// Calls `$then!` with the table of every setting, in display order.
///
/// Each row is `Key field: Kind = "snake" / "camel", "ENV_VAR";` (the alias is left out where
/// both spellings agree); the documentation of each [`ConfigKey`] is written from its row. Top-level settings come first, then each nested group with both its
/// spellings and what a wrong value of the group is told it must be.
macro_rules! with_settings {
    ($then:ident) => {
        $then! {
            top {
                ClientId client_id: Text = "client_id" / "clientId",
                    "BLUEBUTTON_CLIENT_ID";
                ClientSecret client_secret: Secret = "client_secret" / "clientSecret",
                    "BLUEBUTTON_CLIENT_SECRET";
                CallbackUrl callback_url: CallbackUrl = "callback_url" / "callbackUrl",
                    "BLUEBUTTON_CALLBACK_URL";
                Environment environment: EnvironmentName = "environment",
                    "BLUEBUTTON_ENVIRONMENT";
                BaseUrl base_url: BaseUrl = "base_url" / "baseUrl",
                    "BLUEBUTTON_BASE_URL";
                Version version: Version = "version",
                    "BLUEBUTTON_VERSION";
                TokenRefreshOnExpire token_refresh_on_expire: Flag = "token_refresh_on_expire" / "tokenRefreshOnExpire",
                    "BLUEBUTTON_TOKEN_REFRESH_ON_EXPIRE";
            }
            retry_settings = "retry_settings" / "retrySettings",
                "a mapping with total, backoff_factor and status_forcelist" {
                RetryTotal retry_total: RetryCount = "total",
                    "BLUEBUTTON_RETRY_TOTAL";
                RetryBackoffFactor retry_backoff_factor: Seconds = "backoff_factor" / "backoffFactor",
                    "BLUEBUTTON_RETRY_BACKOFF_FACTOR";
                RetryStatusForcelist retry_status_forcelist: StatusList = "status_forcelist" / "statusForcelist",
                    "BLUEBUTTON_RETRY_STATUS_FORCELIST";
                RetryJitter retry_jitter: Flag = "jitter",
                    "BLUEBUTTON_RETRY_JITTER";
                RetryMaxBackoff retry_max_backoff: Seconds = "max_backoff" / "maxBackoff",
                    "BLUEBUTTON_RETRY_MAX_BACKOFF";
                RetryMaxRetryAfter retry_max_retry_after: Seconds = "max_retry_after" / "maxRetryAfter",
                    "BLUEBUTTON_RETRY_MAX_RETRY_AFTER";
            }
            timeouts = "timeouts" / "timeouts", "a mapping with connect and request (seconds)" {
                ConnectTimeout connect_timeout: Timeout = "connect",
                    "BLUEBUTTON_CONNECT_TIMEOUT";
                RequestTimeout request_timeout: Timeout = "request",
                    "BLUEBUTTON_REQUEST_TIMEOUT";
            }
        }
    };
}
pub(crate) use with_settings;

/// The camelCase spelling where the table gives one, else the snake_case one.
macro_rules! camel_or_snake {
    ($camel:literal, $snake:literal) => {
        $camel
    };
    ($snake:literal) => {
        $snake
    };
}
pub(crate) use camel_or_snake;

/// The spellings of a key for its documentation: `` `snake` / `camel` ``, or `` `snake` ``.
macro_rules! spellings_doc {
    ($snake:expr, $camel:expr) => {
        concat!("`", $snake, "` / `", $camel, "`")
    };
    ($snake:expr) => {
        concat!("`", $snake, "`")
    };
}

macro_rules! define_config_key {
    (
        top { $( $tkey:ident $tfield:ident : $tkind:ident
                 = $tsnake:literal $(/ $tcamel:literal)? , $tenv:literal ; )* }
        $( $group:ident = $gsnake:literal / $gcamel:literal , $gexpected:literal {
            $( $key:ident $field:ident : $kind:ident
               = $snake:literal $(/ $camel:literal)? , $env:literal ; )*
        } )*
    ) => {
        /// One setting of [`Config`](crate::Config), with its file key, Node alias and
        /// environment variable.
        #[non_exhaustive]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ConfigKey {
            $(
                #[doc = concat!(spellings_doc!($tsnake $(, $tcamel)?), " / `", $tenv, "`")]
                $tkey,
            )*
            $( $(
                #[doc = concat!(
                    spellings_doc!(concat!($gsnake, ".", $snake) $(, concat!($gcamel, ".", $camel))?),
                    " / `", $env, "`"
                )]
                $key,
            )* )*
        }

        impl ConfigKey {
            /// Every key, in display order.
            pub const ALL: [ConfigKey; [$( stringify!($tkey), )* $( $( stringify!($key), )* )*].len()] =
                [$( ConfigKey::$tkey, )* $( $( ConfigKey::$key, )* )*];

            /// The dotted snake_case path in a file (Python SDK spelling), e.g. `retry_settings.total`.
            pub fn path(&self) -> &'static str {
                match self {
                    $( ConfigKey::$tkey => $tsnake, )*
                    $( $( ConfigKey::$key => concat!($gsnake, ".", $snake), )* )*
                }
            }

            /// The dotted camelCase path (Node SDK spelling), e.g. `retrySettings.backoffFactor`.
            pub fn camel_path(&self) -> &'static str {
                match self {
                    $( ConfigKey::$tkey => camel_or_snake!($($tcamel,)? $tsnake), )*
                    $( $( ConfigKey::$key => concat!(
                        $gcamel, ".", camel_or_snake!($($camel,)? $snake)
                    ), )* )*
                }
            }

            /// The environment variable that overrides this setting.
            pub fn env_var(&self) -> &'static str {
                match self {
                    $( ConfigKey::$tkey => $tenv, )*
                    $( $( ConfigKey::$key => $env, )* )*
                }
            }
        }
    };
}

with_settings!(define_config_key);

impl ConfigKey {
    /// The setting a misspelled key most likely means: the one whose dotted snake_case or
    /// camelCase path is fewest edits away (a swap of two letters counts as one), when that is
    /// at most a third of the key's length (at least 2). `client_secert` gives
    /// [`ConfigKey::ClientSecret`]; `colour` gives nothing.
    pub fn closest_to(key: &str) -> Option<ConfigKey> {
        closest(
            key,
            ConfigKey::ALL
                .into_iter()
                .flat_map(|k| [(k, k.path()), (k, k.camel_path())]),
        )
    }

    /// Like [`ConfigKey::closest_to`], as the spelling to suggest, also among the group names
    /// (`retry_settings`, `timeouts`): `retry_setings` gives `retry_settings`, `clientID` gives
    /// `clientId`.
    pub fn closest_spelling(key: &str) -> Option<&'static str> {
        let groups = ConfigKey::ALL.into_iter().flat_map(|k| {
            [k.path(), k.camel_path()]
                .into_iter()
                .filter_map(|path| path.split_once('.').map(|(group, _)| group))
        });
        let spellings = ConfigKey::ALL
            .into_iter()
            .flat_map(|k| [k.path(), k.camel_path()])
            .chain(groups);
        closest(key, spellings.map(|s| (s, s)))
    }

    /// Whether the value is secret (then it is shown as `[redacted]`).
    pub fn is_secret(&self) -> bool {
        matches!(self, ConfigKey::ClientSecret)
    }
}

/// The candidate fewest edits from `key`, within a third of its length (at least 2).
fn closest<T>(key: &str, candidates: impl Iterator<Item = (T, &'static str)>) -> Option<T> {
    let allowed = (key.chars().count() / 3).max(2);
    candidates
        .map(|(value, spelling)| (strsim::damerau_levenshtein(key, spelling), value))
        .filter(|(distance, _)| *distance <= allowed)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, value)| value)
}

impl fmt::Display for ConfigKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.path())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misspelled_keys_find_their_setting() {
        assert_eq!(
            ConfigKey::closest_to("client_secert"),
            Some(ConfigKey::ClientSecret)
        );
        assert_eq!(ConfigKey::closest_to("clientID"), Some(ConfigKey::ClientId));
        assert_eq!(
            ConfigKey::closest_to("retry_settings.totl"),
            Some(ConfigKey::RetryTotal)
        );
        assert_eq!(ConfigKey::closest_to("colour"), None);
        assert_eq!(
            ConfigKey::closest_spelling("retry_setings"),
            Some("retry_settings")
        );
        assert_eq!(ConfigKey::closest_spelling("clientID"), Some("clientId"));
        assert_eq!(
            ConfigKey::closest_spelling("client_secert"),
            Some("client_secret")
        );
    }

    #[test]
    fn keys_are_distinct_and_complete() {
        let mut paths: Vec<_> = ConfigKey::ALL.iter().map(|k| k.path()).collect();
        let mut vars: Vec<_> = ConfigKey::ALL.iter().map(|k| k.env_var()).collect();
        paths.sort_unstable();
        paths.dedup();
        vars.sort_unstable();
        vars.dedup();
        assert_eq!(ConfigKey::ALL.len(), 15);
        assert_eq!(paths.len(), ConfigKey::ALL.len());
        assert_eq!(vars.len(), ConfigKey::ALL.len());
        assert!(
            ConfigKey::ALL
                .iter()
                .all(|k| k.env_var().starts_with("BLUEBUTTON_"))
        );
        assert_eq!(
            ConfigKey::ALL.iter().filter(|k| k.is_secret()).count(),
            1,
            "only the client secret is secret"
        );
    }

    #[test]
    fn spellings() {
        assert_eq!(
            ConfigKey::RetryBackoffFactor.path(),
            "retry_settings.backoff_factor"
        );
        assert_eq!(
            ConfigKey::RetryBackoffFactor.camel_path(),
            "retrySettings.backoffFactor"
        );
        assert_eq!(ConfigKey::RetryTotal.camel_path(), "retrySettings.total");
        assert_eq!(ConfigKey::ConnectTimeout.camel_path(), "timeouts.connect");
        assert_eq!(ConfigKey::ClientId.camel_path(), "clientId");
        assert_eq!(ConfigKey::Version.camel_path(), "version");
    }
}
