//! Runnable examples of bluebutton-rs. Each example's logic lives here so the tests in
//! `tests/` can run it against the embedded sandbox; `quickstart.rs`, `axum_app.rs` and
//! `custom_stack.rs` are thin `main`s.
//!
//! - [`quickstart`]: `cargo run --example quickstart`: the whole flow and a summary.
//! - [`axum_app`]: the official SDK's Flask sample as an axum web app.
//! - [`custom_stack`]: config + transport + auth without the facade.

#![deny(missing_docs)]

pub mod axum_app;
pub mod callback;
pub mod custom_stack;
pub mod quickstart;
pub mod summary;
