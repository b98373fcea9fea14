//! The OAuth client secret, wrapped so that it never prints and is wiped from memory on drop.

use std::fmt;

use zeroize::Zeroizing;

/// The text every redacted secret prints as.
pub const REDACTED: &str = "[redacted]";

/// The application's OAuth client secret.
///
/// `Debug` and `Display` print `[redacted]`; the bytes are zeroized when the value is dropped.
/// Read it with [`ClientSecret::expose_secret`] only where it is sent (token requests).
#[derive(Clone, Default)]
pub struct ClientSecret(Zeroizing<String>);

impl ClientSecret {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        ClientSecret(Zeroizing::new(secret.into()))
    }

    /// The secret itself. Never log or display it.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl From<String> for ClientSecret {
    fn from(secret: String) -> Self {
        ClientSecret::new(secret)
    }
}

impl From<&str> for ClientSecret {
    fn from(secret: &str) -> Self {
        ClientSecret::new(secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_the_secret() {
        let secret = ClientSecret::new("s3cr3t-value");
        assert_eq!(format!("{secret:?}"), "[redacted]");
        assert_eq!(format!("{secret}"), "[redacted]");
        assert_eq!(
            format!("{:#?}", Some(secret.clone())),
            "Some(\n    [redacted],\n)"
        );
        assert_eq!(secret.expose_secret(), "s3cr3t-value");
        assert!(!secret.is_empty());
        assert!(ClientSecret::from("").is_empty());
    }
}
