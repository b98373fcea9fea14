//! The reliability and security suite: one test binary (one link on a 2-core machine), one
//! module per theme. Run with `--nocapture` (as `cargo xtask suite reliability` does) to see
//! the figure each check prints.

mod common;

mod authorization_checks;
mod cross_process;
mod fault_soak;
mod hostile_input;
mod local_input;
mod properties;
mod refresh_storm;
mod server_text;
mod token_checks;
