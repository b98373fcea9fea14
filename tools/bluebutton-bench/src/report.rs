//! The one-line JSON report every bench program prints last on stdout.

use std::io::Write;

/// Prints `report` as one compact JSON line on stdout (the runner reads the last line).
pub fn print_report(report: &serde_json::Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{report}");
    let _ = out.flush();
}
