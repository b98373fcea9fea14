//! `cargo xtask suite reliability`: the reliability and security suite (the tests of
//! `tools/bluebutton-reliability`), run with `--nocapture` so every check prints its figures.

use std::process::{Child, Command, Stdio};
use std::time::Instant;

use crate::cmd::{StepFailed, cargo, failed, run_step};

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

/// `cargo xtask suite fault-soak`: the fault soak `runs` times in a row, each a separate test
/// process, while `burners` CPU-bound processes (`sh` busy loops) compete for the cores. Stops
/// at the first failure; the burners are stopped in every case.
pub(crate) fn fault_soak(runs: u32, burners: u32) -> Result<(), StepFailed> {
    let mut build = cargo();
    build.args([
        "test",
        "-p",
        "bluebutton-reliability",
        "--test",
        "reliability",
        "--no-run",
    ]);
    run_step("cargo test -p bluebutton-reliability --no-run", build)?;
    let mut burning = Burners::start(burners)?;
    let started = Instant::now();
    for run in 1..=runs {
        let mut test = cargo();
        test.args([
            "test",
            "-q",
            "-p",
            "bluebutton-reliability",
            "--test",
            "reliability",
            "fault_soak",
            "--",
            "--nocapture",
        ]);
        let label =
            format!("fault soak run {run}/{runs} ({burners} CPU-bound processes beside it)");
        if let Err(error) = run_step(&label, test) {
            burning.stop();
            println!("xtask suite fault-soak: run {run} of {runs} failed");
            return Err(error);
        }
    }
    burning.stop();
    println!(
        "xtask suite fault-soak: {runs} runs in a row passed in {:.0} s with {burners} CPU-bound processes beside them",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// CPU-bound child processes, killed on [`Burners::stop`] or drop.
struct Burners(Vec<Child>);

impl Burners {
    fn start(count: u32) -> Result<Self, StepFailed> {
        let mut children = Vec::new();
        for _ in 0..count {
            let child = Command::new("sh")
                .args(["-c", "while :; do :; done"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .spawn()
                .map_err(|e| failed("start a CPU-bound process", e.to_string()))?;
            children.push(child);
        }
        Ok(Self(children))
    }

    fn stop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.0.clear();
    }
}

impl Drop for Burners {
    fn drop(&mut self) {
        self.stop();
    }
}
