//! [`AuthRequest`]: the per-login secrets (state, PKCE verifier) kept between redirect and callback.

use std::fmt;

use oauth2::{CsrfToken, PkceCodeChallenge, PkceCodeVerifier};
use serde::{Deserialize, Serialize};

use crate::scope::{Scope, join_scopes, parse_scopes};

/// Random bytes behind `state` (256 bits; the server wants at least 16 characters).
pub(crate) const STATE_BYTES: u32 = 32;
/// Random bytes behind the PKCE verifier (256 bits, 43 base64url characters).
pub(crate) const VERIFIER_BYTES: u32 = 32;

/// Language of the Medicare login and consent pages (`lang=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English (`en`).
    En,
    /// Spanish (`es`).
    Es,
}

impl Lang {
    /// The query value, `"en"` or `"es"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Es => "es",
        }
    }
}

/// The secrets of one authorization attempt: `state` and the PKCE S256 verifier, plus the
/// optional scopes and language to ask for.
///
/// Create one per "Connect" click with [`AuthRequest::new`], build the redirect with
/// [`crate::AuthClient::authorize_url`], keep the request in the user's server-side session
/// (it implements `Serialize`/`Deserialize`), and hand it **by value** to
/// [`crate::AuthClient::exchange_code`] on the callback.
///
/// # Single use
/// The type is deliberately not `Clone`, and the exchange consumes it, so one request can
/// back at most one code exchange: a replayed callback has no request left to match. The
/// serialized form is the one way to copy it, so take it *out* of the session (remove, not
/// read) before exchanging.
///
/// ```compile_fail
/// fn needs_clone<T: Clone>() {}
/// needs_clone::<bluebutton_auth::AuthRequest>(); // AuthRequest is not Clone
/// ```
///
/// `Debug` redacts the state and the verifier.
pub struct AuthRequest {
    state: CsrfToken,
    verifier: PkceCodeVerifier,
    scopes: Vec<Scope>,
    lang: Option<Lang>,
}

impl AuthRequest {
    /// Draws a fresh `state` (256 bits) and PKCE verifier (256 bits) from the operating
    /// system's CSPRNG (via `oauth2`, which uses `rand`'s `ThreadRng`, a ChaCha CSPRNG seeded
    /// from the OS).
    pub fn new() -> Self {
        let (_, verifier) = PkceCodeChallenge::new_random_sha256_len(VERIFIER_BYTES);
        Self {
            state: CsrfToken::new_random_len(STATE_BYTES),
            verifier,
            scopes: Vec::new(),
            lang: None,
        }
    }

    /// Asks for these scopes (`scope=`); without it the app's registered scopes apply.
    pub fn with_scopes(mut self, scopes: impl IntoIterator<Item = Scope>) -> Self {
        self.scopes = scopes.into_iter().collect();
        self
    }

    /// Shows the Medicare pages in this language (`lang=`).
    pub fn with_lang(mut self, lang: Lang) -> Self {
        self.lang = Some(lang);
        self
    }

    /// The `state` value (secret: do not log it).
    pub fn state(&self) -> &CsrfToken {
        &self.state
    }

    /// The PKCE verifier (secret: do not log it).
    pub fn code_verifier(&self) -> &PkceCodeVerifier {
        &self.verifier
    }

    /// The S256 code challenge, `BASE64URL-NOPAD(SHA256(verifier))`.
    pub fn code_challenge(&self) -> String {
        PkceCodeChallenge::from_code_verifier_sha256(&self.verifier)
            .as_str()
            .to_owned()
    }

    /// The scopes to ask for (empty: none sent).
    pub fn scopes(&self) -> &[Scope] {
        &self.scopes
    }

    /// The language to ask for.
    pub fn lang(&self) -> Option<Lang> {
        self.lang
    }

    pub(crate) fn into_parts(self) -> (CsrfToken, PkceCodeVerifier) {
        (self.state, self.verifier)
    }
}

impl Default for AuthRequest {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for AuthRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthRequest")
            .field("state", &"[redacted]")
            .field("code_verifier", &"[redacted]")
            .field("scopes", &join_scopes(&self.scopes))
            .field("lang", &self.lang)
            .finish()
    }
}

/// The session format, which is also the official Python SDK's `auth_data` (`state`,
/// `code_challenge`, `code_challenge_method`, `verifier`), so a login begun by either SDK can
/// be finished by the other; `scope` and `lang` are added when set. `code_verifier` (this
/// SDK's earlier key) is read too.
#[derive(Serialize)]
struct Stored<'a> {
    state: &'a str,
    code_challenge: String,
    code_challenge_method: &'static str,
    verifier: &'a str,
    #[serde(skip_serializing_if = "String::is_empty")]
    scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    lang: Option<Lang>,
}

/// What [`Stored`] is read from.
#[derive(Deserialize)]
struct Loaded {
    state: String,
    #[serde(alias = "code_verifier")]
    verifier: String,
    #[serde(default)]
    code_challenge: Option<String>,
    #[serde(default)]
    code_challenge_method: Option<String>,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    lang: Option<Lang>,
}

