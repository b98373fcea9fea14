//! The client programs that `cargo xtask bench` runs as separate processes against a sandbox
//! process on loopback, and what they share: the app's credentials on the command line, the
//! browser step of the OAuth flow, `/proc/self/status` readings and the one-line JSON report
//! each program prints.
//!
//! Binaries (each prints one JSON object on its last stdout line):
//! - `bench-sandbox`: the sandbox in its own process (so client CPU is only the client's);
//!   answers `counters` on stdin with its counters as JSON.
//! - `bench-facade`: authorize + exchange + every EOB through [`bluebutton`]'s typed
//!   `resources()` stream.
//! - `bench-raw`: the same GET sequence with a bare `reqwest::Client` into
//!   `serde_json::Value` (the floor).
//! - `bench-stream`: streams many EOBs with `resources()` and reports peak RSS; `--probe`
//!   measures one page (bytes and parsed).
//! - `bench-concurrent`: many beneficiaries fetched concurrently through one client, with a
//!   short token lifetime: EOBs/s, refreshes and expiries.
//! - `bench-parse`: parse throughput (typed vs `Value` vs `IgnoredAny`) on the real sandbox
//!   pages and a generated 10 MB Bundle.
//! - `bench-browser`: plays the browser for `bluebutton login --no-browser`.
#![deny(missing_docs)]

mod app;
mod error;
mod oauth;
mod proc_status;
mod report;

pub use app::{AppArgs, install_crypto_provider, raw_client};
pub use error::BenchError;
pub use oauth::{approve, exchange_raw, pkce_pair};
pub use proc_status::{peak_rss_bytes, rss_anon_bytes, rss_bytes};
pub use report::print_report;
