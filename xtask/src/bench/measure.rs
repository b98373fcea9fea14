//! Running a measured program as a child process: wall time, and CPU time (user + system)
//! from `getrusage(RUSAGE_CHILDREN)` before and after reaping it, so only that child counts.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use nix::sys::resource::{UsageWho, getrusage};
use nix::sys::time::TimeVal;

/// One finished run of a measured program.
#[derive(Debug)]
pub(crate) struct Run {
    /// From spawn to exit.
    pub(crate) wall: Duration,
    /// User + system CPU of the child (and of any grandchild it waited for).
    pub(crate) cpu: Duration,
    /// Its output.
    pub(crate) output: Output,
}

impl Run {
    /// The last non-empty stdout line parsed as JSON (every bench program reports so).
    pub(crate) fn report(&self) -> Result<serde_json::Value, String> {
        let stdout = String::from_utf8_lossy(&self.output.stdout);
        let line = stdout
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .ok_or("no report on stdout")?;
        serde_json::from_str(line).map_err(|e| format!("bad report {line:?}: {e}"))
    }

    /// `Err` with the end of stderr unless the program exited 0.
    pub(crate) fn success(self) -> Result<Run, String> {
        if self.output.status.success() {
            Ok(self)
        } else {
            Err(format!(
                "exited with {}: {}",
                self.output.status,
                tail(&String::from_utf8_lossy(&self.output.stderr))
            ))
        }
    }
}

/// The last few lines of `text`, on one line.
pub(crate) fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(3)..].join(" | ")
}

fn seconds(tv: TimeVal) -> Duration {
    let micros = i128::from(tv.tv_sec()) * 1_000_000 + i128::from(tv.tv_usec());
    Duration::from_micros(u64::try_from(micros).unwrap_or(0))
}

/// CPU time of every child reaped so far.
pub(crate) fn children_cpu() -> Duration {
    getrusage(UsageWho::RUSAGE_CHILDREN)
        .map(|u| seconds(u.user_time()) + seconds(u.system_time()))
        .unwrap_or_default()
}

/// Runs `command` to completion (stdin closed) and measures it.
pub(crate) fn run(command: &mut Command) -> Result<Run, String> {
    command.stdin(Stdio::null());
    let cpu_before = children_cpu();
    let started = Instant::now();
    let output = command
        .output()
        .map_err(|e| format!("could not start {:?}: {e}", command.get_program()))?;
    let wall = started.elapsed();
    Ok(Run {
        wall,
        cpu: children_cpu().saturating_sub(cpu_before),
        output,
    })
}

/// Runs `command` with piped stdin and stdout; when it prints the line `marker`, calls
/// `between` (e.g. to read the sandbox's counters), then writes `go` to its stdin and lets it
/// finish. The run is measured as a whole.
pub(crate) fn run_paused<T>(
    command: &mut Command,
    marker: &str,
    between: impl FnOnce() -> Result<T, String>,
) -> Result<(Run, Result<T, String>), String> {
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let cpu_before = children_cpu();
    let started = Instant::now();
    let mut child = command
        .spawn()
        .map_err(|e| format!("could not start {:?}: {e}", command.get_program()))?;
    let mut stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?);
    let mut seen = String::new();
    let mut between = Some(between);
    let mut in_between = Err(format!("`{marker}` never printed"));
    loop {
        let mut line = String::new();
        if stdout.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
            break;
        }
        if line.trim() == marker {
            if let Some(between) = between.take() {
                in_between = between();
            }
            if let Some(stdin) = child.stdin.as_mut() {
                let _ = stdin.write_all(b"go\n").and_then(|()| stdin.flush());
            }
        } else {
            seen.push_str(&line);
        }
    }
    drop(child.stdin.take());
    let mut stderr = Vec::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.read_to_end(&mut stderr);
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    let wall = started.elapsed();
    let run = Run {
        wall,
        cpu: children_cpu().saturating_sub(cpu_before),
        output: Output {
            status,
            stdout: seen.into_bytes(),
            stderr,
        },
    };
    Ok((run, in_between))
}

/// The median of `values` (the lower middle one for an even count); `None` when empty.
pub(crate) fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len().saturating_sub(1) / 2).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.0));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn tail_keeps_the_last_three_lines() {
        assert_eq!(tail("a\n\nb\nc\nd\n"), "b | c | d");
    }
}
