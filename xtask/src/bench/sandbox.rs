//! The sandbox as a separate process (`bench-sandbox`), so a client's CPU time is only its own;
//! its counters are read over its stdin/stdout.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

/// Settings of one sandbox process.
#[derive(Debug)]
pub(crate) struct SandboxSpec {
    pub(crate) beneficiaries: usize,
    pub(crate) claims: usize,
    pub(crate) token_ttl_secs: u64,
    pub(crate) redirect_uri: String,
}

/// The app registered on every bench sandbox.
pub(crate) const CLIENT_ID: &str = "bench-client-id";
pub(crate) const CLIENT_SECRET: &str = "bench-client-secret";

/// A running `bench-sandbox`; stopped on drop.
pub(crate) struct SandboxProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    pub(crate) base_url: String,
    pub(crate) beneficiaries: Vec<String>,
    pub(crate) redirect_uri: String,
}

impl SandboxProcess {
    /// Starts `bench-sandbox` on an ephemeral loopback port and waits for `ready`.
    pub(crate) fn start(binary: &Path, spec: &SandboxSpec) -> Result<SandboxProcess, String> {
        let mut child = Command::new(binary)
            .args(["--addr", "127.0.0.1:0", "--client-id", CLIENT_ID])
            .args(["--client-secret", CLIENT_SECRET])
            .args(["--redirect-uri", &spec.redirect_uri])
            .args(["--beneficiaries", &spec.beneficiaries.to_string()])
            .args(["--claims", &spec.claims.to_string()])
            .args(["--token-ttl", &spec.token_ttl_secs.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("could not start {}: {e}", binary.display()))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err("no stdio".to_owned());
        };
        let mut sandbox = SandboxProcess {
            child,
            stdin: Some(stdin),
            stdout: BufReader::new(stdout),
            base_url: String::new(),
            beneficiaries: Vec::new(),
            redirect_uri: spec.redirect_uri.clone(),
        };
        loop {
            let mut line = String::new();
            match sandbox.stdout.read_line(&mut line) {
                Ok(0) | Err(_) => return Err("the sandbox exited before `ready`".to_owned()),
                Ok(_) => {}
            }
            let line = line.trim();
            if let Some(url) = line.strip_prefix("base_url=") {
                sandbox.base_url = url.to_owned();
            } else if let Some(id) = line.strip_prefix("beneficiary=") {
                sandbox.beneficiaries.push(id.to_owned());
            } else if line == "ready" {
                return Ok(sandbox);
            }
        }
    }

    /// The app arguments every client program takes.
    pub(crate) fn app_args(&self) -> Vec<String> {
        [
            "--base-url",
            &self.base_url,
            "--client-id",
            CLIENT_ID,
            "--client-secret",
            CLIENT_SECRET,
            "--redirect-uri",
            &self.redirect_uri,
        ]
        .map(str::to_owned)
        .to_vec()
    }

    /// The sandbox's counters now.
    pub(crate) fn counters(&mut self) -> Result<serde_json::Value, String> {
        let stdin = self.stdin.as_mut().ok_or("sandbox stopped")?;
        stdin
            .write_all(b"counters\n")
            .and_then(|()| stdin.flush())
            .map_err(|e| format!("sandbox stdin: {e}"))?;
        let mut line = String::new();
        self.stdout
            .read_line(&mut line)
            .map_err(|e| format!("sandbox stdout: {e}"))?;
        serde_json::from_str(&line).map_err(|e| format!("sandbox counters {line:?}: {e}"))
    }

    /// Stops it (closing stdin ends it; killed if that fails) and reaps it.
    pub(crate) fn stop(&mut self) {
        if let Some(mut stdin) = self.stdin.take() {
            let _ = stdin.write_all(b"quit\n");
        }
        for _ in 0..50 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        self.stop();
    }
}
