//! `cargo xtask suite reliability`: the reliability and security suite (the tests of
//! `crates/bluebutton-reliability`), run with `--nocapture` so every check prints its figures.

use crate::cmd::{StepFailed, cargo, run_step};

/// Runs `cargo test -p bluebutton-reliability -- --nocapture --test-threads=1`.
///
/// One test at a time: the fault soak, the refresh storm and the cross-process check each load
/// both cores, and their figures print in order.
pub(crate) fn run() -> Result<(), StepFailed> {
    let mut test = cargo();
    test.args([
        "test",
        "-p",
        "bluebutton-reliability",
        "--",
        "--nocapture",
        "--test-threads=1",
    ]);
    run_step(
        "cargo test -p bluebutton-reliability -- --nocapture --test-threads=1",
        test,
    )?;
    println!("xtask suite reliability: passed");
    Ok(())
}