impl Serialize for AuthRequest {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Stored {
            state: self.state.secret(),
            code_challenge: self.code_challenge(),
            code_challenge_method: "S256",
            verifier: self.verifier.secret(),
            scope: join_scopes(&self.scopes),
            lang: self.lang,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for AuthRequest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let stored = Loaded::deserialize(deserializer)?;
        if !is_valid_verifier(&stored.verifier) {
            return Err(D::Error::custom(
                "the PKCE verifier must be 43-128 characters of [A-Za-z0-9-._~] (base64 `=` padding allowed at the end)",
            ));
        }
        if stored.state.len() < 16 || !unpadded(&stored.state).bytes().all(is_unreserved) {
            return Err(D::Error::custom(
                "state must be at least 16 characters of [A-Za-z0-9-._~] (base64 `=` padding allowed at the end)",
            ));
        }
        if let Some(method) = stored.code_challenge_method.filter(|m| m != "S256") {
            return Err(D::Error::custom(format!(
                "code_challenge_method must be S256, not {:?}",
                bluebutton_transport::sanitize_server_text(&method, 16)
            )));
        }
        let verifier = PkceCodeVerifier::new(stored.verifier);
        if let Some(challenge) = stored.code_challenge {
            let expected = PkceCodeChallenge::from_code_verifier_sha256(&verifier);
            // The Python SDK pads its challenge with `=`; the server strips it.
            if unpadded(&challenge) != expected.as_str() {
                return Err(D::Error::custom(
                    "code_challenge is not the S256 challenge of this verifier",
                ));
            }
        }
        Ok(Self {
            state: CsrfToken::new(stored.state),
            verifier,
            scopes: parse_scopes(&stored.scope).into_iter().collect(),
            lang: stored.lang,
        })
    }
}

/// `s` without base64 `=` padding at its end.
fn unpadded(s: &str) -> &str {
    s.trim_end_matches('=')
}

/// RFC 7636 section 4.1 `unreserved` characters.
pub(crate) fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// RFC 7636 section 4.1: 43 to 128 unreserved characters; base64 `=` padding at the end is
/// allowed, as the official Python SDK's verifiers carry it (and the server accepts them).
pub(crate) fn is_valid_verifier(v: &str) -> bool {
    (43..=128).contains(&v.len()) && unpadded(v).bytes().all(is_unreserved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_round_trip_keeps_secrets_and_options() {
        let req = AuthRequest::new()
            .with_scopes([Scope::Profile, Scope::OpenId])
            .with_lang(Lang::Es);
        let json = serde_json::to_string(&req).unwrap();
        let back: AuthRequest = serde_json::from_str(&json).unwrap();
        assert_eq!(back.state().secret(), req.state().secret());
        assert_eq!(back.code_verifier().secret(), req.code_verifier().secret());
        assert_eq!(back.scopes(), req.scopes());
        assert_eq!(back.lang(), Some(Lang::Es));
        assert_eq!(back.code_challenge(), req.code_challenge());
    }

    #[test]
    fn deserialize_rejects_bad_verifier_and_short_state() {
        let short = r#"{"state":"abcdefghijklmnopq","code_verifier":"short"}"#;
        assert!(serde_json::from_str::<AuthRequest>(short).is_err());
        let bad_state = format!(
            r#"{{"state":"tooshort","code_verifier":"{}"}}"#,
            "a".repeat(43)
        );
        assert!(serde_json::from_str::<AuthRequest>(&bad_state).is_err());
    }

    #[test]
    fn the_official_python_auth_data_is_read_and_written() {
        // What `generate_auth_data()` returns: 44-character padded state and verifier, a padded
        // challenge.
        let verifier = "QkJRTDtVK0Z5cH5EJ3Q5YkA1KnFYYDg_aCxhJk1EYWU=";
        let challenge = {
            let pkce = PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(
                verifier.to_owned(),
            ));
            format!("{}=", pkce.as_str())
        };
        let python = serde_json::json!({
            "state": "Ol9dVCdZKmI0ITZwLVlrc2hGXnhhR2smSiYpXyUxeEA=",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "verifier": verifier,
        });
        let req: AuthRequest = serde_json::from_value(python.clone()).unwrap();
        assert_eq!(req.code_verifier().secret(), verifier);
        assert_eq!(format!("{}=", req.code_challenge()), challenge);

        // And this SDK's saved request carries every key the Python SDK reads.
        let ours = serde_json::to_value(AuthRequest::new()).unwrap();
        for key in [
            "state",
            "code_challenge",
            "code_challenge_method",
            "verifier",
        ] {
            assert!(ours.get(key).is_some_and(|v| v.is_string()), "{key}");
        }
        assert_eq!(ours["code_challenge_method"], "S256");

        // A challenge that is not the verifier's, or another method, is refused.
        let mut wrong = python.clone();
        wrong["code_challenge"] = "x".repeat(43).into();
        assert!(serde_json::from_value::<AuthRequest>(wrong).is_err());
        let mut plain = python;
        plain["code_challenge_method"] = "plain".into();
        assert!(serde_json::from_value::<AuthRequest>(plain).is_err());
    }

    #[test]
    fn the_earlier_code_verifier_key_is_read() {
        let old = format!(
            r#"{{"state":"abcdefghijklmnopq","code_verifier":"{}"}}"#,
            "a".repeat(43)
        );
        let req: AuthRequest = serde_json::from_str(&old).unwrap();
        assert_eq!(req.code_verifier().secret(), &"a".repeat(43));
    }

    #[test]
    fn debug_redacts() {
        let req = AuthRequest::new();
        let dbg = format!("{req:?}");
        assert!(!dbg.contains(req.state().secret().as_str()));
        assert!(!dbg.contains(req.code_verifier().secret().as_str()));
    }
}
