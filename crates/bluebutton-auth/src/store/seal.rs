//! Encryption of stored tokens at rest: [`TokenKey`] and the sealed record format of the file
//! and SQLite stores.
//!
//! A record is sealed with ChaCha20-Poly1305 (`ring`, the crypto library the TLS stack already
//! uses): a 256-bit key, a fresh random 96-bit nonce per write, and the record's store key as
//! associated data, so a record copied under another key, edited or truncated fails to open
//! instead of yielding a token. The text form is `bbtk1.` followed by the URL-safe base64
//! (unpadded) of nonce, ciphertext and tag.

use std::fmt;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

use crate::error::{AuthError, SealProblem};
use crate::token::{AuthorizationToken, redacted_json_message};

/// The prefix of a sealed record (format version 1).
pub(crate) const SEALED_PREFIX: &str = "bbtk1.";

/// Binds a record to its format and its store key.
const AAD_LABEL: &[u8] = b"bluebutton token store v1\0";

/// A 256-bit key that encrypts tokens at rest in [`super::FileStore`] and
/// [`super::SqliteStore`] (see their `with_key`).
///
/// `Debug` prints `TokenKey([redacted])`; the bytes are zeroized when the key is dropped.
/// Keep the key somewhere other than the store (an OS secret store, a secrets manager, an
/// environment variable): a store file alone then reveals no token.
#[derive(Clone)]
pub struct TokenKey(Zeroizing<[u8; 32]>);

impl TokenKey {
    /// The environment variable [`TokenKey::from_env`] reads.
    pub const ENV_VAR: &'static str = "BLUEBUTTON_TOKEN_KEY";

