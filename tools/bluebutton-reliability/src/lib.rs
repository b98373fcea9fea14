//! Shared helpers of the bluebutton-rs reliability and security suite.
//!
//! The suite itself is this package's tests (`cargo test -p bluebutton-reliability`, or
//! `cargo xtask suite reliability`, which adds `--nocapture` so every check prints its figures):
//!
//! - `tests/reliability/`: the security checks of a SMART/OAuth client (RFC 9700, RFC 7636, RFC 9207; one test per check, named after what it checks),
//!   hostile input (each a typed error, never a panic), property tests (the twins of the
//!   cargo-fuzz targets in `fuzz/`), the fault soak against the sandbox, the refresh storm and
//!   the cross-process refresh over one SQLite token store (driving the `refresh-worker`
//!   binary of this package);
//! - `tests/redaction.rs`: every secret of a whole sandbox flow, searched for in everything
//!   traced (its own binary, because it installs a global subscriber).
//!
//! This library holds what those tests share: a tracing capture ([`capture`]), sandbox
//! plumbing ([`sandbox`]), token builders ([`tokens`]), the fixture folder ([`fixtures`]) and the
//! properties shared with the fuzz targets ([`properties`]).
#![deny(missing_docs)]

pub mod capture;
pub mod fixtures;
pub mod properties;
pub mod sandbox;
pub mod tokens;
