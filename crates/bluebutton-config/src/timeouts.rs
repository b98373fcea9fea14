//! Network time limits: how long to wait for a connection and for a whole request.

use std::time::Duration;

/// Time limits applied by transport to every request. Files give them in seconds
/// (`timeouts: {connect: 5, request: 30}`).
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq)]
pub struct Timeouts {
    /// The limit for opening a connection (TCP + TLS). Default 10 s.
    pub connect: Duration,
    /// The limit for a whole request, from sending to the last body byte. Default 60 s.
    pub request: Duration,
}

impl Timeouts {
    /// The default connect limit.
    pub const DEFAULT_CONNECT: Duration = Duration::from_secs(10);
    /// The default request limit.
    pub const DEFAULT_REQUEST: Duration = Duration::from_secs(60);

    /// Both limits.
    pub fn new(connect: Duration, request: Duration) -> Self {
        Timeouts { connect, request }
    }
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts::new(Self::DEFAULT_CONNECT, Self::DEFAULT_REQUEST)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let t = Timeouts::default();
        assert_eq!(t.connect, Duration::from_secs(10));
        assert_eq!(t.request, Duration::from_secs(60));
    }
}