    /// A new random key from the operating system's CSPRNG.
    pub fn generate() -> Result<Self, AuthError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        SystemRandom::new()
            .fill(bytes.as_mut())
            .map_err(|_| AuthError::InvalidTokenKey {
                reason: "the system random number generator failed",
            })?;
        Ok(TokenKey(bytes))
    }

    /// A key from its 32 bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        TokenKey(Zeroizing::new(bytes))
    }

    /// A key from base64 text (standard or URL-safe alphabet, padded or not) of 32 bytes, as
    /// written by [`TokenKey::to_base64`]. Surrounding whitespace is ignored.
    pub fn from_base64(text: &str) -> Result<Self, AuthError> {
        let text = text.trim();
        let decoded = Zeroizing::new(
            URL_SAFE_NO_PAD
                .decode(text.trim_end_matches('='))
                .or_else(|_| STANDARD.decode(text))
                .map_err(|_| AuthError::InvalidTokenKey {
                    reason: "not base64 text",
                })?,
        );
        let bytes: [u8; 32] =
            decoded
                .as_slice()
                .try_into()
                .map_err(|_| AuthError::InvalidTokenKey {
                    reason: "a token key is 32 bytes (43 base64 characters)",
                })?;
        Ok(TokenKey::from_bytes(bytes))
    }

    /// The key from the environment variable [`TokenKey::ENV_VAR`], `None` when it is unset.
    pub fn from_env() -> Result<Option<Self>, AuthError> {
        match std::env::var(Self::ENV_VAR) {
            Ok(text) => Self::from_base64(&Zeroizing::new(text)).map(Some),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(AuthError::InvalidTokenKey {
                reason: "BLUEBUTTON_TOKEN_KEY is not UTF-8",
            }),
        }
    }

    /// The key read from a key file (base64 text, as written by this function), created with a
    /// new random key when it does not exist yet.
    ///
    /// Creation is atomic: the key is written to a temp file (mode 0600 on Unix) in the same
    /// folder, synced, then linked into place without replacing an existing key, so no reader
    /// ever sees a partial key and processes creating it at once all get the one that won. An
    /// empty or partial key file (left by an interrupted creation) is replaced. On Unix a key
    /// file that the group or others can read, or that another user owns, is refused with
    /// [`AuthError::KeyFile`] (the message says the fix).
    ///
    /// When the key protects a token file, use
    /// [`load_or_create_for_store`](Self::load_or_create_for_store).
    pub fn load_or_create(path: impl AsRef<Path>) -> Result<Self, AuthError> {
        super::key_file::load_or_create(path.as_ref(), None)
    }

    /// Like [`load_or_create`](Self::load_or_create) for the key of the token file `store`:
    /// an empty or partial key file is replaced only when `store` holds no sealed token (those
    /// were sealed with the lost key); otherwise [`AuthError::KeyFile`] says what to do.
    pub fn load_or_create_for_store(
        path: impl AsRef<Path>,
        store: impl AsRef<Path>,
    ) -> Result<Self, AuthError> {
        super::key_file::load_or_create(path.as_ref(), Some(store.as_ref()))
    }

    /// The key as URL-safe base64 text without padding (zeroized when dropped).
    pub fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(URL_SAFE_NO_PAD.encode(self.0.as_ref()))
    }

    fn aead(&self) -> LessSafeKey {
        // A 32-byte key always fits ChaCha20-Poly1305.
        let unbound = UnboundKey::new(&CHACHA20_POLY1305, self.0.as_ref())
            .unwrap_or_else(|_| unreachable!("ChaCha20-Poly1305 takes 32-byte keys"));
        LessSafeKey::new(unbound)
    }

    /// Seals `plaintext`, the record stored under `record_key`.
    pub(crate) fn seal(&self, record_key: &str, plaintext: &[u8]) -> Result<String, SealProblem> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| SealProblem::Randomness)?;
        let mut body = Zeroizing::new(plaintext.to_vec());
        self.aead()
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad(record_key)),
                &mut *body,
            )
            .map_err(|_| SealProblem::Randomness)?;
        let mut buffer = Zeroizing::new(Vec::with_capacity(NONCE_LEN + body.len()));
        buffer.extend_from_slice(&nonce);
        buffer.extend_from_slice(&body);
        Ok(format!(
            "{SEALED_PREFIX}{}",
            URL_SAFE_NO_PAD.encode(&*buffer)
        ))
    }

    /// Opens a sealed record stored under `record_key`.
    pub(crate) fn open(
        &self,
        record_key: &str,
        sealed: &str,
    ) -> Result<Zeroizing<Vec<u8>>, SealProblem> {
        let encoded = sealed
            .strip_prefix(SEALED_PREFIX)
            .ok_or(SealProblem::Malformed)?;
        let mut bytes = Zeroizing::new(
            URL_SAFE_NO_PAD
                .decode(encoded)
                .map_err(|_| SealProblem::Malformed)?,
        );
        if bytes.len() < NONCE_LEN + CHACHA20_POLY1305.tag_len() {
            return Err(SealProblem::Malformed);
        }
        let mut body = Zeroizing::new(bytes.split_off(NONCE_LEN));
        let nonce = Nonce::try_assume_unique_for_key(&bytes).map_err(|_| SealProblem::Malformed)?;
        let plaintext = self
            .aead()
            .open_in_place(nonce, Aad::from(aad(record_key)), &mut body)
            .map_err(|_| SealProblem::WrongKeyOrAltered)?;
        Ok(Zeroizing::new(plaintext.to_vec()))
    }
}

/// A token record as a store holds it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Stored<'a> {
    /// Sealed text (`bbtk1.…`).
    Sealed(&'a str),
    /// The token's JSON in clear text.
    Clear(&'a str),
}

#[cfg(feature = "sqlite")]
impl<'a> Stored<'a> {
    /// Classifies a record stored as bare text (SQLite): sealed text or JSON.
    pub(crate) fn from_text(text: &'a str) -> Self {
        if text.starts_with(SEALED_PREFIX) {
            Stored::Sealed(text)
        } else {
            Stored::Clear(text)
        }
    }
}

/// Reads the token of a record under `record_key` in the store at `location`, decrypting with
/// `key` (a store with a key refuses clear-text records; one without cannot open sealed ones).
pub(crate) fn open_record(
    key: Option<&TokenKey>,
    record_key: &str,
    location: &str,
    stored: Stored<'_>,
) -> Result<AuthorizationToken, AuthError> {
    let sealed = |problem| AuthError::StoreSealed {
        key: record_key.to_owned(),
        location: location.to_owned(),
        problem,
    };
    let opened;
    let json: &[u8] = match (stored, key) {
        (Stored::Sealed(text), Some(key)) => {
            opened = key.open(record_key, text).map_err(sealed)?;
            &opened
        }
        (Stored::Sealed(_), None) => return Err(sealed(SealProblem::NoKey)),
        (Stored::Clear(_), Some(_)) => return Err(sealed(SealProblem::ClearText)),
        (Stored::Clear(text), None) => text.as_bytes(),
    };
    serde_json::from_slice(json).map_err(|e| AuthError::StoreCorrupt {
        key: record_key.to_owned(),
        location: location.to_owned(),
        message: redacted_json_message(&e),
    })
}

/// The record text of `token` under `record_key`: sealed text with a key, JSON without.
pub(crate) fn write_record(
    key: Option<&TokenKey>,
    record_key: &str,
    location: &str,
    token: &AuthorizationToken,
) -> Result<String, AuthError> {
    let json =
        Zeroizing::new(
            serde_json::to_string(token).map_err(|e| AuthError::StoreCorrupt {
                key: record_key.to_owned(),
                location: location.to_owned(),
                message: redacted_json_message(&e),
            })?,
        );
    match key {
        None => Ok(json.as_str().to_owned()),
        Some(key) => {
            key.seal(record_key, json.as_bytes())
                .map_err(|problem| AuthError::StoreSealed {
                    key: record_key.to_owned(),
                    location: location.to_owned(),
                    problem,
                })
        }
    }
}

/// The associated data of the record under `record_key`.
fn aad(record_key: &str) -> Vec<u8> {
    [AAD_LABEL, record_key.as_bytes()].concat()
}

impl fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenKey([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> TokenKey {
        TokenKey::from_bytes([byte; 32])
    }

    #[test]
    fn seal_then_open_round_trips_with_a_fresh_nonce_each_time() {
        let k = key(7);
        let a = k.seal("patient-1", b"{\"access_token\":\"abc\"}").unwrap();
        let b = k.seal("patient-1", b"{\"access_token\":\"abc\"}").unwrap();
        assert!(a.starts_with(SEALED_PREFIX));
        assert_ne!(a, b, "nonces differ");
        assert!(!a.contains("abc"));
        assert_eq!(
            k.open("patient-1", &a).unwrap().as_slice(),
            b"{\"access_token\":\"abc\"}"
        );
    }

    #[test]
    fn another_key_a_moved_record_or_an_edit_fails_to_open() {
        let sealed = key(1).seal("patient-1", b"secret").unwrap();
        assert_eq!(
            key(2).open("patient-1", &sealed).unwrap_err(),
            SealProblem::WrongKeyOrAltered
        );
        assert_eq!(
            key(1).open("patient-2", &sealed).unwrap_err(),
            SealProblem::WrongKeyOrAltered
        );
        let mut edited = sealed.clone().into_bytes();
        let last = edited.len() - 3;
        edited[last] = if edited[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            key(1)
                .open("patient-1", &String::from_utf8(edited).unwrap())
                .unwrap_err(),
            SealProblem::WrongKeyOrAltered
        );
        for bad in ["bbtk1.", "bbtk1.!!", "bbtk2.AAAA", "plain"] {
            assert_eq!(
                key(1).open("patient-1", bad).unwrap_err(),
                SealProblem::Malformed,
                "{bad}"
            );
        }
    }

    #[test]
    fn base64_round_trip_and_bad_keys_are_typed_errors() {
        let k = TokenKey::generate().unwrap();
        let text = k.to_base64();
        assert_eq!(text.len(), 43);
        let back = TokenKey::from_base64(&format!(" {} \n", text.as_str())).unwrap();
        let sealed = k.seal("k", b"x").unwrap();
        assert_eq!(back.open("k", &sealed).unwrap().as_slice(), b"x");
        let standard = STANDARD.encode([9u8; 32]);
        assert!(TokenKey::from_base64(&standard).is_ok());
        for bad in ["", "not base64!", "AAAA"] {
            let error = TokenKey::from_base64(bad).unwrap_err();
            assert!(
                matches!(error, AuthError::InvalidTokenKey { .. }),
                "{error:?}"
            );
        }
        assert_eq!(format!("{k:?}"), "TokenKey([redacted])");
        assert!(!format!("{k:?}").contains(text.as_str()));
    }

    #[test]
    fn load_or_create_writes_once_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.key");
        let first = TokenKey::load_or_create(&path).unwrap();
        let again = TokenKey::load_or_create(&path).unwrap();
        assert_eq!(first.to_base64(), again.to_base64());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "not a key, at least not base64 text!!").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        assert!(matches!(
            TokenKey::load_or_create(&path),
            Err(AuthError::InvalidTokenKey { .. })
        ));
    }
}
